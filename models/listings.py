"""What reader listings, feeds and sitemaps read: keyset pages of published articles, and addresses with dates.

Listings page by keyset on (published_at, id), never by OFFSET, so page 500 costs what page 1 does.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.orm import joinedload, selectinload, undefer

from content.text import now_utc
from models.articles import Article, Authorship, article_tags, with_bylines
from models.base import MAX_ID, UTCDateTime, db
from models.comments import Comment  # noqa: F401 (defines Article.visible_comment_count, which listings load)
from models.labels import Category, Tag
from models.people import User
from models.pictures import Picture  # noqa: F401 (the lead picture listings load must be mapped before LISTING_LOADS)


class BadCursor(ValueError):
    """A paging cursor that does not parse."""


def encode_cursor(article: Article, page: int) -> str:
    """An opaque cursor naming an article's place in the newest-first order and the page it leads to."""
    micros = int(article.published_at.timestamp() * 1_000_000)
    return base64.urlsafe_b64encode(f"{micros}:{article.id}:{page}".encode()).decode().rstrip("=")


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
    bylines: bool = True  # an author's own page says whose articles they are

    def key(self) -> tuple:
        """The (time, id) columns of the order: the link table's, or the article's own."""
        return (self.time, self.ident) if self.via is not None else (Article.published_at, Article.id)


def _newer_cursor(article: Article, number: int | None) -> str:
    """The cursor of the page before this one: "" when that is the first page."""
    if number == 2:
        return ""
    return encode_cursor(article, number - 1 if number else 2)


def published_page(listing: Listing | None, per_page: int, before: str | None = None,
                   after: str | None = None) -> Page:
    """A newest-first page of published articles in a listing, older than `before` or newer than `after`."""
    listing = listing or Listing()
    if after:
        *at, number = decode_cursor(after)
        rows = _listing(listing, [_newer_than(at, listing)], None, ascending=True, limit=per_page + 1,
                        loads=_page_loads(listing))
        articles = list(reversed(rows[:per_page]))
        newer = _newer_cursor(articles[0], number) if len(rows) > per_page else None
        older = encode_cursor(articles[-1], number + 1 if number else 2) if articles else None
        return Page(articles, newer, older, number)
    at, number = None, 1
    if before:
        *at, number = decode_cursor(before)
    keyset = [_older_than(at, listing)] if at else []
    rows = _listing(listing, keyset, at[0] if at else None, ascending=False, limit=per_page + 1,
                    loads=_page_loads(listing))
    articles = rows[:per_page]
    newer = _newer_cursor(articles[0], number) if before and articles else None
    older = encode_cursor(articles[-1], number + 1 if number else 2) if len(rows) > per_page else None
    return Page(articles, newer, older, number)


def _page_loads(listing: Listing) -> tuple:
    """What a listing's page shows of each article: everything, less the bylines where the page is an author's."""
    return LISTING_LOADS if listing.bylines else UNSIGNED_LISTING_LOADS


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
UNSIGNED_LISTING_LOADS = LISTING_LOADS[:-1]
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
                   via=Authorship.__table__, bylines=False)


def with_tag(tag: Tag) -> Listing:
    """The listing of one tag, read along ix_article_tags_listing in its links' own time order."""
    link = article_tags.c
    return Listing(conditions=(link.tag_id == tag.id,), time=link.listed_at, ident=link.article_id, via=article_tags)


def feed_articles(listing: Listing | None, limit: int) -> list[Article]:
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


# --- The front page: the top stories and each section's newest, in one query ---------------------------


@dataclass
class FrontPage:
    """The front page: its top stories (the lead first) as page 1 of the site's listing, then each section's newest.

    `sections` holds (category, its newest articles not among the top stories), in the categories' order,
    leaving out a category with none left to show.
    """

    top: Page
    sections: list[tuple[Category, list[Article]]]


def _newest_ids(part: int, conditions: tuple, limit: int):
    """The ids of the newest `limit` published articles meeting `conditions`, tagged with `part`, read along an index."""
    return (select(Article.id.label("article_id"), literal(part).label("part"))
            .where(Article.is_published(), *conditions)
            .order_by(Article.published_at.desc(), Article.id.desc()).limit(limit).subquery().select())


def front_page(categories: list[Category], top: int, per_section: int) -> FrontPage:
    """The `top` newest published articles and each category's `per_section` newest besides those, in one query.

    Each part is its own bounded read of an index (ix_articles_listing, ix_articles_category_listing), so a
    section costs what it shows however large the archive. A section reads `top` more than it shows, since
    the top stories it may hold are not repeated below them.
    """
    parts = [_newest_ids(-1, (), top + 1)] + [
        _newest_ids(category.id, (Article.category_id == category.id,), per_section + top) for category in categories]
    found = union_all(*parts).subquery()
    rows = db.session.execute(select(Article, found.c.part).join(found, found.c.article_id == Article.id)
                              .options(*LISTING_LOADS)).all()
    newest_first = sorted(rows, key=lambda row: (row.Article.published_at, row.Article.id), reverse=True)
    leading = [article for article, part in newest_first if part == -1]
    shown = {article.id for article in leading[:top]}
    sections = []
    for category in categories:
        rest = [article for article, part in newest_first if part == category.id and article.id not in shown]
        if rest:
            sections.append((category, rest[:per_section]))
    older = encode_cursor(leading[top - 1], 2) if len(leading) > top else None
    return FrontPage(Page(leading[:top], None, older), sections)
