"""Private databases for tests: a SQLite file per test, or a PostgreSQL database per test.

Set TEST_DATABASE_URL to a PostgreSQL URL whose role may create databases (`make test-pg` does,
through scripts/with-postgres) and the tests run on that server: a template is migrated once, a
working copy of it (`CREATE DATABASE ... TEMPLATE`) is emptied before each test, and whatever needs
a database beyond one test gets a copy of its own. Unset, every test gets its own SQLite file,
copied from a migrated file. Either way each database is real: two connections, two processes see
each other's commits.
"""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

from sqlalchemy import MetaData, Table, create_engine
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.pool import NullPool

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
SQLITE_FILE = "news.sqlite3"

_names = (f"test_{os.getpid()}_{number}" for number in itertools.count(1))
_created: set[str] = set()
_server: Engine | None = None
_working: str | None = None
# Tables whose rows the migrations wrote (the newsroom's starter pages): emptied with the rest, then given
# back the rows the fresh copy had, so every test starts from what a new site has.
SEEDED_TABLES = ("site_pages",)
_seeded_rows: dict[str, list[dict]] = {}
_seeded_tables: dict[str, Table] = {}


def on_postgresql() -> bool:
    """True when the suite runs on the PostgreSQL server of TEST_DATABASE_URL."""
    return TEST_DATABASE_URL != ""


def _admin() -> Engine:
    """One autocommit engine on TEST_DATABASE_URL's own database, for CREATE and DROP DATABASE."""
    global _server
    if _server is None:
        url = make_url(TEST_DATABASE_URL)
        if url.get_backend_name() != "postgresql":
            raise RuntimeError(f"TEST_DATABASE_URL must be a PostgreSQL URL, not {url.get_backend_name()}")
        _server = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    return _server


def _quoted(name: str) -> str:
    """A database name as a quoted SQL identifier (names here are made by this module)."""
    return '"' + name.replace('"', '""') + '"'


def new_database_url(instance: Path, template: str | None = None) -> str:
    """A URL to a new private database: empty, or a copy of `template` (a migrated_database)."""
    if not on_postgresql():
        instance.mkdir(parents=True, exist_ok=True)
        if template is not None:
            shutil.copy(template, instance / SQLITE_FILE)
        return f"sqlite:///{instance / SQLITE_FILE}"
    name = next(_names)
    source = f" TEMPLATE {_quoted(make_url(template).database)}" if template else ""
    with _admin().connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {_quoted(name)}{source}")
    _created.add(name)
    url: URL = make_url(TEST_DATABASE_URL).set(database=name)
    return url.render_as_string(hide_password=False)


def emptied_working_database(template: str) -> str:
    """PostgreSQL: the run's working copy of `template`, every table emptied and every id restarted.

    Copying a template costs most of a second on a busy machine; emptying a copy costs milliseconds.
    Whoever is still connected (a pool a test never closed) is disconnected first, so no lock is held.
    """
    global _working
    if _working is None:
        _working = new_database_url(Path(), template)
        _seeded_rows.update(_rows_of(_working, SEEDED_TABLES))
        return _working
    engine = create_engine(_working, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as connection:
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND usename = current_user"
            " AND backend_type = 'client backend'")  # autovacuum gives way to TRUNCATE by itself
        # Rows the migrations wrote stay as they wrote them: the revision, and the one site_version row
        # (set back to its start) that every change moves and every cached page checks.
        tables = connection.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename NOT IN ('alembic_version', 'site_version')").scalars()
        connection.exec_driver_sql(f"TRUNCATE {', '.join(map(_quoted, tables))} RESTART IDENTITY CASCADE")
        connection.exec_driver_sql("UPDATE site_version SET version = 0")
        # In id order and without their ids: the restarted identity gives them the same ones again.
        for name, rows in _seeded_rows.items():
            if rows:
                connection.execute(_seeded_tables[name].insert(),
                                   [{k: v for k, v in row.items() if k != "id"} for row in rows])
    engine.dispose()
    return _working


def _rows_of(url: str, names: tuple[str, ...]) -> dict[str, list[dict]]:
    """Every row of these tables in a database, in id order."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        tables = [Table(name, MetaData(), autoload_with=connection) for name in names]
        _seeded_tables.update((table.name, table) for table in tables)  # read once, not before every test
        rows = {table.name: [dict(row._mapping) for row in connection.execute(table.select().order_by(table.c.id))]
                for table in tables}
    engine.dispose()
    return rows


def drop_database(url: str) -> None:
    """Drop a database new_database_url made on PostgreSQL (SQLite files go with their folder)."""
    name = make_url(url).database
    if not on_postgresql() or name not in _created:
        return
    # FORCE ends what a test left connected: a pool never disposed, a server process killed late.
    with _admin().connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
    _created.discard(name)


def drop_every_database() -> None:
    """Drop whatever this run created and has not dropped yet; the end of the session calls it."""
    for name in sorted(_created):
        drop_database(make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False))
    if _server is not None:
        _server.dispose()
