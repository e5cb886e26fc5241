"""Nothing lost: a site made at the first schema, upgraded one revision at a time, keeps every row it had.

Rows are written as each revision's tables stood (plain SQL, never the models, which describe the newest
schema); after every step each row written so far is read back with its meaning, and each new table gets
rows of its own. At the head, the app on that database shows every page with the data, and the account
made at the first revision signs in.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from functools import partial
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from werkzeug.security import generate_password_hash

from app import create_app
from content.text import render_markdown
from models import db
from tests.conftest import BROWSER_AGENT, settings_for_tests, sign_in
from tests.databases import on_postgresql
from tests.test_migrations import MIGRATIONS, chain_from_base, database_revision, scripts_in

PASSWORD = "harbour lights at dusk"
PUBLISHED = datetime(2026, 3, 8, 9, 0, tzinfo=UTC)  # two days before the frozen clock's now
CREATED = PUBLISHED - timedelta(hours=3)
# Written by the first revision's slug rule, which dropped the marks of every script; 0007 gives it back
# its marks and keeps the old address as a redirect.
GREEK_TITLE = "Ειδήσεις της πόλης"
GREEK_OLD_SLUG = "ειδησεισ-τησ-πολησ"
GREEK_NEW_SLUG = "ειδήσεις-της-πόλης"
HARBOUR_BODY = "The harbour dredging finally *starts* in spring, the council said.\n\nBoats will moor upstream."
PAST_TWO_BILLION = 3_000_000_000

# Each table's primary key, by which its rows are compared step after step.
KEYS = {
    "categories": ("id",), "tags": ("id",), "users": ("id",), "articles": ("id",), "comments": ("id",),
    "article_tags": ("article_id", "tag_id"), "rate_limits": ("key",), "admin_sessions": ("token_hash",),
    "slug_redirects": ("old_slug",), "kept_forms": ("key_hash",), "category_redirects": ("old_slug",),
    "tag_redirects": ("old_slug",), "article_authors": ("article_id", "user_id"), "invitations": ("id",),
    "pictures": ("id",), "site_version": ("id",), "demo_rows": ("kind", "row_id"), "site_facts": ("name",),
    "author_redirects": ("old_slug",), "password_links": ("id",), "site_pages": ("slug",),
}


def typed(column: str) -> sa.ColumnClause:
    """A column read as what it holds: SQLite hands times back as strings and flags as numbers otherwise."""
    kinds = {"window_start": sa.DateTime(), "published": sa.Boolean(), "fields": sa.JSON()}
    return sa.column(column, sa.DateTime() if column.endswith("_at") else kinds.get(column))


def comparable(value):
    """A time as naive UTC (SQLite stores it so), anything else as it is."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def insert(connection, expected: dict, name: str, *table_rows: dict, checked: tuple[str, ...] = ()) -> None:
    """Insert rows into a table as it stands now; remember them, or only their `checked` columns."""
    columns = sa.table(name, *map(typed, table_rows[0]))
    connection.execute(sa.insert(columns), list(table_rows))
    keep = set(checked or table_rows[0]) | set(KEYS[name])
    for row in table_rows:
        expected.setdefault(name, {})[tuple(row[key] for key in KEYS[name])] = {k: v for k, v in row.items() if k in keep}


def check_rows(connection, expected: dict, revision: str) -> None:
    """Every table holds exactly the rows expected, each with its expected values."""
    for name, wanted in expected.items():
        columns = sorted({column for row in wanted.values() for column in row})
        statement = sa.select(*map(typed, columns)).select_from(sa.table(name))
        found = {}
        for row in connection.execute(statement).mappings():
            key = tuple(row[column] for column in KEYS[name])
            found[key] = {column: comparable(row[column]) for column in wanted.get(key, columns)}
        wanted = {key: {column: comparable(value) for column, value in row.items()} for key, row in wanted.items()}
        assert found == wanted, f"after {revision}: {name} differs"


