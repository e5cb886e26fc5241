"""Articles: their bylines, their tag links, the slugs they had before, and the queries pages ask of them."""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    bindparam,
    func,
    select,
    union_all,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, joinedload, load_only, mapped_column, relationship, selectinload, undefer

from content.text import excerpt as make_excerpt
from content.text import markdown_text, now_utc, render_markdown
from models.base import READ_COUNT, Base, UTCDateTime, Wide, db

if TYPE_CHECKING:  # the modules that build on this one, named in its annotations only
    from models.comments import Comment
    from models.labels import Category, Tag
    from models.people import User
    from models.pictures import Picture


class ArticleStatus(enum.StrEnum):
    """Where an article stands; a published one whose time is still to come is scheduled."""

    DRAFT = "draft"
    PUBLISHED = "published"


article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    # The article's publication time while it is published, else NULL: a tag page then reads
    # its articles in order straight from the index below instead of sorting all of them.
    Column("listed_at", UTCDateTime, nullable=True),
    Index("ix_article_tags_listing", "tag_id", "listed_at", "article_id"),
)


def _first_content_time(context) -> datetime:
    """A new article's content dates from its publication when it has one (imports), else from now."""
    return context.get_current_parameters().get("published_at") or now_utc()


class Article(db.Model):
    """A story: its text, its category, tags and byline, and when readers may see it."""

    __tablename__ = "articles"
    SLUG_MAX: ClassVar[int] = 200
    TITLE_MAX: ClassVar[int] = 200
    SUMMARY_MAX: ClassVar[int] = 300
    __table_args__ = (
        Index("ix_articles_listing", "status", "published_at", "id"),
        Index("ix_articles_category_listing", "category_id", "status", "published_at", "id"),
        # Most read of the week: walked in reads order, published_at checked in the index itself.
        Index("ix_articles_most_read", "status", "reads", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    summary: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
    excerpt: Mapped[str] = mapped_column(String(SUMMARY_MAX), default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last change readers can see (title, summary, body), never a read: "Updated", feeds and
    # sitemaps rely on it. Set by note_content_change, so no onupdate moves it.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_first_content_time)
    reads: Mapped[int] = mapped_column(READ_COUNT, default=0, server_default="0")
    # Who wrote it first; a writer may edit the drafts they created or sign.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Set when a writer sends the draft to review; cleared when an editor publishes it.
    review_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lead_picture_id: Mapped[int | None] = mapped_column(ForeignKey("pictures.id", ondelete="SET NULL"), index=True)

    category: Mapped[Category] = relationship(back_populates="articles")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    lead_picture: Mapped[Picture | None] = relationship(back_populates="lead_of")
    authorships: Mapped[list[Authorship]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True, order_by="Authorship.position"
    )
    # Case-insensitive, as every other list of names: plain name order is code points on SQLite
    # but the collation's on PostgreSQL, so "Tokyo" and "sport" swapped places between them.
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, back_populates="articles",
                                           order_by="(func.lower(Tag.name), Tag.id)")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True, order_by="Comment.id"
    )
    redirects: Mapped[list[SlugRedirect]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"

    @property
    def authors(self) -> list[User]:
        """The accounts the byline names, in the byline's order (feeds and structured data read these too)."""
        return [link.user for link in self.authorships]

    def set_authors(self, users: list[User]) -> None:
        """Make these accounts the byline, in this order; links kept for accounts that stay."""
        kept = {link.user_id: link for link in self.authorships if link.user_id is not None}
        self.authorships = [kept.get(user.id) or Authorship(user=user) for user in users]
        for position, link in enumerate(self.authorships):
            link.position = position

    def is_own_draft_of(self, user: User) -> bool:
        """True for a draft this account created or signs."""
        if self.status != ArticleStatus.DRAFT:
            return False  # asked first: a published article's bylines need not be loaded
        return self.created_by_id == user.id or any(link.user_id == user.id for link in self.authorships)

    @property
    def waits_for_review(self) -> bool:
        """True for a draft its writer sent to the editors."""
        return self.status == ArticleStatus.DRAFT and self.review_requested_at is not None

    def set_body(self, source: str) -> None:
        """Store the Markdown source with its HTML and excerpt, prepared once here, never per request."""
        self.body_source = source
        self.body_html, paragraphs = render_markdown(source)
        self.excerpt = make_excerpt(paragraphs)

    def plain_text(self) -> str:
        """Every word of the body as readers see it (never HTML), for the search index."""
        return self.plain_text_of(self.body_source or "")

    @staticmethod
    def plain_text_of(source: str) -> str:
        """Every word of a Markdown body: paragraphs, headings, lists, quotes, tables and code."""
        return markdown_text(source)

    def note_content_change(self, was_live: bool) -> None:
        """Record a change of what readers see; one made before publication is no update to them."""
        now = now_utc()
        self.updated_at = now if was_live or self.published_at is None else min(now, self.published_at)

    @property
    def was_updated(self) -> bool:
        """True when readers saw the article and its content changed after that."""
        return self.published_at is not None and self.updated_at is not None and self.updated_at > self.published_at

    @property
    def last_changed_at(self) -> datetime:
        """When readers last saw it change: its publication, or a later content change (feeds, sitemaps)."""
        return max(moment for moment in (self.published_at, self.updated_at) if moment is not None)

    @property
    def listing_summary(self) -> str:
        """What listings show under the title: the summary, else the excerpt stored at save time."""
        return self.summary or self.excerpt

    @classmethod
    def is_published(cls, until: datetime | None = None):
        """The one rule for 'a reader may see it': published, and not scheduled for later.

        `until`, earlier than now, narrows it to articles published by then (a listing's cursor),
        as one bound the index can seek to.
        """
        now = now_utc()
        return cls.published_by(min(until or now, now))

    @classmethod
    def published_by(cls, moment):
        """Published, at `moment` (a time, or a bound parameter of a statement built once)."""
        return and_(cls.status == ArticleStatus.PUBLISHED, cls.published_at <= moment)

    @classmethod
    def published_by_slug(cls, slug: str, page: bool = True) -> Article | None:
        """A published article, or None; with what its page shows loaded at once, unless `page` is False
        (a comment sent to it needs its id; its page, drawn again only for a form sent back, loads the rest as read)."""
        return db.session.execute(by_slug_statement(page), {"slug": slug, "now": now_utc()}).scalar_one_or_none()

    @classmethod
    def at_address(cls, slug: str) -> Article | None:
        """What a reader's address with this slug shows: the published article, if any."""
        return cls.published_by_slug(slug)

    @classmethod
    def former_target(cls, slug: str) -> str | None:
        """The slug now of the published article once known as `slug`, if any."""
        return SlugRedirect.target_of(slug)

    @classmethod
    def slug_taken(cls, slug: str, except_id: int | None = None) -> bool:
        """True when another article uses the slug now, or used it once (its old links redirect)."""
        current = select(cls.id).where(cls.slug == slug, cls.id != except_id)
        former = select(SlugRedirect.article_id).where(SlugRedirect.old_slug == slug, SlugRedirect.article_id != except_id)
        return db.session.execute(current.union_all(former).limit(1)).first() is not None

    @classmethod
    def for_admin(cls, status: str | None = None):
        """The admin's listing, newest first, optionally 'review', 'draft', 'scheduled' or 'published' (live) only."""
        query = (
            select(cls)
            .options(joinedload(cls.category), undefer(cls.visible_comment_count), with_bylines())
            .order_by(func.coalesce(cls.published_at, cls.created_at).desc(), cls.id.desc())
        )
        if status == "review":
            query = query.where(cls.status == ArticleStatus.DRAFT, cls.review_requested_at.is_not(None))
        elif status == ArticleStatus.DRAFT:
            query = query.where(cls.status == ArticleStatus.DRAFT)
        elif status == "scheduled":
            query = query.where(cls.status == ArticleStatus.PUBLISHED, cls.published_at > now_utc())
        elif status == ArticleStatus.PUBLISHED:
            query = query.where(cls.is_published())
        return query

    @classmethod
    def waiting_for_review_count(cls) -> int:
        """How many drafts wait for an editor."""
        waiting = and_(cls.status == ArticleStatus.DRAFT, cls.review_requested_at.is_not(None))
        return db.session.execute(select(func.count(cls.id)).where(waiting)).scalar_one()

    @property
    def is_live(self) -> bool:
        """True when readers can see the article now: is_published() for an article already in hand."""
        return self.status == ArticleStatus.PUBLISHED and self.published_at is not None and self.published_at <= now_utc()

    def change_slug(self, new_slug: str) -> None:
        """Take a new slug; once readers have seen the old one, keep it as a redirect."""
        if new_slug == self.slug:
            return
        if self.slug and self.id is not None and self.is_live:
            self.redirects.append(SlugRedirect(old_slug=self.slug))
        self.redirects = [redirect for redirect in self.redirects if redirect.old_slug != new_slug]
        self.slug = new_slug

    @classmethod
    def most_read(cls, days: int = 7, limit: int = 5, leaving_out: int | None = None) -> list[Article]:
        """The most-read articles among those published in the last `days` days, most reads first.

        Read backwards along ix_articles_most_read (status, reads, published_at, id): no sort, and rows
        outside the week are skipped in the index, so it stops at the `limit`-th recent one.
        `leaving_out` names the article the list sits on, which would only point to itself.
        """
        since = now_utc() - timedelta(days=days)
        others = (Wide(cls.id != leaving_out),) if leaving_out is not None else ()
        query = (select(cls).where(cls.status == ArticleStatus.PUBLISHED, Wide(cls.is_published()),
                                   Wide(cls.published_at > since), *others)
                 .order_by(cls.reads.desc(), cls.published_at.desc(), cls.id.desc())
                 .limit(limit).options(joinedload(cls.category)))
        return list(db.session.execute(query).scalars())

    def related(self, limit: int = 4, per_tag: int = 200) -> list[Article]:
        """Up to `limit` published articles sharing the most tags with this one, newer first among equals.

        Candidates are the `per_tag` newest published articles of each tag (a bounded scan of
        ix_article_tags_listing each), so a tag carried by 50,000 articles costs what a small one does.
        """
        links = article_tags.c
        now = now_utc()
        per_tag_newest = [
            select(links.article_id, links.listed_at).where(links.tag_id == tag.id, links.listed_at <= now)
            .order_by(links.listed_at.desc(), links.article_id.desc()).limit(per_tag).subquery().select()
            for tag in self.tags]
        if not per_tag_newest:
            return []
        candidates = union_all(*per_tag_newest).subquery()
        shared = (select(candidates.c.article_id, func.count().label("shared"),
                         func.max(candidates.c.listed_at).label("listed_at"))
                  .where(candidates.c.article_id != self.id).group_by(candidates.c.article_id).subquery())
        query = (select(Article).join(shared, shared.c.article_id == Article.id).where(Article.is_published())
                 .order_by(shared.c.shared.desc(), shared.c.listed_at.desc(), Article.id.desc())
                 .limit(limit).options(joinedload(Article.category)))
        return list(db.session.execute(query).scalars())

    @classmethod
    def next_publication(cls):
        """When the next scheduled article goes live (NULL if none), as a scalar subquery."""
        query = select(func.min(cls.published_at)).where(cls.status == ArticleStatus.PUBLISHED,
                                                         cls.published_at > now_utc())
        return query.scalar_subquery()


def copy_listing_times(connection: Connection, articles: Iterable[Article]) -> None:
    """Copy each article's listing time onto its tag and author links, so those pages stay in order.

    The time is the publication time while the article is published, else NULL: a tag or author page
    then reads its articles in order straight from the links' own index.
    """
    for article in articles:
        listed_at = article.published_at if article.status == ArticleStatus.PUBLISHED else None
        for links in (article_tags, Authorship.__table__):
            connection.execute(update(links).where(links.c.article_id == article.id).values(listed_at=listed_at))


class Authorship(db.Model):
    """One name in an article's byline, at its place in the byline."""

    __tablename__ = "article_authors"
    # Like article_tags.listed_at: the article's publication time while it is published, else NULL,
    # so an author page reads its articles in order straight from this index.
    __table_args__ = (Index("ix_article_authors_listing", "user_id", "listed_at", "article_id"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    article: Mapped[Article] = relationship(back_populates="authorships")
    user: Mapped[User] = relationship(back_populates="authorships")

    def __repr__(self) -> str:
        return f"<Authorship {self.user_id} on {self.article_id} at {self.position}>"


def with_bylines():
    """The loader option that brings every listed article's authors in one more query, not one per row."""
    return selectinload(Article.authorships).joinedload(Authorship.user)


class SlugRedirect(db.Model):
    """A slug an article was published under before; its old links answer 301 to the new one."""

    __tablename__ = "slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(Article.SLUG_MAX), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    article: Mapped[Article] = relationship(back_populates="redirects")

    def __repr__(self) -> str:
        return f"<SlugRedirect {self.old_slug}>"

    @classmethod
    def target_of(cls, slug: str) -> str | None:
        """The current slug of the published article once known as `slug`, if any."""
        query = (
            select(Article.slug)
            .join(cls, cls.article_id == Article.id)
            .where(cls.old_slug == slug, Article.is_published())
        )
        return db.session.execute(query).scalar_one_or_none()


@functools.cache
def by_slug_statement(page: bool):
    """Article.published_by_slug's query, built once with bound values: every article page and comment asks it."""
    query = select(Article).where(Article.slug == bindparam("slug"), Article.published_by(bindparam("now")))
    if page:
        return query.options(joinedload(Article.category), selectinload(Article.tags), with_bylines(),
                             joinedload(Article.lead_picture))
    return query.options(load_only(Article.id, Article.slug, Article.status))  # its body is read only if drawn
