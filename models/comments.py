"""Readers' comments, and the count of visible ones that listings show beside each article."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String, Text, and_, case, func, or_, select
from sqlalchemy.orm import Mapped, column_property, joinedload, mapped_column, relationship

from content.text import now_utc
from models.articles import Article
from models.base import UTCDateTime, db


class CommentStatus(enum.StrEnum):
    """Visible to readers, held for a moderator, or hidden by one."""

    PENDING = "pending"
    VISIBLE = "visible"
    HIDDEN = "hidden"


class Comment(db.Model):
    """A reader's comment on an article, its HTML already sanitized."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_article_status", "article_id", "status", "id"),)

    AUTHOR_NAME_MAX: ClassVar[int] = 80

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str] = mapped_column(String(AUTHOR_NAME_MAX))
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

    @classmethod
    def held_of(cls, article_id: int, own_ids: list[int]) -> list[Comment]:
        """Those of own_ids on this article still awaiting moderation, oldest first: what only their author sees."""
        query = select(cls).where(cls.article_id == article_id, cls.id.in_(own_ids), cls.status == CommentStatus.PENDING)
        return list(db.session.execute(query.order_by(cls.id)).scalars())

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