def first_schema_rows(connection, expected: dict) -> None:
    """0001: a published and a draft article with bodies, categories, tags, comments, an admin account."""
    insert(connection, expected, "categories", {"id": 1, "name": "Harbour", "slug": "harbour"},
           {"id": 2, "name": "Town Hall", "slug": "town-hall"})
    insert(connection, expected, "tags", {"id": 1, "name": "Dredging", "slug": "dredging"},
           {"id": 2, "name": "Council", "slug": "council"})
    insert(connection, expected, "users", {"id": 1, "username": "mara", "password_hash": generate_password_hash(PASSWORD),
                                           "created_at": CREATED}, checked=("username", "password_hash"))
    article = {"summary": "", "excerpt": "", "created_at": CREATED, "updated_at": PUBLISHED}
    insert(connection, expected, "articles",
           # Reads moved updated_at before 0008, which sets it back to the publication time.
           article | {"id": 1, "slug": "harbour-dredging-starts", "title": "Harbour dredging starts", "category_id": 1,
                      "updated_at": PUBLISHED + timedelta(hours=5),
                      "status": "published", "published_at": PUBLISHED, "reads": 1234, "body_source": HARBOUR_BODY,
                      "body_html": render_markdown(HARBOUR_BODY)[0], "summary": "Work begins in spring."},
           article | {"id": 2, "slug": GREEK_OLD_SLUG, "title": GREEK_TITLE, "category_id": 2, "status": "published",
                      "published_at": PUBLISHED + timedelta(hours=1), "reads": 7, "body_source": "Η αγορά ανοίγει.",
                      "body_html": render_markdown("Η αγορά ανοίγει.")[0]},
           article | {"id": 3, "slug": "budget-draft", "title": "Budget draft", "category_id": 2, "status": "draft",
                      "published_at": None, "reads": 0, "body_source": "Unfinished budget notes.",
                      "body_html": render_markdown("Unfinished budget notes.")[0]},
           checked=("slug", "title", "category_id", "status", "reads", "body_source", "body_html", "published_at",
                    "updated_at"))
    insert(connection, expected, "article_tags", {"article_id": 1, "tag_id": 1}, {"article_id": 1, "tag_id": 2},
           {"article_id": 3, "tag_id": 2})
    comment = {"article_id": 1, "created_at": PUBLISHED + timedelta(hours=2)}
    insert(connection, expected, "comments",
           comment | {"id": 1, "author_name": "Ines", "status": "visible",
                      "body_html": "<p>About time the channel was cleared.</p>"},
           comment | {"id": 2, "author_name": "Tom", "status": "pending",
                      "body_html": '<p>See <a href="javascript:alert(1)">my site</a> for more.</p>'},
           checked=("article_id", "author_name", "status", "body_html", "created_at"))


def later_rows(revision: str, connection, expected: dict) -> None:
    """Rows for what a revision adds, written once it has run, with the columns it has by then."""
    add = partial(insert, connection, expected)
    rows_for_sessions_and_addresses(revision, add, connection, expected)
    rows_for_people_pictures_and_pages(revision, add, connection, expected)


def rows_for_sessions_and_addresses(revision: str, add, connection, expected: dict) -> None:
    """0002 to 0009: rate limits, sessions, former addresses, kept forms, a read count past 2^31."""
    if revision == "0002":
        add("rate_limits", {"key": "comment:192.0.2.99", "window_start": PUBLISHED, "hits": 2})
    elif revision == "0003":
        add("admin_sessions", {"token_hash": "a" * 64, "user_id": 1, "created_at": PUBLISHED, "last_seen_at": PUBLISHED},
            checked=("user_id",))
        add("slug_redirects", {"old_slug": "dredging-to-start", "article_id": 1})
    elif revision == "0006":
        add("kept_forms", {"key_hash": "c" * 64, "user_id": 1, "article_id": 3, "fields": {"title": "Budget, v2"},
            "created_at": PUBLISHED}, checked=("user_id", "article_id"))
    elif revision == "0007":
        add("category_redirects", {"old_slug": "town", "category_id": 2})
        add("tag_redirects", {"old_slug": "harbour-dredging", "tag_id": 1})
    elif revision == "0009":  # the column holds it from here on PostgreSQL (SQLite's INTEGER always did)
        connection.execute(sa.text("UPDATE articles SET reads = :reads WHERE id = 1"), {"reads": PAST_TWO_BILLION})
        expected["articles"][(1,)]["reads"] = PAST_TWO_BILLION


