"""The database: db, the models, and the named queries each page needs."""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_login import UserMixin
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import (
    JSON,
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
    case,
    delete,
    event,
    func,
    or_,
    select,
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

from text import TAG_NAME_MAX, now_utc, render_markdown, slugify
from text import excerpt as make_excerpt

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
    """WAL, foreign keys, a busy timeout and NORMAL sync on every SQLite connection."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the writer work at once; NORMAL sync is safe with WAL and
    # turns the fsync per commit (a read counted) into one per checkpoint.
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000", "synchronous=NORMAL"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


class ArticleStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


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
        return list(db.session.execute(select(cls).order_by(cls.name)).scalars())

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
        hand_over_redirects(self, target, CategoryRedirect, CategoryRedirect.category_id)
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
        return list(db.session.execute(select(cls.name).where(cls.id.in_(live)).order_by(cls.name)).scalars())

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
        hand_over_redirects(self, target, TagRedirect, TagRedirect.tag_id)
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
    reads: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    category: Mapped[Category] = relationship(back_populates="articles")
    tags: Mapped[list[Tag]] = relationship(secondary=article_tags, back_populates="articles", order_by="Tag.name")
    comments: Mapped[list[Comment]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True, order_by="Comment.id"
    )
    redirects: Mapped[list[SlugRedirect]] = relationship(
        back_populates="article", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"

    def set_body(self, source: str) -> None:
        """Store the Markdown source with its HTML and excerpt, prepared once here, never per request."""
        self.body_source = source
        self.body_html, plain = render_markdown(source)
        self.excerpt = make_excerpt(plain)
        self._plain_text = plain

    def plain_text(self) -> str:
        """The body's plain words, as set_body derived them (or derived again), for the search index."""
        cached = getattr(self, "_plain_text", None)
        return cached if cached is not None else self.plain_text_of(self.body_source or "")

    @staticmethod
    def plain_text_of(source: str) -> str:
        """The plain words of a Markdown body, as render_markdown derives them."""
        return render_markdown(source)[1]

    def note_content_change(self, was_live: bool) -> None:
        """Record a change of what readers see; one made before publication is no update to them."""
        now = now_utc()
        self.updated_at = now if was_live or self.published_at is None else min(now, self.published_at)

    @property
    def was_updated(self) -> bool:
        """True when readers saw the article and its content changed after that."""
        return self.published_at is not None and self.updated_at is not None and self.updated_at > self.published_at

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
        return and_(cls.status == ArticleStatus.PUBLISHED, cls.published_at <= min(until or now, now))

    @classmethod
    def published_by_slug(cls, slug: str) -> Article | None:
        """A published article with its category and tags loaded, or None."""
        query = (
            select(cls)
            .where(cls.slug == slug, cls.is_published())
            .options(joinedload(cls.category), selectinload(cls.tags))
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
        """The admin's listing, newest first, optionally 'draft', 'scheduled' or 'published' (live) only."""
        query = (
            select(cls)
            .options(joinedload(cls.category), undefer(cls.visible_comment_count))
            .order_by(func.coalesce(cls.published_at, cls.created_at).desc(), cls.id.desc())
        )
        if status == ArticleStatus.DRAFT:
            query = query.where(cls.status == ArticleStatus.DRAFT)
        elif status == "scheduled":
            query = query.where(cls.status == ArticleStatus.PUBLISHED, cls.published_at > now_utc())
        elif status == ArticleStatus.PUBLISHED:
            query = query.where(cls.is_published())
        return query

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
    def count_read(cls, article_id: int) -> None:
        """Add one read in a single atomic UPDATE, so concurrent readers lose none."""
        db.session.execute(update(cls).where(cls.id == article_id).values(reads=cls.reads + 1))
        db.session.commit()


@event.listens_for(Session, "after_flush")
def keep_tag_listings_in_step(session: Session, flush_context) -> None:
    """Copy each saved article's listing time onto its tag links, so tag pages stay in order."""
    changed = [obj for obj in (*session.new, *session.dirty) if isinstance(obj, Article) and obj.id is not None]
    for article in changed:
        listed_at = article.published_at if article.status == ArticleStatus.PUBLISHED else None
        session.connection().execute(
            update(article_tags).where(article_tags.c.article_id == article.id).values(listed_at=listed_at)
        )


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


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sessions: Mapped[list[AdminSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

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


class CategoryRedirect(db.Model):
    """A slug a category had before a rename or merge; its old links answer 301 to the category now."""

    __tablename__ = "category_redirects"

    old_slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    category: Mapped[Category] = relationship(back_populates="redirects")

    def __repr__(self) -> str:
        return f"<CategoryRedirect {self.old_slug}>"

    @classmethod
    def target_of(cls, slug: str) -> str | None:
        """The current slug of the category once known as `slug`, if any."""
        query = select(Category.slug).join(cls, cls.category_id == Category.id).where(cls.old_slug == slug)
        return db.session.execute(query).scalar_one_or_none()


class TagRedirect(db.Model):
    """A slug a tag had before a rename or merge; its old links answer 301 to the tag now."""

    __tablename__ = "tag_redirects"

    old_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    tag: Mapped[Tag] = relationship(back_populates="redirects")

    def __repr__(self) -> str:
        return f"<TagRedirect {self.old_slug}>"

    @classmethod
    def target_of(cls, slug: str) -> str | None:
        """The current slug of the tag once known as `slug`, if any."""
        query = select(Tag.slug).join(cls, cls.tag_id == Tag.id).where(cls.old_slug == slug)
        return db.session.execute(query).scalar_one_or_none()


def move_slug(owner: Category | Tag, new_slug: str, redirect_model) -> None:
    """Give a category or tag a new slug, keeping the old one as a redirect (and dropping one for the new)."""
    if new_slug == owner.slug:
        return
    # The new slug now names this one: another's redirect from it would point readers away.
    owner_column = redirect_model.category_id if redirect_model is CategoryRedirect else redirect_model.tag_id
    db.session.execute(delete(redirect_model).where(redirect_model.old_slug == new_slug, owner_column != owner.id))
    if owner.slug:
        owner.redirects.append(redirect_model(old_slug=owner.slug))
    owner.redirects = [redirect for redirect in owner.redirects if redirect.old_slug != new_slug]
    owner.slug = new_slug


def hand_over_redirects(source: Category | Tag, target: Category | Tag, redirect_model, owner_column) -> None:
    """Point the source's old slugs, and its slug now, at the target of a merge."""
    db.session.execute(update(redirect_model).where(owner_column == source.id).values({owner_column: target.id}))
    db.session.expire(source, ["redirects"])
    db.session.add(redirect_model(old_slug=source.slug, **{owner_column.key: target.id}))
    db.session.expire(target, ["redirects"])


class RateLimit(db.Model):
    """Hits on one limiter key in its current window, shared by every worker on the database."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    hits: Mapped[int] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<RateLimit {self.key} {self.hits}>"


# --- Listings: keyset pagination on (published_at, id) ----------------------------------------


class BadCursor(ValueError):
    """A paging cursor that does not parse."""


def encode_cursor(article: Article, page: int) -> str:
    """An opaque cursor naming an article's place in the newest-first order and the page it leads to."""
    micros = int(article.published_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(f"{micros}:{article.id}:{page}".encode()).decode().rstrip("=")


# Database integers are 64-bit: a larger id in a forged cursor must be refused, not sent to SQL.
MAX_ID = 2**63 - 1
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


def _listing(listing: Listing, keyset: list, until: datetime | None, ascending: bool, limit: int) -> list[Article]:
    """Articles for a listing with their category and comment count, in one query read along an index."""
    time, ident = listing.key()
    query = select(Article).where(Article.is_published(until), *listing.conditions, *keyset)
    if listing.via is not None:
        # The link table's own copy of the time gives the index its upper bound to seek to.
        query = query.join(listing.via, ident == Article.id).where(time <= min(until or now_utc(), now_utc()))
    query = (
        query.order_by(*(column.asc() if ascending else column.desc() for column in (time, ident)))
        .limit(limit)
        .options(joinedload(Article.category), undefer(Article.visible_comment_count))
    )
    return list(db.session.execute(query).scalars())


def in_category(category: Category) -> Listing:
    """The listing of one category, read along ix_articles_category_listing."""
    return Listing(conditions=(Article.category_id == category.id,))


def with_tag(tag: Tag) -> Listing:
    """The listing of one tag, read along ix_article_tags_listing in its links' own time order."""
    link = article_tags.c
    return Listing(conditions=(link.tag_id == tag.id,), time=link.listed_at, ident=link.article_id, via=article_tags)
