"""Copying a whole site into an empty PostgreSQL database (`flask copy-site --to URL`).

The tables are the models' own (their metadata, in foreign-key order), so a table added tomorrow is
copied without a change here. In one transaction on the target: the schema is made by the migrations
(so alembic_version is right), every row is copied, PostgreSQL's id sequences are moved past the copied
ids and the row counts are compared; a failure anywhere leaves the target as it was. The search index
is then rebuilt there. Pictures' files are not rows: they stay where MEDIA_ROOT says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from alembic import command
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import create_engine, func, inspect, literal, select, table
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from models import db
from models.reachable import check_connection, where
from services import search
from web.settings import hide_password, with_installed_driver

BATCH = 1000
# Rows the migrations write themselves: a database holding only these is still empty, and the copy
# replaces them with the site's own.
MIGRATION_ROWS = ("alembic_version", "site_version")


class CopyRefused(Exception):
    """A copy that cannot be made; its message is the one line shown, and nothing was changed."""


@dataclass
class SiteCopy:
    """A copy from the app's database to `target`, checked and ready: `copy_rows`, then `rebuild_search`."""

    url: URL
    given: str
    engine: Engine
    source_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def prepare(cls, raw_url: str) -> SiteCopy:
        """Check the target (PostgreSQL, reachable, empty) and count the rows to copy; CopyRefused if not."""
        url = postgresql_url(raw_url)
        check_source_is_current()
        # One connection at a time is all the copy uses; none is left open behind it.
        engine = create_engine(url, poolclass=NullPool)
        check_connection(engine)
        refuse_unless_empty(engine)
        with db.engine.connect() as source:
            return cls(url, raw_url, engine, count_rows(source))

    @property
    def total_rows(self) -> int:
        """How many rows the copy moves, for a progress bar."""
        return sum(self.source_counts.values())

    def copy_rows(self, progress: Callable[[int], None] = lambda done: None) -> dict[str, int]:
        """Make the schema, copy every table and move the sequences, in one transaction; the counts copied."""
        try:
            return self._copy_in_one_transaction(progress)
        except (DBAPIError, CommandError) as error:
            # The target's transaction was rolled back: say why in one line, and that nothing is left there.
            first_line = str(getattr(error, "orig", error)).strip().splitlines()[0]
            raise CopyRefused(f"copying failed, and nothing was kept in {where(self.url)}: {first_line}") from None

    def _copy_in_one_transaction(self, progress: Callable[[int], None]) -> dict[str, int]:
        """The copy itself, reading the site as one snapshot while it may go on serving."""
        with self.engine.begin() as target, db.engine.connect() as source:
            read_as_one_snapshot(source)
            upgrade_to_head(target)
            for model_table in db.metadata.sorted_tables:
                # Only the rows the migrations wrote can be here (the target was checked empty).
                target.execute(model_table.delete())
                copy_table(source, target, model_table, progress)
            move_sequences(target)
            copied = count_rows(target)
            check_counts(count_rows(source), copied)
        return copied

    def rebuild_search(self, progress: Callable[[int], None] = lambda done: None) -> int:
        """Index every copied article in the target's search index; how many were indexed."""
        with Session(self.engine) as session:
            return search.reindex(progress, session=session)

    def shown_url(self) -> str:
        """The target URL as the person gave it, with the password hidden."""
        return make_url(self.given).render_as_string(hide_password=True)


def postgresql_url(raw: str) -> URL:
    """`--to` as a psycopg 3 URL, or CopyRefused when it is no URL or not PostgreSQL."""
    try:
        url = make_url(with_installed_driver(raw))
    except ArgumentError:
        raise CopyRefused(f"--to {hide_password(raw)!r} is not a database URL") from None
    if url.get_backend_name() != "postgresql":
        raise CopyRefused(f"--to must be a PostgreSQL URL such as postgresql://user:password@host/database, "
                          f"not {url.get_backend_name()}")
    return url


def migration_config():
    """Alembic's configuration for the app's migrations folder."""
    return current_app.extensions["migrate"].migrate.get_config()


