"""The database: db, the models, and the named queries each page needs."""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    or_,
    select,
    true,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    column_property,
    joinedload,
    mapped_column,
    relationship,
    selectinload,
    undefer,
)
from sqlalchemy.sql.expression import ColumnElement

from content.text import TAG_NAME_MAX, markdown_text, now_utc, render_markdown, slugify
from content.text import excerpt as make_excerpt

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints the same everywhere."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Pages keep showing what they loaded after a commit (a read counted) without reloading it.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in and out; SQLite stores it naive, PostgreSQL as timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Refuse naive times; store UTC (naive on SQLite, so stored strings sort by time)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Hand back aware UTC whatever the database returned."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Wide(ColumnElement):
    """A condition the query planner should not pick an index for, because most rows pass it.

    SQLite reads it as likelihood(condition, 0.99); elsewhere it is the condition itself. The most-read
    query needs it: its week's range would otherwise lead SQLite to range-scan ix_articles_listing and
    sort every article of the week, instead of walking ix_articles_most_read in reads order.
    """

    inherit_cache = True
    type = Boolean()

    def __init__(self, condition) -> None:
        self.condition = condition


@compiles(Wide)
def _compile_wide(element: Wide, compiler, **kw) -> str:
    """The condition as it is."""
    return compiler.process(element.condition, **kw)


@compiles(Wide, "sqlite")
def _compile_wide_sqlite(element: Wide, compiler, **kw) -> str:
    """The condition marked as true for almost every row."""
    return f"likelihood({compiler.process(element.condition, **kw)}, 0.99)"


