"""A real PostgreSQL server for the tests that need one whatever database the suite runs on.

On a PostgreSQL run it is TEST_DATABASE_URL's server. On a SQLite run scripts/with-postgres starts a
throwaway cluster once for the session (the same script `make test-pg` uses) and stops it at the end;
where no PostgreSQL is installed those tests are skipped, and the PostgreSQL run covers them.
A test module takes the fixtures it uses as its own names: `postgresql_server = postgresql.postgresql_server`.
A test that stops its database takes a cluster of its own, `throwaway_cluster`, on either run.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.databases import TEST_DATABASE_URL, on_postgresql

ROOT = Path(__file__).resolve().parents[1]
# The script's command writes the server's URL to a file, then holds the cluster up until its stdin closes.
HOLD_SERVER = 'printf %s "$TEST_DATABASE_URL" > "$0.part" && mv "$0.part" "$0" && read -r _'
_names = (f"pg_{os.getpid()}_{number}" for number in itertools.count(1))


@pytest.fixture(scope="session")
def postgresql_server(tmp_path_factory):
    """The URL of a PostgreSQL database whose role may create databases."""
    if on_postgresql():
        yield TEST_DATABASE_URL
        return
    with throwaway_cluster(tmp_path_factory.mktemp("postgresql")) as (url, _stop):
        yield url


@contextmanager
def throwaway_cluster(folder: Path) -> Iterator[tuple[str, Callable[[], None]]]:
    """A cluster of its own from scripts/with-postgres: its URL, and a function that stops and removes it
    before the block ends (a test of the database going away); the block's end stops it otherwise."""
    url_file = folder / "url"
    process = subprocess.Popen([str(ROOT / "scripts" / "with-postgres"), "sh", "-c", HOLD_SERVER, str(url_file)],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop() -> None:
        """End the held command: the script stops the cluster and removes it (once; again does nothing)."""
        if not process.stdin.closed:
            process.stdin.close()
            process.wait(timeout=60)
            process.stderr.close()

    try:
        yield wait_for_url(url_file, process), stop
    finally:
        stop()


def wait_for_url(url_file: Path, process: subprocess.Popen, seconds: float = 120) -> str:
    """The URL the script wrote once its cluster was up; a skip when no PostgreSQL is installed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if url_file.exists():
            return url_file.read_text()
        if process.poll() is not None:
            problem = process.stderr.read().decode().strip()
            if process.returncode == 2 and "no PostgreSQL" in problem:
                pytest.skip(problem)
            raise AssertionError(f"scripts/with-postgres failed: {problem}")
        time.sleep(0.05)  # waiting on another process, not on the site's clock
    raise AssertionError("scripts/with-postgres did not start a server in time")


@pytest.fixture
def postgresql_database(postgresql_server):
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    name = next(_names)
    server = create_engine(postgresql_server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(postgresql_server).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()