def check_source_is_current() -> None:
    """CopyRefused unless the app's database is at the newest revision, as the copy's schema will be."""
    head = ScriptDirectory.from_config(migration_config()).get_current_head()
    with db.engine.connect() as source:
        current = MigrationContext.configure(source).get_current_revision()
    if current != head:
        raise CopyRefused(f"this site's database is at revision {current or 'none'}, not the newest ({head}): "
                          "run `flask init-db` first")


def refuse_unless_empty(engine: Engine) -> None:
    """CopyRefused naming the target's tables that hold rows (beyond the migrations' own)."""
    with engine.connect() as target:
        names = [name for name in inspect(target).get_table_names() if name not in MIGRATION_ROWS]
        holding = [name for name in sorted(names)
                   if target.execute(select(literal(1)).select_from(table(name)).limit(1)).first()]
    if holding:
        raise CopyRefused(f"the database {where(engine.url)} is not empty: {', '.join(holding)} hold rows; "
                          "copy-site only copies into an empty database, and changed nothing")


def read_as_one_snapshot(source: Connection) -> None:
    """Read every table as of one moment, so a comment written mid-copy cannot outrun its article.

    SQLite (in WAL mode) gives a read transaction a snapshot and goes on taking writes; the driver starts
    no transaction for reads by itself. PostgreSQL gives one through REPEATABLE READ.
    """
    if source.dialect.name == "sqlite":
        source.exec_driver_sql("BEGIN")
    else:
        source.execution_options(isolation_level="REPEATABLE READ")


def upgrade_to_head(target: Connection) -> None:
    """Run the migrations on the target connection, inside its transaction (PostgreSQL's DDL is transactional)."""
    config = migration_config()
    config.attributes["connection"] = target
    command.upgrade(config, "head")


def copy_table(source: Connection, target: Connection, model_table, progress: Callable[[int], None]) -> None:
    """Copy one table's rows in primary-key order, a batch at a time."""
    rows = source.execution_options(stream_results=True).execute(
        select(model_table).order_by(*model_table.primary_key.columns))
    for batch in rows.mappings().partitions(BATCH):
        target.execute(model_table.insert(), [dict(row) for row in batch])
        progress(len(batch))


def move_sequences(target: Connection) -> None:
    """Set each id sequence past the largest copied id, so the next new row gets a fresh one."""
    for model_table in db.metadata.sorted_tables:
        for column in model_table.primary_key.columns:
            sequence = target.execute(select(func.pg_get_serial_sequence(model_table.name, column.name))).scalar()
            if sequence:
                largest = select(func.coalesce(func.max(column), 0)).scalar_subquery()
                target.execute(select(func.setval(sequence, largest + 1, False)))


def count_rows(connection: Connection) -> dict[str, int]:
    """{table: its rows} for every table of the models, in foreign-key order."""
    return {model_table.name: connection.execute(select(func.count()).select_from(model_table)).scalar_one()
            for model_table in db.metadata.sorted_tables}


def check_counts(source: dict[str, int], copied: dict[str, int]) -> None:
    """CopyRefused naming the tables whose counts differ (the transaction is then rolled back)."""
    differing = [f"{name} ({source[name]} here, {copied[name]} there)" for name in source
                 if source[name] != copied[name]]
    if differing:
        raise CopyRefused(f"row counts differ after copying, so nothing was kept: {', '.join(differing)}")


def report_lines(copy: SiteCopy, copied: dict[str, int], indexed: int, media_root: str) -> list[str]:
    """What the command prints once the copy is done: counts per table, the search index, what to do next."""
    width = max(map(len, copied))
    lines = [f"Copied into {where(copy.url)}:"]
    lines += [f"  {name:<{width}}  {count:>9} row{'' if count == 1 else 's'}" for name, count in copied.items()]
    lines += [f"Row counts match on both sides for all {len(copied)} tables.",
              f"Indexed {indexed} articles for search there.",
              f"Pictures' files were not copied: they stay in {media_root}, which the site keeps using (MEDIA_ROOT).",
              f"Next: set DATABASE_URL={copy.shown_url()} (with its real password) and restart the site."]
    return lines