def rows_for_people_pictures_and_pages(revision: str, add, connection, expected: dict) -> None:
    """0012 to 0017: a writer with a byline, an invitation, a picture, site facts, a password link, a page."""
    if revision == "0012":
        add("users", {"id": 2, "username": "sam", "password_hash": generate_password_hash(PASSWORD), "created_at": PUBLISHED,
            "display_name": "Sam Writer", "slug": "sam-writer", "role": "writer"},
            checked=("username", "display_name", "slug", "role"))
        add("article_authors", {"article_id": 1, "user_id": 1, "position": 0, "listed_at": PUBLISHED},
            {"article_id": 2, "user_id": 2, "position": 0, "listed_at": PUBLISHED + timedelta(hours=1)})
        add("invitations", {"id": 1, "token_hash": "d" * 64, "role": "editor", "invited_by_id": 1, "created_at": PUBLISHED,
            "expires_at": PUBLISHED + timedelta(days=2)}, checked=("role", "invited_by_id"))
    elif revision == "0011":
        add("pictures", {"id": 1, "hash": "e" * 32, "width": 1600, "height": 900, "alt": "Dredger at the quay",
            "caption": "The dredger arrived on Monday.", "credit": "Ines Duarte", "uploaded_at": PUBLISHED},
            checked=("alt", "caption", "credit"))
        connection.execute(sa.text("UPDATE articles SET lead_picture_id = 1 WHERE id = 3"))
        expected["articles"][(3,)]["lead_picture_id"] = 1
    elif revision == "0015":
        add("demo_rows", {"kind": "tag", "row_id": 2})
        add("site_facts", {"name": "demo offered", "value": "2026-03-01T08:00:00+00:00"})
        add("author_redirects", {"old_slug": "m-okafor", "user_id": 1})
    elif revision == "0016":
        add("password_links", {"id": 1, "token_hash": "f" * 64, "created_at": PUBLISHED, "expires_at": PUBLISHED,
            "user_id": 2, "made_by_id": 1}, checked=("user_id", "made_by_id"))
    elif revision == "0017":
        add("site_pages", {"slug": "tip-line", "title": "Tip line", "body_source": "Call the newsdesk on 555 0100.",
            "body_html": "<p>Call the newsdesk on 555 0100.</p>\n", "excerpt": "Call the newsdesk.",
            "published": True, "footer_place": 5, "updated_at": PUBLISHED},
            checked=("title", "body_html"))


def changes_made_by(revision: str, expected: dict) -> None:
    """What a revision is meant to change in the rows already there: each change is its purpose, nothing else."""
    if revision == "0004":  # a tag link takes its article's listing time; a draft's has none
        for (article_id, _), link in expected["article_tags"].items():
            link["listed_at"] = PUBLISHED if article_id == 1 else None
    elif revision == "0005":  # the javascript: link goes, the words stay
        expected["comments"][(2,)]["body_html"] = "<p>See my site for more.</p>"
    elif revision == "0007":  # the Greek title's slug gets its marks back; the old address is kept
        expected["articles"][(2,)]["slug"] = GREEK_NEW_SLUG
        expected["slug_redirects"][(GREEK_OLD_SLUG,)] = {"old_slug": GREEK_OLD_SLUG, "article_id": 2}
        for category in expected["categories"].values():
            category["position"] = 0
    elif revision == "0008":  # updated means a change of content, not a read
        expected["articles"][(1,)]["updated_at"] = PUBLISHED
    elif revision == "0012":  # accounts made before roles could do everything, and are named by username
        expected["users"][(1,)] |= {"display_name": "mara", "slug": "mara", "role": "admin"}
    elif revision == "0013":
        expected["site_version"] = {(1,): {"id": 1, "version": 0}}
    elif revision == "0017":  # the starter pages, unpublished
        expected["site_pages"] = {(slug,): {"slug": slug, "published": False}
                                  for slug in ("about", "contact", "corrections-policy", "privacy")}


