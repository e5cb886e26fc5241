"""The database layer's ground: `db`, the declarative base, the column types and SQLite's tuning."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import BigInteger, Boolean, DateTime, Integer, MetaData, TypeDecorator, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.expression import ColumnElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Ids are INTEGER columns, 32-bit on PostgreSQL: a larger id in a forged cursor or address must be
# refused before a query, or PostgreSQL fails the whole query ("integer out of range") where SQLite finds nothing.
MAX_ID = 2**31 - 1


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


# 64-bit, as read counts an import brings can pass two billion; SQLite's INTEGER already is.
READ_COUNT = BigInteger().with_variant(Integer(), "sqlite")