@event.listens_for(Engine, "connect")
def tune_sqlite(dbapi_connection, connection_record) -> None:
    """WAL, foreign keys, a busy timeout, NORMAL sync and mapped memory on every SQLite connection."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the writer work at once; NORMAL sync is safe with WAL and
    # turns the fsync per commit (a read counted) into one per checkpoint. Every write by another
    # app server empties this connection's page cache; mapped memory makes reading pages back cheap.
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL",
                   f"mmap_size={256 * 2**20}"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


READ_COUNT = BigInteger().with_variant(Integer(), "sqlite")


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Role(enum.StrEnum):
    """What an account may do in the newsroom; each role can do everything the one before can."""

    WRITER = "writer"
    EDITOR = "editor"
    ADMIN = "admin"


class CommentStatus(enum.StrEnum):
    PENDING = "pending"
    VISIBLE = "visible"
    HIDDEN = "hidden"


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


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    # The place in the header menu the editors chose; ties (new categories) go by name.
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0", index=True)
    articles: Mapped[list[Article]] = relationship(back_populates="category")
    redirects: Mapped[list[CategoryRedirect]] = relationship(
        back_populates="category", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"

    @classmethod
    def by_slug(cls, slug: str) -> Category | None:
        """The category with this slug, if any."""
        return db.session.execute(select(cls).filter_by(slug=slug)).scalar_one_or_none()

    @classmethod
    def find(cls, name: str) -> Category | None:
        """The category this name means: its slug now, or a slug it had before a rename or merge."""
        slug = slugify(name)
        return cls.by_slug(slug) or db.session.execute(
            select(cls).join(CategoryRedirect).where(CategoryRedirect.old_slug == slug)).scalar_one_or_none()

    @classmethod
    def get_or_create(cls, name: str) -> Category:
        """The category this name means, created (not yet committed) if new."""
        name = " ".join(name.split())
        found = cls.find(name)
        if found is None:
            # A new category joins the end of the menu order the editors set.
            last = db.session.execute(select(func.max(cls.position))).scalar_one_or_none() or 0
            found = cls(name=name, slug=slugify(name), position=last + 1)
            db.session.add(found)
        return found

    @classmethod
    def all_by_name(cls) -> list[Category]:
        """Every category, alphabetically, for the editor's choices."""
        return list(db.session.execute(select(cls).order_by(func.lower(cls.name), cls.id)).scalars())

    @classmethod
    def in_menu_order(cls):
        """The order the header menu shows categories in: the editors' positions, then names."""
        return cls.position, func.lower(cls.name), cls.id

    @classmethod
    def in_use(cls) -> list[Category]:
        """The categories readers can see an article in, in the editors' menu order, for navigation.

        A draft's or a scheduled article's new category must not show before the article does.
        """
        published = select(Article.id).where(Article.category_id == cls.id, Article.is_published()).exists()
        return list(db.session.execute(select(cls).where(published).order_by(*cls.in_menu_order())).scalars())

    @classmethod
    def with_counts(cls) -> list[tuple[Category, int, int]]:
        """Every category in menu order with its published and unpublished (draft or scheduled) article counts."""
        categories = list(db.session.execute(select(cls).order_by(*cls.in_menu_order())).scalars())
        counts = cls.counts_for([category.id for category in categories])
        return [(category, *counts[category.id]) for category in categories]

    @classmethod
    def counts_for(cls, category_ids: list[int]) -> dict[int, tuple[int, int]]:
        """{category id: (published, unpublished)} article counts for these categories, in one query."""
        live = case((Article.is_published(), 1), else_=0)
        query = (select(Article.category_id, func.sum(live), func.count())
                 .where(Article.category_id.in_(category_ids)).group_by(Article.category_id))
        counts = {category_id: (int(live), total - int(live)) for category_id, live, total in db.session.execute(query)}
        return {category_id: counts.get(category_id, (0, 0)) for category_id in category_ids}

    def article_count(self) -> int:
        """How many articles, of any status, are in this category."""
        return db.session.execute(select(func.count(Article.id)).where(Article.category_id == self.id)).scalar_one()

    def rename(self, name: str) -> None:
        """Take a new name; the old address keeps answering, as a redirect to the new one."""
        self.name = " ".join(name.split())
        move_slug(self, slugify(self.name), CategoryRedirect)

    def merge_into(self, target: Category) -> None:
        """Move every article to `target` and delete this category; its addresses redirect to `target`."""
        db.session.execute(update(Article).where(Article.category_id == self.id).values(category_id=target.id))
        hand_over_redirects(self, target, CategoryRedirect)
        db.session.delete(self)

    @classmethod
    def move(cls, category: Category, step: int) -> None:
        """Move a category one place up (-1) or down (+1) in the menu, numbering every place afresh."""
        ordered = list(db.session.execute(select(cls).order_by(*cls.in_menu_order())).scalars())
        index = ordered.index(category)
        other = index + step
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, each in enumerate(ordered, start=1):
            each.position = position


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(TAG_NAME_MAX))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    articles: Mapped[list[Article]] = relationship(secondary=article_tags, back_populates="tags")
    redirects: Mapped[list[TagRedirect]] = relationship(
        back_populates="tag", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Tag {self.slug}>"

    @classmethod
    def by_slug(cls, slug: str) -> Tag | None:
        """The tag with this slug, if any."""
        return db.session.execute(select(cls).filter_by(slug=slug)).scalar_one_or_none()

    @classmethod
    def get_or_create_all(cls, names: list[str]) -> list[Tag]:
        """Tags for normalized names (also found by a slug they had before), new ones added, not committed."""
        wanted = {slugify(name): name for name in names}
        found = {tag.slug: tag for tag in db.session.execute(select(cls).where(cls.slug.in_(wanted))).scalars()}
        former = select(TagRedirect.old_slug, cls).join(cls).where(TagRedirect.old_slug.in_(set(wanted) - set(found)))
        found.update({old: tag for old, tag in db.session.execute(former)})
        for slug, name in wanted.items():
            if slug not in found:
                found[slug] = cls(name=name, slug=slug)
                db.session.add(found[slug])
        return list({id(found[slug]): found[slug] for slug in wanted}.values())

    @classmethod
    def published_names(cls) -> list[str]:
        """The names of tags that published articles carry, for suggestions that prefer tags in use."""
        live = select(article_tags.c.tag_id).where(article_tags.c.listed_at <= now_utc())
        return list(db.session.execute(select(cls.name).where(cls.id.in_(live)).order_by(func.lower(cls.name))).scalars())

    @classmethod
    def delete_unused(cls) -> None:
        """Delete the tags no article carries any more (after an article was deleted or retagged)."""
        used = select(article_tags.c.tag_id)
        db.session.execute(delete(cls).where(cls.id.not_in(used)), execution_options={"synchronize_session": False})

    @classmethod
    def for_admin(cls):
        """Every tag by name, for the newsroom's tag page to page through."""
        return select(cls).order_by(func.lower(cls.name), cls.id)

    @classmethod
    def counts_for(cls, tag_ids: list[int]) -> dict[int, tuple[int, int]]:
        """{tag id: (published, unpublished)} article counts for these tags, in one query."""
        live = case((Article.is_published(), 1), else_=0)
        query = (
            select(article_tags.c.tag_id, func.sum(live), func.count())
            .join(Article, Article.id == article_tags.c.article_id)
            .where(article_tags.c.tag_id.in_(tag_ids)).group_by(article_tags.c.tag_id)
        )
        counts = {tag_id: (int(live), total - int(live)) for tag_id, live, total in db.session.execute(query)}
        return {tag_id: counts.get(tag_id, (0, 0)) for tag_id in tag_ids}

    def article_count(self) -> int:
        """How many articles, of any status, carry this tag."""
        query = select(func.count()).select_from(article_tags).where(article_tags.c.tag_id == self.id)
        return db.session.execute(query).scalar_one()

    def rename(self, name: str) -> None:
        """Take a new name; the old address keeps answering, as a redirect to the new one."""
        self.name = name
        move_slug(self, slugify(name), TagRedirect)

    def merge_into(self, target: Tag) -> None:
        """Move this tag's links to `target` and delete it; an article with both keeps one link, the earlier."""
        links = article_tags.c
        moved = list(db.session.execute(select(links.article_id).where(links.tag_id == self.id)).scalars())
        both = select(links.article_id).where(links.tag_id == target.id)
        for article_id, listed_at in db.session.execute(
                select(links.article_id, links.listed_at).where(links.tag_id == self.id, links.article_id.in_(both))):
            kept = db.session.execute(select(links.listed_at).where(
                links.tag_id == target.id, links.article_id == article_id)).scalar_one()
            earlier = min((t for t in (listed_at, kept) if t is not None), default=None)
            db.session.execute(update(article_tags).where(links.tag_id == target.id, links.article_id == article_id)
                               .values(listed_at=earlier))
        db.session.execute(delete(article_tags).where(links.tag_id == self.id, links.article_id.in_(both)))
        db.session.execute(update(article_tags).where(links.tag_id == self.id).values(tag_id=target.id))
        hand_over_redirects(self, target, TagRedirect)
        note_retagged(moved)
        db.session.expire(target, ["articles"])
        db.session.delete(self)

    @classmethod
    def with_published_counts(cls) -> list[tuple[Tag, int]]:
        """Every tag that has published articles, with how many, by name."""
        # The links' listed_at is set only while their article is published (see
        # keep_tag_listings_in_step): counting them reads one index, with no join to articles.
        counts = (
            select(article_tags.c.tag_id, func.count().label("count"))
            .where(article_tags.c.listed_at <= now_utc())
            .group_by(article_tags.c.tag_id)
            .subquery()
        )
        query = select(cls, counts.c.count).join(counts, counts.c.tag_id == cls.id).order_by(func.lower(cls.name))
        return [(tag, n) for tag, n in db.session.execute(query)]


# Session.info key: ids of articles whose tags changed by bulk statements the ORM cannot see (a tag merge);
# the search index gives them their tag names afresh at the next flush.
RETAGGED = "articles_retagged"


def note_retagged(article_ids: list[int]) -> None:
    """Tell the next flush that these articles' tag names changed behind the ORM's back."""
    db.session.info.setdefault(RETAGGED, set()).update(article_ids)


def _first_content_time(context) -> datetime:
    """A new article's content dates from its publication when it has one (imports), else from now."""
    return context.get_current_parameters().get("published_at") or now_utc()


class Article(db.Model):
    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_listing", "status", "published_at", "id"),
        Index("ix_articles_category_listing", "category_id", "status", "published_at", "id"),
        # Most read of the week: walked in reads order, published_at checked in the index itself.
        Index("ix_articles_most_read", "status", "reads", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    excerpt: Mapped[str] = mapped_column(String(300), default="")
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last change readers can see (title, summary, body), never a read: "Updated", feeds and
    # sitemaps rely on it. Set by note_content_change, so no onupdate moves it.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_first_content_time)
    # 64-bit, as read counts an import brings can pass two billion; SQLite's INTEGER already is.
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
                                           order_by=lambda: (func.lower(Tag.name), Tag.id))
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
        mine = self.created_by_id == user.id or any(link.user_id == user.id for link in self.authorships)
        return self.status == ArticleStatus.DRAFT and mine

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
    def published_by_slug(cls, slug: str) -> Article | None:
        """A published article with its category and tags loaded, or None."""
        query = (
            select(cls)
            .where(cls.slug == slug, cls.is_published())
            .options(joinedload(cls.category), selectinload(cls.tags), with_bylines(), joinedload(cls.lead_picture))
        )
        return db.session.execute(query).scalar_one_or_none()

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
    def most_read(cls, days: int = 7, limit: int = 5) -> list[Article]:
        """The most-read articles among those published in the last `days` days, most reads first.

        Read backwards along ix_articles_most_read (status, reads, published_at, id): no sort, and rows
        outside the week are skipped in the index, so it stops at the `limit`-th recent one.
        """
        since = now_utc() - timedelta(days=days)
        query = (select(cls).where(cls.status == ArticleStatus.PUBLISHED, Wide(cls.is_published()),
                                   Wide(cls.published_at > since))
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
    def count_read(cls, article_id: int) -> int | None:
        """Add one read to a published article in one atomic UPDATE ... RETURNING; the new count, None if not published.

        A read changes no page, so the site version stays; and it is the site's most frequent write, so
        it runs lean (see `Lean`), on its own transaction.
        """
        return COUNT_READ.first_value(db.engine, article_id=article_id, now=now_utc())

    @classmethod
    def published_reads(cls, article_id: int) -> int | None:
        """The read count of a published article, or None for a draft, a scheduled or a missing one."""
        return PUBLISHED_READS.first_value(db.engine, article_id=article_id, now=now_utc())

    @classmethod
    def next_publication(cls):
        """When the next scheduled article goes live (NULL if none), as a scalar subquery."""
        query = select(func.min(cls.published_at)).where(cls.status == ArticleStatus.PUBLISHED,
                                                         cls.published_at > now_utc())
        return query.scalar_subquery()


class Lean:
    """A Core statement compiled once per database and run straight on a DB-API connection, then committed.

    For the counting address, requested by every reader of every page: SQLAlchemy's work around each
    execution costs more than the write itself, and a SQLite writer holds the database's one write lock
    through all of it, so two app servers' counts queue behind each other. The statement is still
    built from the models (the one `published_by` rule); only running it is pared down.
    """

    def __init__(self, statement) -> None:
        self.statement = statement
        self.compiled: dict[str, tuple] = {}

    def for_dialect(self, dialect) -> tuple:
        """The statement compiled for this database, and each parameter's conversion to what the driver takes."""
        if dialect.name not in self.compiled:
            compiled = self.statement.compile(dialect=dialect)
            converters = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                          for name, bind in compiled.binds.items()}
            self.compiled[dialect.name] = (compiled, {name: c for name, c in converters.items() if c})
        return self.compiled[dialect.name]

    def first_value(self, engine, **values):
        """The first column of the first row the statement returns (None for no row), committed."""
        compiled, converters = self.for_dialect(engine.dialect)
        parameters = compiled.construct_params(values)
        for name, convert in converters.items():
            parameters[name] = convert(parameters[name])
        if compiled.positional:
            parameters = tuple(parameters[name] for name in compiled.positiontup)
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(compiled.string, parameters)
            row = cursor.fetchone()
            connection.commit()
            return None if row is None else row[0]
        finally:
            connection.close()


# The counting address's two statements, built once.
COUNT_READ = Lean(update(Article.__table__)
                  .where(Article.id == bindparam("article_id"), Article.published_by(bindparam("now")))
                  .values(reads=Article.reads + 1).returning(Article.reads))
PUBLISHED_READS = Lean(select(Article.reads).where(Article.id == bindparam("article_id"),
                                                   Article.published_by(bindparam("now"))))


@event.listens_for(Session, "after_flush")
def keep_tag_listings_in_step(session: Session, flush_context) -> None:
    """Copy each saved article's listing time onto its tag and author links, so those pages stay in order."""
    changed = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Article) and obj.id is not None]
    for article in changed:
        listed_at = article.published_at if article.status == ArticleStatus.PUBLISHED else None
        for links in (article_tags, Authorship.__table__):
            session.connection().execute(
                update(links).where(links.c.article_id == article.id).values(listed_at=listed_at)
            )


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


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_article_status", "article_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str] = mapped_column(String(80))
    body_html: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=CommentStatus.VISIBLE, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    article: Mapped[Article] = relationship(back_populates="comments")

    def __repr__(self) -> str:
        return f"<Comment {self.id} on {self.article_id}>"

    @classmethod
    def for_moderation(cls):
        """Every comment for the moderation page: pending first, then visible, then hidden; newest first."""
        order = case({CommentStatus.PENDING: 0, CommentStatus.VISIBLE: 1}, value=cls.status, else_=2)
        return select(cls).options(joinedload(cls.article)).order_by(order, cls.created_at.desc(), cls.id.desc())

    @classmethod
    def pending_count(cls) -> int:
        """How many comments wait for a moderator."""
        return db.session.execute(select(func.count(cls.id)).where(cls.status == CommentStatus.PENDING)).scalar_one()

    @classmethod
    def shown_on(cls, article_id: int, own_ids: list[int] = ()) -> list[Comment]:
        """An article's visible comments, and those of own_ids still awaiting moderation, oldest first."""
        shown = cls.status == CommentStatus.VISIBLE
        if own_ids:
            shown = or_(shown, and_(cls.id.in_(own_ids), cls.status == CommentStatus.PENDING))
        query = select(cls).where(cls.article_id == article_id, shown).order_by(cls.id)
        return list(db.session.execute(query).scalars())

    @property
    def awaiting_moderation(self) -> bool:
        """True while a moderator has not yet approved the comment."""
        return self.status == CommentStatus.PENDING


