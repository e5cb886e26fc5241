"""Site-wide rows: the version every cached page depends on, the limiter's counts, facts about the site.

None belongs to one side: the site version moves with any change readers could see (the write
pipeline moves it, the page cache reads it), the limiter's windows count comments and sign-ins alike,
and what the demo added is for the command line alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import Integer, String, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.articles import Article
from models.base import UTCDateTime, db


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

    @classmethod
    def move(cls, session: Session) -> None:
        """Add one inside the session's transaction, so the new number commits with the change."""
        session.connection().execute(MOVE_VERSION)


class SiteFact(db.Model):
    """One named fact about this site that outlives its content: that the demo was once offered, and when."""

    __tablename__ = "site_facts"
    DEMO_OFFERED: ClassVar[str] = "demo offered"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<SiteFact {self.name}={self.value}>"

    @classmethod
    def get(cls, name: str) -> str | None:
        """The fact's value, None if it was never set."""
        return db.session.execute(select(cls.value).where(cls.name == name)).scalar_one_or_none()

    @classmethod
    def set(cls, name: str, value: str) -> None:
        """Set the fact (not committed)."""
        db.session.merge(cls(name=name, value=value))


class DemoRow(db.Model):
    """A row the demo added (an article, a reporter, a tag, a category), so it can be removed and nothing else."""

    __tablename__ = "demo_rows"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    row_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)

    def __repr__(self) -> str:
        return f"<DemoRow {self.kind} {self.row_id}>"


# Built once: every change readers see runs it.
MOVE_VERSION = update(SiteVersion.__table__).where(SiteVersion.id == 1).values(version=SiteVersion.version + 1)
