"""Fixtures: an app on a temporary database built by the migrations, clients, factories, a clock.

The suite runs on SQLite, or on PostgreSQL when TEST_DATABASE_URL is set (`make test-pg`); see
tests/databases.py. Either way every test has a database of its own:

- `app` runs on `database_url`, a migrated database only this test uses;
- `database_url` (fixture) is its URL, for a second app or process on the same database;
- `settings_for_tests(instance)` without a database setting gives a new empty database;
- `new_database_url(instance, template=migrated_database)` makes another copy, for fixtures broader
  than one test (drop it with `drop_database(url)` when done; the session drops what is left).

Never copy `migrated_database` by hand or write a SQLite path: on PostgreSQL it is a template's URL.
A test that changes the schema does it on a database of its own, never on `database_url`, which
PostgreSQL runs reuse (emptied) for the next test.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from flask import g
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app import create_app
from content.sanitize import sanitize_comment
from content.text import now_utc, slugify
from models import Article, ArticleStatus, Category, Comment, CommentStatus, Tag, db
from tests.databases import drop_every_database, emptied_working_database, new_database_url, on_postgresql

BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
FROZEN_NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def settings_for_tests(instance_path, **overrides) -> dict:
    """Settings for a test app: a private instance folder and database, checks that would block tests off.

    Without SQLALCHEMY_DATABASE_URI among the overrides the database is a new, empty one.
    """
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(instance_path),
        # Uploaded pictures go to the test's own folder, never the working tree.
        "MEDIA_ROOT": f"{instance_path}/media",
        "COMMENT_MIN_SECONDS": 0,
        "COMMENT_RATE_LIMIT": "",
        "COMMENT_MODERATION": "none",
    }
    settings.update(overrides)
    if "SQLALCHEMY_DATABASE_URI" not in settings:
        settings["SQLALCHEMY_DATABASE_URI"] = new_database_url(Path(instance_path))
    return settings


def start_request_afresh() -> None:
    """Forget what earlier requests left in `g` (a CSRF token) and reread the database."""
    for name in list(g):
        g.pop(name)
    db.session.expire_all()


def pytest_report_header(config) -> str:
    """Say which database the run is on, first thing."""
    return "database: PostgreSQL (TEST_DATABASE_URL)" if on_postgresql() else "database: SQLite"


@pytest.fixture(scope="session", autouse=True)
def databases_dropped_at_the_end():
    """Drop every PostgreSQL database the run made and did not drop, so a server is left as found."""
    yield
    drop_every_database()


@pytest.fixture(autouse=True)
def engines_closed_after_each_test():
    """Close the pooled connections of every engine a test used, apps it built by hand included.

    A connection left to the garbage collector holds its database open, and psycopg warns about it
    (an error here) in whichever later test the collector happens to run.
    """
    engines = weakref.WeakSet()

    def remember(connection) -> None:
        engines.add(connection.engine)

    event.listen(Engine, "engine_connect", remember)
    yield
    event.remove(Engine, "engine_connect", remember)
    for engine in list(engines):
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> str:
    """A database upgraded from empty to head once, copied by each test (a SQLite file's path or a template's URL)."""
    instance = tmp_path_factory.mktemp("template-instance")
    url = new_database_url(instance)
    app = create_app(settings_for_tests(instance, SQLALCHEMY_DATABASE_URI=url))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        # Closing the last connection folds SQLite's WAL into the file we copy, and
        # PostgreSQL copies a template only while nobody is connected to it.
        db.engine.dispose()
    return url if on_postgresql() else url.removeprefix("sqlite:///")


@pytest.fixture
def database_url(tmp_path, migrated_database) -> str:
    """The URL of this test's database, migrated and empty: a copy of the SQLite file, or on
    PostgreSQL the run's working database emptied for this test (a schema change needs its own)."""
    if on_postgresql():
        return emptied_working_database(migrated_database)
    return new_database_url(tmp_path / "instance", template=migrated_database)


