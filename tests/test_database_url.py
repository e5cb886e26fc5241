"""The database URL as hosting providers write it, and one line when the database cannot be opened."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from tests import postgresql
from tests.conftest import settings_for_tests
from web.settings import give_up_connecting_in_time, with_installed_driver

# The real PostgreSQL server's fixtures, on a SQLite run as on a PostgreSQL one.
postgresql_server = postgresql.postgresql_server
postgresql_database = postgresql.postgresql_database

ROOT = Path(__file__).resolve().parents[1]
FLASK = Path(sys.executable).parent / "flask"


def flask_command(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """`flask --app app ARGS` as a person runs it, with DATABASE_URL and a key set."""
    environment = {key: value for key, value in os.environ.items() if key != "TEST_DATABASE_URL"}
    environment.update(DATABASE_URL=database_url, SECRET_KEY="a-test-key", FLASK_APP="app")
    return subprocess.run([str(FLASK), *args], cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)


def with_scheme(url: str, scheme: str, **parts) -> str:
    """`url` (a PostgreSQL URL) written with another scheme and other parts, password shown."""
    return make_url(url).set(drivername=scheme, **parts).render_as_string(hide_password=False)


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
def test_every_way_of_writing_a_postgresql_url_uses_psycopg_3(scheme):
    url = with_installed_driver(f"{scheme}://news:pw@db.example.org:5432/news")
    assert url == "postgresql+psycopg://news:pw@db.example.org:5432/news"


@pytest.mark.parametrize(("url", "connect_args"), [
    ("postgresql://news:pw@10.255.255.1/news", {"connect_timeout": 10}),
    ("postgresql://news:pw@10.255.255.1/news?connect_timeout=3", None),
    ("sqlite:////srv/news/news.sqlite3", None),
])
def test_a_postgresql_host_that_never_answers_is_given_up_on(url, connect_args):
    config = {"SQLALCHEMY_DATABASE_URI": url}
    give_up_connecting_in_time(config)
    assert config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args") == connect_args


def test_a_sqlite_url_is_left_as_it_is():
    assert with_installed_driver("sqlite:////srv/news/news.sqlite3") == "sqlite:////srv/news/news.sqlite3"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_init_db_works_on_the_url_a_provider_hands_out(postgresql_database, scheme):
    result = flask_command(with_scheme(postgresql_database, scheme), "init-db")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("Database is up to date.")


@pytest.mark.parametrize(("change", "said"), [
    ({"password": "not-the-password"}, 'password authentication failed for user'),
    ({"database": "no_such_newsroom"}, 'database "no_such_newsroom" does not exist'),
    ({"host": "127.0.0.1", "port": "closed"}, "Connection refused"),
])
def test_a_database_that_cannot_be_opened_stops_every_command_with_one_line(postgresql_server, change, said):
    if change.get("port") == "closed":
        change = {**change, "port": closed_port()}
    url = make_url(postgresql_server).set(drivername="postgresql", **change)
    result = flask_command(url.render_as_string(hide_password=False), "init-db")
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: cannot open the database {url.database} on {url.host}:{url.port}: ")
    assert said in lines[0]
    assert "Traceback" not in result.stderr
    assert make_url(postgresql_server).password not in result.stderr
    assert "not-the-password" not in result.stderr


def test_a_sqlite_file_in_a_missing_folder_is_one_line(tmp_path):
    result = flask_command(f"sqlite:///{tmp_path}/gone/news.sqlite3", "init-db")
    assert result.returncode == 1
    assert result.stderr.strip() == (f"Error: cannot open the database {tmp_path}/gone/news.sqlite3: "
                                     f"the folder {tmp_path}/gone does not exist")


def test_a_driver_that_is_not_installed_is_one_line(tmp_path):
    with pytest.raises(SystemExit) as stopped:
        create_app(settings_for_tests(tmp_path, SQLALCHEMY_DATABASE_URI="mysql://news:secret@db.example.org/news"))
    assert str(stopped.value) == ("Error: DATABASE_URL names a database driver that is not installed "
                                  "(No module named 'MySQLdb')")


def test_a_url_that_does_not_parse_is_shown_without_its_password(tmp_path):
    with pytest.raises(SystemExit) as stopped:
        create_app(settings_for_tests(tmp_path, SQLALCHEMY_DATABASE_URI="postgresql//news:secret@db/news"))
    assert str(stopped.value) == "Error: DATABASE_URL='postgresql//news:***@db/news' is not a database URL"


def test_the_app_keeps_the_checked_connection_for_its_first_request(app):
    # The start-up check costs no extra connection: the one it opened waits in the pool.
    from models import db

    with app.app_context():
        assert db.engine.pool.checkedin() == 1