# Listings show each article's visible comments; a correlated count keeps that one query per page.
Article.visible_comment_count = column_property(
    select(func.count(Comment.id))
    .where(Comment.article_id == Article.id, Comment.status == CommentStatus.VISIBLE)
    .correlate_except(Comment)
    .scalar_subquery(),
    deferred=True,
)


DISPLAY_NAME_MAX = 80
BIO_MAX = 600
# What a byline says for a former account whose only name on record is the one it signed in with.
FORMER_STAFF = "A former staff member"


PICTURE_HASH_LENGTH = 32
PICTURE_ALT_MAX = 300
PICTURE_CAPTION_MAX = 300
PICTURE_CREDIT_MAX = 200
# The WebP widths every picture is stored at (never wider than itself), and its link-preview JPEG.
PICTURE_WIDTHS = (480, 960, 1600)
PICTURE_PREVIEW_WIDTH = 1200


class Picture(db.Model):
    """An uploaded picture: its files are named by `hash` under MEDIA_ROOT (see media.py)."""

    __tablename__ = "pictures"

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(PICTURE_HASH_LENGTH), unique=True)
    # The size of the upright original, before any variant was made.
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt: Mapped[str] = mapped_column(String(PICTURE_ALT_MAX))
    caption: Mapped[str] = mapped_column(String(PICTURE_CAPTION_MAX), default="")
    credit: Mapped[str] = mapped_column(String(PICTURE_CREDIT_MAX), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    lead_of: Mapped[list[Article]] = relationship(back_populates="lead_picture", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Picture {self.hash}>"

    @classmethod
    def by_hash(cls, picture_hash: str) -> Picture | None:
        """The picture stored under this content hash, if any."""
        return db.session.execute(select(cls).filter_by(hash=picture_hash)).scalar_one_or_none()

    @classmethod
    def newest_first(cls):
        """Every picture, newest upload first, for the media page to page through."""
        return select(cls).order_by(cls.uploaded_at.desc(), cls.id.desc())

    @classmethod
    def choices(cls, limit: int = 200) -> list[Picture]:
        """The newest pictures, for the article form's lead picture list."""
        return list(db.session.execute(cls.newest_first().limit(limit)).scalars())

    @classmethod
    def uploaded_before(cls, moment: datetime) -> list[Picture]:
        """Pictures uploaded before `moment`: those past the grace period of media-gc."""
        return list(db.session.execute(select(cls).where(cls.uploaded_at < moment)).scalars())

    @classmethod
    def usage_of(cls, pictures: list[Picture]) -> dict[int, list[tuple[Article, str]]]:
        """{picture id: [(article, 'lead picture' or 'body')]} for these pictures, in one query."""
        if not pictures:
            return {}
        in_body = [Article.body_source.contains(f"/media/{picture.hash}-") for picture in pictures]
        query = (select(Article).where(or_(Article.lead_picture_id.in_([p.id for p in pictures]), *in_body))
                 .order_by(Article.title, Article.id))
        articles = list(db.session.execute(query).scalars())
        usage: dict[int, list[tuple[Article, str]]] = {picture.id: [] for picture in pictures}
        for picture in pictures:
            for article in articles:
                if article.lead_picture_id == picture.id:
                    usage[picture.id].append((article, "lead picture"))
                if f"/media/{picture.hash}-" in article.body_source:
                    usage[picture.id].append((article, "body"))
        return usage

    def url(self, ending: str) -> str:
        """The served address of one of its files: url('960.webp'), url('1200.jpg')."""
        return f"/media/{self.hash}-{ending}"

    def scaled_height(self, width: int) -> int:
        """Its height at `width` pixels wide (never wider than itself), as the variants were made."""
        width = min(width, self.width)
        return max(1, round(self.height * width / self.width))

    def srcset(self) -> str:
        """The WebP variants with their true widths, one per distinct width, for <img srcset>."""
        widths = {min(width, self.width): width for width in sorted(PICTURE_WIDTHS, reverse=True)}
        return ", ".join(f"{self.url(f'{name}.webp')} {real}w" for real, name in sorted(widths.items()))

    def src(self, width: int = 960) -> str:
        """The WebP variant of this nominal width, for <img src>."""
        return self.url(f"{width}.webp")

    def preview_url(self) -> str:
        """The link-preview JPEG (og:image, JSON-LD image); its size is preview_size()."""
        return self.url(f"{PICTURE_PREVIEW_WIDTH}.jpg")

    def preview_size(self) -> tuple[int, int]:
        """(width, height) of the link-preview JPEG."""
        return min(PICTURE_PREVIEW_WIDTH, self.width), self.scaled_height(PICTURE_PREVIEW_WIDTH)

    def markdown(self) -> str:
        """The Markdown an editor pastes to show it in a body."""
        alt = self.alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        return f"![{alt}]({self.src(960)})"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # The name bylines show, and the address of the author page; the sign-in name stays private.
    # Unique indexes rather than constraints: the migration adds them without rebuilding the table.
    display_name: Mapped[str] = mapped_column(String(DISPLAY_NAME_MAX), index=True, unique=True)
    slug: Mapped[str] = mapped_column(String(100), index=True, unique=True)
    bio: Mapped[str] = mapped_column(String(BIO_MAX), default="", server_default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.WRITER, server_default=Role.WRITER.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    sessions: Mapped[list[AdminSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    authorships: Mapped[list[Authorship]] = relationship(back_populates="user")

    # The raw token of the browser session this object was loaded for (never stored).
    session_token = None

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    def get_id(self) -> str | None:
        """Flask-Login keeps the session token, not the user id, so a server-side row can end it."""
        return self.session_token

    @classmethod
    def by_username(cls, username: str) -> User | None:
        """The account with this name, if any."""
        return db.session.execute(select(cls).filter_by(username=username)).scalar_one_or_none()

    @classmethod
    def by_slug(cls, slug: str) -> User | None:
        """The account whose author page has this slug, if any."""
        return db.session.execute(select(cls).filter_by(slug=slug)).scalar_one_or_none()

    @classmethod
    def by_display_name(cls, name: str) -> User | None:
        """The account bylines call `name` (any case), or whose slug it is, if any."""
        query = select(cls).where(or_(func.lower(cls.display_name) == name.lower(), cls.slug == name))
        return db.session.execute(query.limit(1)).scalar_one_or_none()

    @classmethod
    def display_name_taken(cls, name: str, except_id: int | None = None) -> bool:
        """True when another account's byline already reads `name` (any case)."""
        query = select(cls.id).where(func.lower(cls.display_name) == name.lower(), cls.id != except_id)
        return db.session.execute(query.limit(1)).first() is not None

    @classmethod
    def slug_taken(cls, slug: str, except_id: int | None = None) -> bool:
        """True when another account's author page has this slug."""
        return db.session.execute(select(cls.id).where(cls.slug == slug, cls.id != except_id).limit(1)).first() is not None

    @classmethod
    def everyone(cls) -> list[User]:
        """Every account, active ones first, by name: the people page and the byline choices."""
        return list(db.session.execute(select(cls).order_by(cls.active.desc(), func.lower(cls.display_name))).scalars())

    @classmethod
    def active_admin_count(cls) -> int:
        """How many accounts can still manage people."""
        query = select(func.count(cls.id)).where(cls.role == Role.ADMIN, cls.active.is_(True))
        return db.session.execute(query).scalar_one()

    @property
    def name_withheld(self) -> bool:
        """True for a deactivated account whose only name on record is its sign-in name (and slug from it)."""
        return not self.active and self.display_name.casefold() == self.username.casefold()

    @property
    def public_name(self) -> str:
        """The name readers see: the display name, never the sign-in name of a deactivated account."""
        return FORMER_STAFF if self.name_withheld else self.display_name

    @property
    def is_active(self) -> bool:
        """Flask-Login's question: a deactivated account is signed in nowhere."""
        return bool(self.active)


class Invitation(db.Model):
    """A one-time link that lets someone create an account with a role; only the token's hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<Invitation {self.id} as {self.role}>"

    @classmethod
    def open_by_token_hash(cls, token_hash: str) -> Invitation | None:
        """The invitation with this token hash, unless it was used or has expired."""
        query = select(cls).where(cls.token_hash == token_hash, cls.used_at.is_(None), cls.expires_at > now_utc())
        return db.session.execute(query).scalar_one_or_none()

    @classmethod
    def open_ones(cls) -> list[Invitation]:
        """Invitations not yet used or expired, the newest first, for the people page."""
        query = (select(cls).options(joinedload(cls.invited_by)).where(cls.used_at.is_(None), cls.expires_at > now_utc())
                 .order_by(cls.created_at.desc(), cls.id.desc()))
        return list(db.session.execute(query).scalars())


class AdminSession(db.Model):
    """One signed-in browser; deleting the row signs that browser out wherever its cookie is."""

    __tablename__ = "admin_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    user: Mapped[User] = relationship(back_populates="sessions")

    def __repr__(self) -> str:
        return f"<AdminSession of {self.user_id}>"


class KeptForm(db.Model):
    """An article form sent after its session ended, held for its editor until they sign in again."""

    __tablename__ = "kept_forms"

    # The one-time key lives in the editor's session cookie; only its hash is stored here.
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # NULL for a new article, or when the article was deleted meanwhile (the text then opens as a new one).
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    def __repr__(self) -> str:
        return f"<KeptForm of {self.user_id} for {self.article_id}>"

    @classmethod
    def by_key_hash(cls, key_hash: str, kept_since: datetime) -> KeptForm | None:
        """The form kept under this key hash, unless it was kept before `kept_since`."""
        query = select(cls).where(cls.key_hash == key_hash, cls.created_at >= kept_since)
        return db.session.execute(query).scalar_one_or_none()

    @classmethod
    def forget_kept_before(cls, moment: datetime) -> None:
        """Remove forms held since before `moment`, so the table holds only the last hour's."""
        db.session.execute(delete(cls).where(cls.created_at < moment))


class SlugRedirect(db.Model):
    """A slug an article was published under before; its old links answer 301 to the new one."""

    __tablename__ = "slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(200), primary_key=True)
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


class FormerSlug:
    """A slug a category or tag had before a rename or merge; its old links answer 301 to it now.

    One shape for both: `owner` is the model the slug belonged to, `owner_key` the column naming it.
    """

    owner: ClassVar[type]
    owner_key: ClassVar[str]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.old_slug}>"

    @classmethod
    def owner_column(cls):
        """The column that names the category or tag this slug now leads to."""
        return getattr(cls, cls.owner_key)

    @classmethod
    def target_of(cls, slug: str) -> str | None:
        """The current slug of the category or tag once known as `slug`, if any."""
        query = select(cls.owner.slug).join(cls, cls.owner_column() == cls.owner.id).where(cls.old_slug == slug)
        return db.session.execute(query).scalar_one_or_none()


class CategoryRedirect(FormerSlug, db.Model):
    """A former slug of a category."""

    __tablename__ = "category_redirects"
    owner, owner_key = Category, "category_id"

    old_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    category: Mapped[Category] = relationship(back_populates="redirects")


class TagRedirect(FormerSlug, db.Model):
    """A former slug of a tag."""

    __tablename__ = "tag_redirects"
    owner, owner_key = Tag, "tag_id"

    old_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    tag: Mapped[Tag] = relationship(back_populates="redirects")


def move_slug(owner: Category | Tag, new_slug: str, redirect_model: type[FormerSlug]) -> None:
    """Give a category or tag a new slug, keeping the old one as a redirect (and dropping one for the new)."""
    if new_slug == owner.slug:
        return
    # The new slug now names this one: another's redirect from it would point readers away.
    owner_column = redirect_model.owner_column()
    db.session.execute(delete(redirect_model).where(redirect_model.old_slug == new_slug, owner_column != owner.id))
    if owner.slug:
        owner.redirects.append(redirect_model(old_slug=owner.slug))
    owner.redirects = [redirect for redirect in owner.redirects if redirect.old_slug != new_slug]
    owner.slug = new_slug


def hand_over_redirects(source: Category | Tag, target: Category | Tag, redirect_model: type[FormerSlug]) -> None:
    """Point the source's old slugs, and its slug now, at the target of a merge."""
    owner_column = redirect_model.owner_column()
    db.session.execute(update(redirect_model).where(owner_column == source.id).values({owner_column: target.id}))
    db.session.expire(source, ["redirects"])
    db.session.add(redirect_model(old_slug=source.slug, **{redirect_model.owner_key: target.id}))
    db.session.expire(target, ["redirects"])


class RateLimit(db.Model):
    """Hits on one limiter key in its current window, shared by every worker on the database."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    hits: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<RateLimit {self.key} {self.hits}>"


class SiteVersion(db.Model):
    """One row whose number moves with every change readers could see, so cached pages know they are stale."""

    __tablename__ = "site_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    def __repr__(self) -> str:
        return f"<SiteVersion {self.version}>"

    @classmethod
    def current(cls) -> tuple[int, datetime | None]:
        """The number as stored now, and when the next scheduled article goes live, in one query."""
        query = select(func.coalesce(select(cls.version).where(cls.id == 1).scalar_subquery(), 0),
                       Article.next_publication().label("next_publication"))
        version, next_publication = db.session.execute(query).one()
        return version, next_publication


# Tables whose rows readers see on some page: a change to any of them moves the site version.
PAGE_TABLES = {"articles", "comments", "categories", "tags", "article_tags", "article_authors", "users", "pictures",
               "slug_redirects", "category_redirects", "tag_redirects"}


def move_site_version(session: Session) -> None:
    """Add one to the site version inside the session's transaction, so it commits with the change."""
    session.info["pages_changed"] = True  # this process then rereads the version at once, after the commit
    session.connection().execute(update(SiteVersion).where(SiteVersion.id == 1).values(version=SiteVersion.version + 1))


@event.listens_for(Session, "after_flush")
def pages_changed_by_flush(session: Session, flush_context) -> None:
    """A flush that saved or deleted anything readers see moves the site version."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(getattr(obj, "__tablename__", None) in PAGE_TABLES for obj in changed):
        move_site_version(session)


@event.listens_for(Session, "do_orm_execute")
def pages_changed_by_statement(state) -> None:
    """A bulk UPDATE or DELETE on a table readers see moves the site version.

    A counted read does not: it never passes through the session (`Article.count_read`).
    """
    if not (state.is_update or state.is_delete):
        return
    if getattr(state.statement, "table", None) is not None and state.statement.table.name in PAGE_TABLES:
        move_site_version(state.session)


# --- Listings: keyset pagination on (published_at, id) ----------------------------------------


class BadCursor(ValueError):
    """A paging cursor that does not parse."""


def encode_cursor(article: Article, page: int) -> str:
    """An opaque cursor naming an article's place in the newest-first order and the page it leads to."""
    micros = int(article.published_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(f"{micros}:{article.id}:{page}".encode()).decode().rstrip("=")


# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger id in a forged cursor or address must be
# refused here, or PostgreSQL fails the whole query ("integer out of range") where SQLite finds nothing.
MAX_ID = 2**31 - 1
MAX_PAGE = 10**6


def decode_cursor(cursor: str) -> tuple[datetime, int, int | None]:
    """The (published_at, id, page number) a cursor names; BadCursor when it was not made by encode_cursor.

    Cursors made before pages were numbered carry no page: None.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        match = re.fullmatch(r"(-?[0-9]{1,18}):([0-9]{1,19})(?::([0-9]{1,7}))?", raw)
        micros, article_id = int(match[1]), int(match[2])
        page = int(match[3]) if match[3] else None
        when = datetime.fromtimestamp(micros / 1_000_000, UTC)
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError, OverflowError, OSError):
        raise BadCursor(cursor) from None
    if not 0 < article_id <= MAX_ID or (page is not None and not 2 <= page <= MAX_PAGE):
        raise BadCursor(cursor)
    return when, article_id, page


@dataclass
class Page:
    """One page of a listing, its number (None for an old cursor) and the cursors to its neighbours.

    `newer` is None where there is no newer page, and "" where the newer page is the listing's first,
    which has its own address without a cursor.
    """

    articles: list[Article]
    newer: str | None
    older: str | None
    number: int | None = 1


@dataclass(frozen=True)
class Listing:
    """What a listing shows: its conditions, and the indexed (time, id) columns it is read in order by."""

    conditions: tuple = ()
    time: Any = None
    ident: Any = None
    via: Any = None  # a table joined to articles that holds the ordering columns

    def key(self) -> tuple:
        """The (time, id) columns of the order: the link table's, or the article's own."""
        return (self.time, self.ident) if self.via is not None else (Article.published_at, Article.id)


def _newer_cursor(article: Article, number: int | None) -> str:
    """The cursor of the page before this one: "" when that is the first page."""
    if number == 2:
        return ""
    return encode_cursor(article, number - 1 if number else 2)


def published_page(listing: Listing | None = None, before: str | None = None, after: str | None = None,
                   per_page: int = 20) -> Page:
    """A newest-first page of published articles in a listing, older than `before` or newer than `after`."""
    listing = listing or Listing()
    if after:
        *at, number = decode_cursor(after)
        rows = _listing(listing, [_newer_than(at, listing)], None, ascending=True, limit=per_page + 1)
        articles = list(reversed(rows[:per_page]))
        newer = _newer_cursor(articles[0], number) if len(rows) > per_page else None
        older = encode_cursor(articles[-1], number + 1 if number else 2) if articles else None
        return Page(articles, newer, older, number)
    at, number = None, 1
    if before:
        *at, number = decode_cursor(before)
    keyset = [_older_than(at, listing)] if at else []
    rows = _listing(listing, keyset, at[0] if at else None, ascending=False, limit=per_page + 1)
    articles = rows[:per_page]
    newer = _newer_cursor(articles[0], number) if before and articles else None
    older = encode_cursor(articles[-1], number + 1 if number else 2) if len(rows) > per_page else None
    return Page(articles, newer, older, number)


def _older_than(at: tuple[datetime, int], listing: Listing):
    """Rows after the cursor in newest-first order (ties on the time broken by id)."""
    time, ident = listing.key()
    return or_(time < at[0], and_(time == at[0], ident < at[1]))


def _newer_than(at: tuple[datetime, int], listing: Listing):
    """Rows before the cursor in newest-first order; the plain bound lets the index seek to it."""
    time, ident = listing.key()
    return and_(time >= at[0], or_(time > at[0], and_(time == at[0], ident > at[1])))


LISTING_LOADS = (joinedload(Article.category), joinedload(Article.lead_picture), undefer(Article.visible_comment_count),
                 with_bylines())
# A feed shows categories and tags, not comment counts: tags come in one more query, never one per entry.
FEED_LOADS = (joinedload(Article.category), selectinload(Article.tags), with_bylines())


def _listing(listing: Listing, keyset: list, until: datetime | None, ascending: bool, limit: int,
             loads: tuple = LISTING_LOADS) -> list[Article]:
    """Articles for a listing with what `loads` names (category, comment count), in one query read along an index."""
    time, ident = listing.key()
    query = select(Article).where(Article.is_published(until), *listing.conditions, *keyset)
    if listing.via is not None:
        # The link table's own copy of the time gives the index its upper bound to seek to.
        query = query.join(listing.via, ident == Article.id).where(time <= min(until or now_utc(), now_utc()))
    query = (
        query.order_by(*(column.asc() if ascending else column.desc() for column in (time, ident)))
        .limit(limit)
        .options(*loads)
    )
    return list(db.session.execute(query).scalars())


def in_category(category: Category) -> Listing:
    """The listing of one category, read along ix_articles_category_listing."""
    return Listing(conditions=(Article.category_id == category.id,))


def by_author(user: User) -> Listing:
    """The listing of one author, read along ix_article_authors_listing in its links' own time order."""
    link = Authorship.__table__.c
    return Listing(conditions=(link.user_id == user.id,), time=link.listed_at, ident=link.article_id,
                   via=Authorship.__table__)


def with_tag(tag: Tag) -> Listing:
    """The listing of one tag, read along ix_article_tags_listing in its links' own time order."""
    link = article_tags.c
    return Listing(conditions=(link.tag_id == tag.id,), time=link.listed_at, ident=link.article_id, via=article_tags)


def feed_articles(listing: Listing | None = None, limit: int = 20) -> list[Article]:
    """The newest published articles of a listing (the site's by default) with category and tags, for a feed."""
    return _listing(listing or Listing(), [], None, ascending=False, limit=limit, loads=FEED_LOADS)


# --- Sitemaps: addresses and dates only, never bodies ---------------------------------------------


def published_article_count() -> int:
    """How many articles readers can see, counted along ix_articles_listing."""
    return db.session.execute(select(func.count()).select_from(Article).where(Article.is_published())).scalar_one()


def published_article_stamps(offset: int, limit: int) -> list[tuple[str, datetime]]:
    """(slug, last content change) of published articles, oldest first, so earlier sitemap files stay put."""
    changed = case((Article.updated_at > Article.published_at, Article.updated_at), else_=Article.published_at)
    query = (
        select(Article.slug, type_coerce(changed, UTCDateTime))
        .where(Article.is_published())
        .order_by(Article.published_at, Article.id)
        .offset(offset)
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(query)]


def published_since(moment: datetime, limit: int) -> list[tuple[str, str, datetime]]:
    """(slug, title, published_at) of articles published from `moment` to now, newest first: the news sitemap."""
    query = (
        select(Article.slug, Article.title, Article.published_at)
        .where(Article.is_published(), Article.published_at >= moment)
        .order_by(Article.published_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in db.session.execute(query)]