def upgraded_one_step_at_a_time(tmp_path) -> tuple[str, dict]:
    """A database made at 0001 with rows, upgraded to the head a revision at a time, checked after each."""
    app = create_app(settings_for_tests(tmp_path / "upgrading"))  # an empty database of the run's kind
    expected: dict = {}
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            first_schema_rows(connection, expected)
        for revision in [step.revision for step in chain_from_base(scripts_in(MIGRATIONS))][1:]:
            upgrade(revision=revision)
            assert database_revision() == revision
            changes_made_by(revision, expected)
            with db.engine.begin() as connection:
                check_rows(connection, expected, revision)
                later_rows(revision, connection, expected)
        url = db.engine.url.render_as_string(hide_password=False)
        db.engine.dispose()
    return url, expected


def test_a_site_made_at_the_first_schema_keeps_every_row_through_every_upgrade(tmp_path, frozen_clock):
    url, expected = upgraded_one_step_at_a_time(tmp_path)
    app = create_app(settings_for_tests(tmp_path / "instance", SQLALCHEMY_DATABASE_URI=url))
    with app.app_context():
        # What deploying runs: nothing left to upgrade, and the search index filled for the articles it lacks.
        result = app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "Upgraded" not in result.output and "Indexed 3 articles." in result.output
        with db.engine.connect() as connection:
            check_rows(connection, expected, "init-db")
            empty = [name for name in sa.inspect(connection).get_table_names()
                     if not connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar_one()]
        assert empty == []
        assert set(expected) | {"alembic_version"} <= set(sa.inspect(db.engine).get_table_names())
    # Each request in a context of its own, as a server runs them (a shared one would share its CSRF token).
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    assert "ok" in text_of(client, "/healthz")  # the database is at the schema this code expects
    check_reader_pages(client)
    check_newsroom(client)


def text_of(client, path: str, status: int = 200) -> str:
    """A page's text, after checking it answered as expected."""
    response = client.get(path)
    assert response.status_code == status, f"{path}: {response.status_code}"
    return response.get_data(as_text=True)


def moved_to(client, path: str) -> str:
    """Where a former address sends a reader, permanently."""
    response = client.get(path)
    assert response.status_code == 301, f"{path}: {response.status_code}"
    return response.headers["Location"]


def check_reader_pages(client) -> None:
    """Every reader's page shows the migrated rows: listings, the article, labels, bylines, feeds, search."""
    home = text_of(client, "/")
    assert "Harbour dredging starts" in home and GREEK_TITLE in home and "Budget draft" not in home
    article = text_of(client, "/articles/harbour-dredging-starts")
    assert "Boats will moor upstream." in article and "About time the channel was cleared." in article
    assert "3,000,000,000 Reads" in article and "my site" not in article  # the held comment stays held
    assert "Η αγορά ανοίγει." in text_of(client, f"/articles/{quote(GREEK_NEW_SLUG)}")
    for path, shows in (("/categories/harbour", "Harbour dredging starts"), ("/categories/town-hall", GREEK_TITLE),
                        ("/tags/dredging", "Harbour dredging starts"), ("/authors/mara", "Harbour dredging starts"),
                        ("/authors/sam-writer", GREEK_TITLE), ("/tip-line", "Call the newsdesk on 555 0100.")):
        assert shows in text_of(client, path), path
    assert "Budget draft" not in text_of(client, "/tags/council")
    for path, target in (("/articles/dredging-to-start", "/articles/harbour-dredging-starts"),
                         (f"/articles/{quote(GREEK_OLD_SLUG)}", f"/articles/{quote(GREEK_NEW_SLUG)}"),
                         ("/categories/town", "/categories/town-hall"), ("/tags/harbour-dredging", "/tags/dredging"),
                         ("/authors/m-okafor", "/authors/mara")):
        assert moved_to(client, path).endswith(target), path
    feed = text_of(client, "/feed.xml")
    assert "Harbour dredging starts" in feed and GREEK_TITLE in feed and "Budget draft" not in feed
    sitemap = text_of(client, "/sitemap.xml")
    assert "/articles/harbour-dredging-starts</loc>" in sitemap and "budget-draft" not in sitemap
    # Words of the body only, so only the index init-db filled from the migrated rows can find them.
    assert "Harbour dredging starts" in text_of(client, "/search?q=moor+upstream")
    assert GREEK_TITLE in text_of(client, "/search?q=αγορά")


