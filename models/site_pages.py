"""The newsroom's own pages (About, Contact, Corrections policy, Privacy): Markdown, published or draft, in the footer.

Not to be confused with `models.listings.Page`, one page of a listing: a `SitePage` is a page of the site.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Boolean, Integer, String, Text, false, select
from sqlalchemy.orm import Mapped, mapped_column

from content.text import SLUG_MAX_LENGTH, excerpt, now_utc, render_markdown
from models.base import UTCDateTime, db


class SitePage(db.Model):
    """One of the newsroom's own pages, at /<slug> once published; listed in the footer when given a place."""

    __tablename__ = "site_pages"
    SLUG_MAX: ClassVar[int] = SLUG_MAX_LENGTH
    TITLE_MAX: ClassVar[int] = 200
    EXCERPT_MAX: ClassVar[int] = 300
    # Footer places run from 1; anything larger is a typing slip.
    FOOTER_PLACE_MAX: ClassVar[int] = 99

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The first words of the body, for link previews and the description.
    excerpt: Mapped[str] = mapped_column(String(EXCERPT_MAX), default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Its place in the footer, lowest first; None: not listed there.
    footer_place: Mapped[int | None] = mapped_column(Integer, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    def __repr__(self) -> str:
        return f"<SitePage {self.slug}>"

    def set_body(self, source: str) -> None:
        """Store the Markdown with its HTML, rendered and sanitized as an article body is, and its excerpt."""
        self.body_source = source
        self.body_html, paragraphs = render_markdown(source)
        self.excerpt = excerpt(paragraphs, self.EXCERPT_MAX - 1)

    @classmethod
    def by_slug(cls, slug: str) -> SitePage | None:
        """The page with this slug, published or not."""
        return db.session.execute(select(cls).filter_by(slug=slug)).scalar_one_or_none()

    @classmethod
    def at_address(cls, slug: str) -> SitePage | None:
        """What a reader's address with this slug shows: a published page, never a draft."""
        page = cls.by_slug(slug)
        return page if page is not None and page.published else None

    @classmethod
    def former_target(cls, slug: str) -> str | None:
        """Pages keep no former slugs: a renamed page's old address is gone."""
        return None

    @classmethod
    def in_footer(cls) -> list[SitePage]:
        """The published pages the footer lists, in the newsroom's order."""
        query = select(cls).where(cls.published, cls.footer_place.is_not(None)).order_by(cls.footer_place, cls.id)
        return list(db.session.execute(query).scalars())

    @classmethod
    def for_newsroom(cls) -> list[SitePage]:
        """Every page, footer ones first in footer order, then the rest by title."""
        unlisted_last = cls.footer_place.is_(None)
        return list(db.session.execute(select(cls).order_by(unlisted_last, cls.footer_place, cls.title, cls.id)).scalars())

    @classmethod
    def published_stamps(cls) -> list[tuple[str, datetime]]:
        """(slug, last change) of every published page, for the sitemap."""
        query = select(cls.slug, cls.updated_at).where(cls.published).order_by(cls.id)
        return [tuple(row) for row in db.session.execute(query)]
