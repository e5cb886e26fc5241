"""Counting reads: the site's most frequent write, run lean on its own transaction.

A read changes no page, so it passes by the write pipeline and the site version stays.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update

from content.text import now_utc
from models.articles import Article
from models.base import db


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


def count_read(article_id: int) -> int | None:
    """Add one read to a published article in one atomic UPDATE ... RETURNING; the new count, None if not published."""
    return COUNT_READ.first_value(db.engine, article_id=article_id, now=now_utc())


def published_reads(article_id: int) -> int | None:
    """The read count of a published article, or None for a draft, a scheduled or a missing one."""
    return PUBLISHED_READS.first_value(db.engine, article_id=article_id, now=now_utc())
