"""Readers' comments, and the count of visible ones that listings show beside each article."""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sqlalchemy import ForeignKey, Index, String, Text, and_, case, func, or_, select
from sqlalchemy.orm import Mapped, column_property, joinedload, mapped_column, relationship

from content.text import now_utc
from models.articles import Article
from models.base import MAX_ID, UTCDateTime, db

EARLIER, LATER = "e", "l"
COMMENT_CURSOR = re.compile(r"([el]):([0-9]{1,19})")


class BadCommentCursor(ValueError):
    """A comment page's cursor that was not made by encode_comment_cursor."""


def encode_comment_cursor(direction: str, comment_id: int) -> str:
    """An opaque cursor: the comments earlier (or later) than this one."""
    return base64.urlsafe_b64encode(f"{direction}:{comment_id}".encode()).decode().rstrip("=")


def decode_comment_cursor(cursor: str) -> tuple[str, int]:
    """(direction, comment id) of a cursor; BadCommentCursor when it does not parse or names no possible id."""
    try:
        match = COMMENT_CURSOR.fullmatch(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        match = None
    if match is None or not 0 < int(match[2]) <= MAX_ID:
        raise BadCommentCursor(cursor)
    return match[1], int(match[2])


@dataclass
class CommentPage:
    """The comments one article page shows, oldest first, and the cursors to the pages before and after."""

    comments: list[Comment]
    paged: bool  # reached by a cursor, not the article's own address
    earlier: str | None
    later: str | None


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
    def page_on(cls, article_id: int, per_page: int, cursor: str | None = None, own_ids: list[int] = ()) -> CommentPage:
        """One page of an article's visible comments (and of own_ids still held), shown oldest first.

        Without a cursor it is the newest `per_page`, so a new comment shows on the page its author is
        sent back to; the cursor of an earlier or later page names the comment it starts beyond (keyset:
        as fast on the hundredth page as on the first). BadCommentCursor for a cursor not made here.
        """
        direction, beyond = decode_comment_cursor(cursor) if cursor else (EARLIER, None)
        shown = cls.status == CommentStatus.VISIBLE
        if own_ids:
            shown = or_(shown, and_(cls.id.in_(own_ids), cls.status == CommentStatus.PENDING))
        query = select(cls).where(cls.article_id == article_id, shown)
        if beyond is not None:
            query = query.where(cls.id < beyond if direction == EARLIER else cls.id > beyond)
        order = cls.id.desc() if direction == EARLIER else cls.id.asc()
        found = list(db.session.execute(query.order_by(order).limit(per_page + 1)).scalars())
        more, comments = len(found) > per_page, found[:per_page]
        comments.sort(key=lambda comment: comment.id)
        earlier_left = more if direction == EARLIER else beyond is not None
        later_left = beyond is not None if direction == EARLIER else more
        return CommentPage(comments, cursor is not None,
                           encode_comment_cursor(EARLIER, comments[0].id) if comments and earlier_left else None,
                           encode_comment_cursor(LATER, comments[-1].id) if comments and later_left else None)

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