@pytest.fixture
def settings_overrides() -> dict:
    """Per-test settings; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def app(tmp_path, database_url, settings_overrides):
    """An app on its own copy of the migrated database."""
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    app = create_app(settings_for_tests(instance, **{"SQLALCHEMY_DATABASE_URI": database_url} | settings_overrides))
    # Requests share the test's app context, and so its `g` and database session: start
    # each one afresh, as a request in its own context would: first, before the CSRF check.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request_afresh)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client that presents itself as an ordinary browser."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    return client


@pytest.fixture
def runner(app):
    """The app's CLI runner."""
    return app.test_cli_runner()


@pytest.fixture
def frozen_clock():
    """Time stands still at FROZEN_NOW until the test moves it (traveller.shift / move_to)."""
    with time_machine.travel(FROZEN_NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_article(app) -> Callable[..., Article]:
    """Factory: a committed article; published an hour ago unless told otherwise."""
    counter = iter(range(1, 1_000_000))

    def make(title: str | None = None, *, category: str = "Politics", tags: tuple[str, ...] = (),
             body: str = "A paragraph of news.", summary: str = "", status: str = ArticleStatus.PUBLISHED,
             published_at: datetime | None = None, age: timedelta = timedelta(hours=1), reads: int = 0,
             authors: tuple = ()) -> Article:
        title = title or f"Article number {next(counter)}"
        when = published_at or (now_utc() - age)
        article = Article(
            title=title, slug=slugify(title), summary=summary, status=status, reads=reads,
            category=Category.get_or_create(category), tags=Tag.get_or_create_all(list(tags)),
            created_at=when, published_at=when,
        )
        article.set_body(body)
        article.set_authors(list(authors))
        db.session.add(article)
        db.session.commit()
        return article

    return make


@pytest.fixture
def make_comment(app) -> Callable[..., Comment]:
    """Factory: a committed comment on an article, visible unless told otherwise."""

    def make(article: Article, text: str = "A fair point.", *, name: str = "Reader",
             status: str = CommentStatus.VISIBLE) -> Comment:
        comment = Comment(article=article, author_name=name, body_html=sanitize_comment(text), status=status)
        db.session.add(comment)
        db.session.commit()
        return comment

    return make


@pytest.fixture
def count_queries(app):
    """Call as a context manager; its list holds every SQL statement run inside it."""

    class Counter:
        def __enter__(self):
            self.statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute", self._record)
            return self.statements

        def __exit__(self, *exc):
            event.remove(db.engine, "before_cursor_execute", self._record)

        def _record(self, conn, cursor, statement, *args):
            if not statement.startswith("PRAGMA"):
                self.statements.append(statement)

    return Counter


ADMIN_PASSWORD = "a long enough passphrase"


def csrf_token_of(response) -> str:
    """The CSRF token in a page's form."""
    html = response.get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'type="hidden" name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def give_session(client, held: tuple[int, ...] = (999,)):
    """The browser of a reader whose comment is held (ids `held`): it has a session, as after such a comment."""
    from readers.article_page import OWN_COMMENTS

    with client.session_transaction() as session:
        session[OWN_COMMENTS] = list(held)
    return client


def sign_in(client, username: str = "editor", password: str = ADMIN_PASSWORD, next_path: str | None = None,
            address: str = "192.0.2.10"):
    """Fill and send the sign-in form as a person would; returns the response."""
    url = "/admin/login" + (f"?next={next_path}" if next_path else "")
    token = csrf_token_of(client.get(url, environ_base={"REMOTE_ADDR": address}))
    return client.post(url, data={"csrf_token": token, "username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def make_admin(app):
    """Factory: an admin account with ADMIN_PASSWORD unless told otherwise."""
    from newsroom.accounts import create_admin

    def make(username: str = "editor", password: str = ADMIN_PASSWORD):
        return create_admin(username, password)

    return make


@pytest.fixture
def make_person(app):
    """Factory: an account of a role (writer unless told), with a display name, and ADMIN_PASSWORD."""
    from newsroom.accounts import create_account

    def make(username: str, role: str = "writer", display_name: str | None = None, bio: str = ""):
        user = create_account(username, ADMIN_PASSWORD, role, display_name)
        user.bio = bio
        db.session.commit()
        return user

    return make


def signed_in_client(app, username: str):
    """A browser signed in as this account."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    response = sign_in(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def admin_client(app, make_admin):
    """A browser signed in as the admin 'editor'."""
    make_admin()
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    response = sign_in(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
