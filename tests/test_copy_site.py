"""`flask copy-site --to URL`: a whole site copied into an empty PostgreSQL database, which then serves it."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from app import create_app
from cli import demo, generate
from content.text import now_utc
from models import Article, ArticleStatus, Category, db
from tests import postgresql
from tests.conftest import BROWSER_AGENT, settings_for_tests

# The real PostgreSQL server's fixtures, on a SQLite run as on a PostgreSQL one.
postgresql_server = postgresql.postgresql_server
postgresql_database = postgresql.postgresql_database


def as_provider_writes_it(url: str) -> str:
    """A PostgreSQL URL written postgresql://, as hosting providers hand it out."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def row_counts(url: str | None = None) -> dict[str, int]:
    """{table: rows} of every model table, in the app's database or at `url`."""
    engine = db.engine if url is None else create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in db.metadata.sorted_tables}


def app_on(url: str, tmp_path):
    """A second app, serving the copy."""
    return create_app(settings_for_tests(tmp_path / "copy-instance", SQLALCHEMY_DATABASE_URI=url))


def test_the_demo_site_is_copied_whole_and_served_from_the_copy(app, runner, make_admin, postgresql_database,
                                                                 tmp_path):
    demo.load_demo()
    make_admin("editor")
    most_read = db.session.execute(select(Article).order_by(Article.reads.desc())).scalars().first()
    old_slug, reads = most_read.slug, most_read.reads
    most_read.change_slug("renamed-" + old_slug)
    db.session.commit()
    here = row_counts()

    result = runner.invoke(args=["copy-site", "--to", as_provider_writes_it(postgresql_database)])

    assert result.exit_code == 0, result.output
    assert row_counts(postgresql_database) == here
    assert here["articles"] == 12 and here["comments"] > 0 and here["slug_redirects"] == 1 and here["users"] > 1
    output = result.output
    assert "  articles                   12 rows" in output and "  slug_redirects              1 row\n" in output
    assert f"Row counts match on both sides for all {len(db.metadata.sorted_tables)} tables." in output
    assert "Indexed 12 articles for search there." in output
    assert f"they stay in {current_app.config['MEDIA_ROOT']}" in output
    target = make_url(postgresql_database)
    assert (f"Next: set DATABASE_URL=postgresql://{target.username}:***@{target.host}:{target.port}/{target.database}"
            in output)
    assert target.password not in output

    head = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config()).get_current_head()
    copy = app_on(postgresql_database, tmp_path)
    client = copy.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    moved = client.get(f"/articles/{old_slug}")
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"/articles/renamed-{old_slug}")
    assert "Tessel" in client.get("/search?q=tessel").get_data(as_text=True)  # a word of a demo body
    with copy.app_context():
        assert db.session.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        assert db.session.get(Article, most_read.id).reads == reads
        fresh = Article(title="A new story on the copy", slug="a-new-story-on-the-copy", status=ArticleStatus.PUBLISHED,
                        category=Category.get_or_create("Politics"), published_at=now_utc())
        fresh.set_body("Written after the move.")
        db.session.add(fresh)
        db.session.commit()
        assert fresh.id == 13
        db.session.remove()


def test_a_generated_site_is_copied_with_equal_counts_and_its_search(app, runner, postgresql_database, tmp_path):
    generate.generate(40, 200, seed=3)
    db.session.commit()
    here = row_counts()

    result = runner.invoke(args=["copy-site", "--to", postgresql_database])

    assert result.exit_code == 0, result.output
    assert row_counts(postgresql_database) == here
    assert here["articles"] == 40 and here["comments"] == 200 and here["article_tags"] > 40
    assert "Indexed 40 articles for search there." in result.output
    with app_on(postgresql_database, tmp_path).test_request_context():
        from services import search

        found = search.search(search.read_query("council")).hits
        assert found and all("<mark>council</mark>" in str(hit.snippet).lower() for hit in found)


def test_a_target_that_holds_rows_is_refused_and_left_as_it_was(app, runner, make_article, postgresql_database):
    make_article("Staying put")
    engine = create_engine(postgresql_database, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (line text)"))
        connection.execute(text("CREATE TABLE tags (name text)"))
        connection.execute(text("INSERT INTO notes VALUES ('kept'), ('also kept')"))
        connection.execute(text("INSERT INTO tags VALUES ('kept')"))

    result = runner.invoke(args=["copy-site", "--to", postgresql_database])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: the database {make_url(postgresql_database).database} on 127.0.0.1:{make_url(postgresql_database).port}"
        " is not empty: notes, tags hold rows; copy-site only copies into an empty database, and changed nothing"]
    with engine.connect() as connection:
        tables = connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        assert sorted(tables) == ["notes", "tags"]
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar_one() == 2


@pytest.mark.parametrize(("target", "message"), [
    ("sqlite:////tmp/news.sqlite3",
     "Error: --to must be a PostgreSQL URL such as postgresql://user:password@host/database, not sqlite"),
    ("postgresql//news:secret@db/news", "Error: --to 'postgresql//news:***@db/news' is not a database URL"),
])
def test_a_target_that_is_not_postgresql_is_one_line(runner, target, message):
    result = runner.invoke(args=["copy-site", "--to", target])
    assert result.exit_code == 1
    assert result.output.splitlines() == [message]


def test_an_unreachable_target_is_one_line_without_its_password(runner):
    from tests.test_database_url import closed_port

    port = closed_port()
    result = runner.invoke(args=["copy-site", "--to", f"postgres://news:secret@127.0.0.1:{port}/news"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"Error: cannot open the database news on 127.0.0.1:{port}: Connection refused"]


def test_what_the_site_writes_during_the_copy_waits_for_the_next_one(app, make_article, postgresql_database,
                                                                     database_url):
    from cli.copysite import SiteCopy

    make_article("Before the copy", category="Politics")
    here = row_counts()
    writer = create_engine(database_url, poolclass=NullPool)
    written = []

    def write_while_copying(done: int) -> None:
        """After the first batch (the categories), a new category and an article in it, committed elsewhere."""
        if not written:
            with writer.begin() as connection:
                category = connection.execute(text("INSERT INTO categories (name, slug, position) "
                                                   "VALUES ('Late', 'late', 99) RETURNING id")).scalar_one()
                connection.execute(Article.__table__.insert().values(
                    slug="late", title="Late", summary="", excerpt="", body_source="x", body_html="<p>x</p>",
                    category_id=category, status=ArticleStatus.PUBLISHED, created_at=now_utc(),
                    published_at=now_utc(), reads=0))
            written.append(done)

    copied = SiteCopy.prepare(postgresql_database).copy_rows(write_while_copying)

    assert written and copied == here == row_counts(postgresql_database)
    assert row_counts()["articles"] == here["articles"] + 1  # the site kept it, for the next copy


def test_a_target_marked_with_an_unknown_revision_is_one_line_and_left_as_it_was(app, runner, postgresql_database):
    engine = create_engine(postgresql_database, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)"))
        connection.execute(text("INSERT INTO alembic_version VALUES ('elsewhere')"))

    result = runner.invoke(args=["copy-site", "--to", postgresql_database])

    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: copying failed, and nothing was kept in {make_url(postgresql_database).database} on 127.0.0.1:"
        f"{make_url(postgresql_database).port}: Can't locate revision identified by 'elsewhere'")
    with engine.connect() as connection:
        tables = connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
        assert list(tables) == ["alembic_version"]