def check_newsroom(client) -> None:
    """The account made at the first revision signs in with its password and sees every article and comment."""
    assert sign_in(client, "mara", "not the password").status_code == 400
    response = sign_in(client, "mara", PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = text_of(client, "/admin/")
    assert all(title in listing for title in ("Harbour dredging starts", GREEK_TITLE, "Budget draft"))
    assert "See my site for more." in text_of(client, "/admin/comments?status=pending")


FAILING_STEP = '''"""A step that fails halfway: its first table is made, then it stops

Revision ID: failing
Revises: {head}
"""
import pytest
import sqlalchemy as sa
from alembic import op

revision = 'failing'
down_revision = '{head}'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('half_done', sa.Column('id', sa.Integer(), primary_key=True))
    raise RuntimeError('the step failed')
'''


def test_a_failed_upgrade_leaves_postgresql_as_it_was_and_sqlite_at_its_last_finished_step(tmp_path):
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    head = scripts_in(copy).get_current_head()
    (copy / "versions" / "9999_failing.py").write_text(FAILING_STEP.format(head=head))
    app = create_app(settings_for_tests(tmp_path / "instance"))
    with app.app_context():
        upgrade(directory=str(copy), revision="0015")
        with pytest.raises(SystemExit):  # how Flask-Migrate, and so `flask init-db`, reports the error
            upgrade(directory=str(copy))
        with db.engine.connect() as connection:
            tables = set(sa.inspect(connection).get_table_names())
        if on_postgresql():
            # One transaction for the whole run: 0016 and 0017 went back with the failed step, so the
            # database is exactly what the code before the upgrade ran on.
            assert database_revision() == "0015"
            assert {"password_links", "site_pages", "half_done"}.isdisjoint(tables)
        else:
            # SQLite keeps each finished step, and the failed step's table stays though its revision
            # was not recorded: running it again would fail on that table, so deploying copies the file first.
            assert database_revision() == head
            assert {"password_links", "site_pages", "half_done"} <= tables
        db.engine.dispose()


def test_a_backup_made_at_the_first_schema_is_restored_by_the_new_code_and_upgraded(tmp_path, frozen_clock):
    old = create_app(settings_for_tests(tmp_path / "first"))  # an empty database of the run's kind
    with old.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            first_schema_rows(connection, {})
        made = old.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")])
        assert made.exit_code == 0, made.output
        db.engine.dispose()
    [backup] = (path for path in (tmp_path / "backups").iterdir() if path.name[0].isdigit())
    new = create_app(settings_for_tests(tmp_path / "restored"))
    with new.app_context():
        restored = new.test_cli_runner().invoke(args=["restore", str(backup)])
        assert restored.exit_code == 0, restored.output
        steps = len(chain_from_base(scripts_in(MIGRATIONS))) - 1
        assert f"Upgraded ({steps} of {steps}): " in restored.output and "Indexed 3 articles." in restored.output
        assert database_revision() == chain_from_base(scripts_in(MIGRATIONS))[-1].revision
        db.engine.dispose()
    client = new.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    article = text_of(client, "/articles/harbour-dredging-starts")
    assert "Boats will moor upstream." in article and "About time the channel was cleared." in article
    assert "1,234 Reads" in article and "my site" not in article
    assert GREEK_TITLE in text_of(client, "/") and "Budget draft" not in text_of(client, "/")
    assert text_of(client, "/search?q=dredging").count("Harbour dredging starts") >= 1
    assert sign_in(client, "mara", PASSWORD).status_code == 302
