"""Counting reads: the site's most frequent write, run lean on its own transaction.

A read changes no page, so it passes by the write pipeline and the site version stays.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from content.text import now_utc
from models.articles import Article
from models.base import db
from models.lean import Lean

# The counting address's two statements, built once.
COUNT_READ = Lean(update(Article.__table__)
                  .where(Article.id == bindparam("article_id"), Article.published_by(bindparam("now")))
                  .values(reads=Article.reads + 1).returning(Article.reads), writes=True)
PUBLISHED_READS = Lean(select(Article.reads).where(Article.id == bindparam("article_id"),
                                                   Article.published_by(bindparam("now"))))


def count_read(article_id: int, engine=None) -> int | None:
    """Add one read to a published article in one atomic UPDATE ... RETURNING; the new count, None if not published.

    `engine` is the app's, for a caller outside an app context; by default the current app's.
    """
    return COUNT_READ.first_value(engine or db.engine, article_id=article_id, now=now_utc())


def published_reads(article_id: int, engine=None) -> int | None:
    """The read count of a published article, or None for a draft, a scheduled or a missing one."""
    return PUBLISHED_READS.first_value(engine or db.engine, article_id=article_id, now=now_utc())
