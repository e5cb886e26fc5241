"""The CLI: init-db builds the schema the models describe, demo loads its content once."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app import create_app
from models import Article, Comment, article_tags, db
from services import search
from tests.conftest import settings_for_tests
from tests.test_search import indexed_body


def utc_literal(when: datetime) -> str:
    """A time as the SQL literal an old row would hold, read as UTC by SQLite and PostgreSQL alike."""
    # Naive on SQLite, as UTCDateTime stores it; PostgreSQL reads a naive literal in its own zone.
    naive = when.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    return f"'{naive}+00:00'" if db.engine.dialect.name == "postgresql" else f"'{naive}'"


def insert_old_article(connection, when: str, body_source: str = "", body_html: str = "") -> None:
    """The published article 'old' (id 1, category 1) as an earlier revision held it; `when` a utc_literal."""
    connection.exec_driver_sql(
        "INSERT INTO articles (id, slug, title, summary, excerpt, body_source, body_html, category_id,"
        " status, created_at, published_at, updated_at, reads) VALUES (1, 'old', 'Old story', '', '',"
        f" '{body_source}', '{body_html}', 1, 'published', {when}, {when}, {when}, 0)")


def test_init_db_upgrades_an_empty_database_to_the_models_and_is_idempotent(tmp_path):
    app = create_app(settings_for_tests(tmp_path))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == second.exit_code == 0
    assert second.output == "Database is up to date.\n"
    # Each step on a line of its own, numbered in the order it ran, never by revision ids written out of order.
    steps = first.output.splitlines()
    assert steps[0] == f"Upgraded (1 of {len(steps) - 1}): Initial schema: categories, tags, articles, comments, users"
    assert [re.match(r"Upgraded \((\d+) of", step)[1] for step in steps[:-1]] == [str(n) for n in range(1, len(steps))]
    assert steps[-1] == "Database is up to date." and "INFO" not in first.output and "->" not in first.output
    with app.app_context(), db.engine.connect() as connection:
        # The search index is filled by the application, outside the models (search.include_object).
        context = MigrationContext.configure(connection, opts={"include_object": search.include_object})
        differences = compare_metadata(context, db.metadata)
        tables = set(inspect(connection).get_table_names())
    assert differences == []
    assert {"articles", "categories", "tags", "article_tags", "comments", "users", "alembic_version"} <= tables


def test_upgrading_a_database_with_articles_keeps_its_tag_pages(tmp_path):
    from flask_migrate import upgrade

    from content.text import now_utc

    app = create_app(settings_for_tests(tmp_path))
    with app.app_context():
        upgrade(revision="0003")
        when = utc_literal(now_utc())
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO categories (id, name, slug) VALUES (1, 'Local', 'local')")
            connection.exec_driver_sql("INSERT INTO tags (id, name, slug) VALUES (1, 'harbour', 'harbour')")
            insert_old_article(connection, when)
            connection.exec_driver_sql("INSERT INTO article_tags (article_id, tag_id) VALUES (1, 1)")
        upgrade()
        page = app.test_client().get("/tags/harbour", headers={"User-Agent": "Mozilla/5.0"})
    assert page.status_code == 200 and "Old story" in page.get_data(as_text=True)


def test_init_db_indexes_the_articles_of_a_site_upgraded_to_search(tmp_path):
    from flask_migrate import upgrade

    from content.text import now_utc

    app = create_app(settings_for_tests(tmp_path))
    with app.app_context():
        upgrade(revision="0008")
        when = utc_literal(now_utc())
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO categories (id, name, slug) VALUES (1, 'Local', 'local')")
            connection.exec_driver_sql("INSERT INTO tags (id, name, slug) VALUES (1, 'lighthouse', 'lighthouse')")
            insert_old_article(connection, when, body_source="The **quay** reopened.")
            connection.exec_driver_sql("INSERT INTO article_tags (article_id, tag_id) VALUES (1, 1)")
        db.engine.dispose()
    runner = app.test_cli_runner()
    first, second = runner.invoke(args=["init-db"]), runner.invoke(args=["init-db"])
    assert "Indexed 1 articles." in first.output and "Indexed" not in second.output  # once is enough
    with app.app_context():
        for words in ("quay", "lighthouse", "old story"):
            assert [hit.article.slug for hit in search.search(search.read_query(words)).hits] == ["old"]


def test_upgrading_indexes_the_words_of_old_bodies_beyond_their_paragraphs(tmp_path):
    from flask_migrate import upgrade

    from content.text import now_utc

    app = create_app(settings_for_tests(tmp_path))
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO categories (id, name, slug) VALUES (1, 'Local', 'local')")
            connection.exec_driver_sql("INSERT INTO tags (id, name, slug) VALUES (1, 'docks', 'docks')")
            insert_old_article(connection, utc_literal(now_utc()),
                               body_source="The quay reopened.\n\n- a lighthouse keeper\n\n## Ferry times")
            connection.exec_driver_sql("INSERT INTO article_tags (article_id, tag_id) VALUES (1, 1)")
            index_as_revision_0010_did(connection, body="The quay reopened.")
        upgrade()
        for words in ("lighthouse", "ferry", "quay", "docks", "old story"):
            assert [hit.article.slug for hit in search.search(search.read_query(words)).hits] == ["old"], words
        db.session.remove()
        db.engine.dispose()
    assert "Indexed" not in app.test_cli_runner().invoke(args=["init-db"]).output  # the upgrade did it all


def index_as_revision_0010_did(connection, body: str) -> None:
    """Article 1 indexed with the body text the application derived at revision 0010: its paragraphs only."""
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "UPDATE articles SET search_body = %(body)s, search_vector ="
            " setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', %(body)s), 'C')"
            " || setweight(to_tsvector('english', 'docks'), 'C') WHERE id = 1", {"body": body})
    else:
        connection.exec_driver_sql("INSERT INTO search_index (rowid, title, summary, body, tags)"
                                   " VALUES (1, 'Old story', '', ?, 'docks')", (body,))


def test_demo_loads_a_dozen_articles_with_comments_once(app, runner, client, make_article):
    first = runner.invoke(args=["demo"])
    second = runner.invoke(args=["demo"])
    assert "Added 12 demo articles." in first.output
    assert "The site already has articles; the demo is only loaded into a site without any." in second.output
    articles = db.session.execute(db.select(Article)).scalars().all()
    assert len(articles) == 12
    assert len({article.category_id for article in articles}) >= 3
    assert any("<h2>" in a.body_html for a in articles) and any("<li>" in a.body_html for a in articles)
    assert all(article.tags for article in articles)
    comment_count = db.session.execute(db.select(db.func.count(Comment.id))).scalar_one()
    assert comment_count > 0
    home = client.get("/").get_data(as_text=True)
    assert home.count('<article class="item') == 12
    db.session.delete(articles[0])
    db.session.commit()
    runner.invoke(args=["demo"])
    assert db.session.execute(db.select(db.func.count(Article.id))).scalar_one() == 11  # a deletion stays
    # The demo leaves ids to the database, so PostgreSQL's sequences are past them for the next article.
    assert make_article("Written after the demo").id > max(article.id for article in articles)


def test_upgrading_cleans_links_stored_under_the_old_rules(tmp_path):
    from flask_migrate import upgrade

    from content.text import now_utc

    app = create_app(settings_for_tests(tmp_path))
    with app.app_context():
        upgrade(revision="0004")
        when = utc_literal(now_utc())
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO categories (id, name, slug) VALUES (1, 'Local', 'local')")
            insert_old_article(connection, when, body_source="See [the map](/maps/1) and [this](https://example.org).",
                               body_html='<p>See <a href="javascript:1">the map</a> and '
                                         '<a href="&#106;avascript:2">this</a>.</p>')
            connection.exec_driver_sql(
                "INSERT INTO comments (id, article_id, author_name, body_html, status, created_at) VALUES"
                " (1, 1, 'Ann', '<p>Hi <a href=\"javascript:123\" rel=\"nofollow\">there</a><br>bye</p>',"
                f" 'visible', {when}),"
                " (2, 1, 'Bo', '<p>Fine <a href=\"https://example.org\" rel=\"nofollow ugc noopener noreferrer\">"
                f"link</a> and <a href=\"https://example.org\"></a></p>', 'visible', {when})")
        upgrade()
        article = db.session.get(Article, 1)
        first, second = db.session.get(Comment, 1), db.session.get(Comment, 2)
        assert article.body_html == ('<p>See <a href="/maps/1">the map</a> and '
                                     '<a href="https://example.org">this</a>.</p>\n')
        assert first.body_html == "<p>Hi there<br>bye</p>"
        assert second.body_html == ('<p>Fine <a href="https://example.org" rel="nofollow ugc noopener noreferrer">'
                                    'link</a> and </p>')


def test_upgrading_forgets_update_times_that_reads_moved(tmp_path):
    from flask_migrate import upgrade

    app = create_app(settings_for_tests(tmp_path))
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO categories (id, name, slug) VALUES (1, 'Local', 'local')")
            first, read, edited = (utc_literal(datetime(2026, *day, tzinfo=UTC)) for day in ((1, 1, 10), (2, 1, 9), (1, 3, 10)))
            connection.exec_driver_sql(
                "INSERT INTO articles (id, slug, title, summary, excerpt, body_source, body_html, category_id,"
                " status, created_at, published_at, updated_at, reads) VALUES"
                f" (1, 'read', 'Read', '', '', '', '', 1, 'published', {first}, {first}, {read}, 40),"
                f" (2, 'draft', 'Draft', '', '', '', '', 1, 'draft', {first}, NULL, {edited}, 0)")
        upgrade()
        read, draft = db.session.get(Article, 1), db.session.get(Article, 2)
        assert read.updated_at == read.published_at and not read.was_updated
        assert draft.updated_at.isoformat() == "2026-01-03T10:00:00+00:00"


def insert_old_rows(connection, when: str) -> None:
    """Rows as revision 0004 left them, with slugs the old rule made (marks of every script dropped).

    `when` is a time as a SQL literal (utc_literal).
    """
    run = connection.exec_driver_sql
    run("INSERT INTO categories (id, name, slug) VALUES (1, 'Créé', 'cree'), (2, 'Ærø', 'ærø'), (3, 'Aero', 'aero'),"
        " (4, 'أخبار', 'اخبار')")
    run("INSERT INTO tags (id, name, slug) VALUES (1, 'ボート', 'ホート'), (2, 'Ærø', 'ærø'), (3, 'aero', 'aero')")
    for article_id, slug, title, category_id in [
        (1, '東京て会議か開かれた', '東京で会議が開かれた', 4), (2, 'ابيب', 'أبيب', 4),
        (3, 'hand-typed', 'Déjà vu in Ærø', 2), (4, 'council-budget', 'Council budget', 1),
    ]:
        run("INSERT INTO articles (id, slug, title, summary, excerpt, body_source, body_html, category_id, status,"
            f" created_at, published_at, updated_at, reads) VALUES ({article_id}, '{slug}', '{title}', '', '', '', '',"
            f" {category_id}, 'published', {when}, {when}, {when}, 0)")
    run(f"INSERT INTO article_tags (article_id, tag_id, listed_at) VALUES (1, 1, {when}), (3, 2, {when}),"
        f" (3, 3, {utc_literal(datetime(2020, 1, 1, tzinfo=UTC))}), (4, 3, NULL)")


def test_the_slug_migration_recomputes_slugs_and_keeps_every_old_address(tmp_path):
    from flask_migrate import upgrade

    from content.text import now_utc
    from models import Category, Tag

    app = create_app(settings_for_tests(tmp_path))
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            insert_old_rows(connection, utc_literal(now_utc()))
        upgrade()
        client = app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0"
        slugs = dict(db.session.execute(db.select(Article.id, Article.slug)).all())
        assert slugs == {1: "東京で会議が開かれた", 2: "أبيب", 3: "hand-typed", 4: "council-budget"}
        for old, new in [("/articles/東京て会議か開かれた", "/articles/東京で会議が開かれた"), ("/articles/ابيب", "/articles/أبيب"),
                         ("/categories/اخبار", "/categories/أخبار"), ("/categories/ærø", "/categories/aero"),
                         ("/tags/ホート", "/tags/ボート"), ("/tags/ærø", "/tags/aero")]:
            response = client.get(old)
            assert response.status_code == 301, old
            assert unquote(response.headers["Location"]) == new
        assert "東京で会議が開かれた" in client.get("/articles/東京で会議が開かれた").get_data(as_text=True)
        # 'Ærø' and 'Aero' are one name under the new rule: one category, one tag, holding both's articles.
        categories = db.session.execute(db.select(Category.id, Category.slug).order_by(Category.id)).all()
        assert [tuple(row) for row in categories] == [(1, "cree"), (3, "aero"), (4, "أخبار")]
        assert db.session.get(Article, 3).category_id == 3
        aero = Tag.by_slug("aero")
        assert {a.id for a in aero.articles} == {3, 4}
        assert db.session.execute(db.select(Tag.id).order_by(Tag.id)).scalars().all() == [1, 3]
        listed = db.session.execute(db.select(article_tags.c.listed_at).where(article_tags.c.article_id == 3)).scalars()
        assert list(listed) == [datetime(2020, 1, 1, tzinfo=UTC)]
        if db.engine.dialect.name == "sqlite":  # kept in the naive form UTCDateTime writes, so times sort as text
            raw = db.session.execute(db.text("SELECT listed_at FROM article_tags WHERE article_id = 3")).scalar_one()
            assert raw in ("2020-01-01 00:00:00.000000", "2020-01-01 00:00:00")
        assert Category.get_or_create("Ærø").slug == "aero" and Tag.get_or_create_all(["Ærø"]) == [aero]
        assert Category.get_or_create("أخبار").id == 4


def test_generate_fills_the_database_with_realistic_articles_tags_comments_and_their_index(app_with_db):
    from collections import Counter

    from models import Tag, article_tags

    app, runner = app_with_db
    result = runner.invoke(args=["generate", "--articles", "60", "--comments", "300"])
    assert result.exit_code == 0, result.output
    assert "Generating" in result.output and "Added 60 articles and 300 comments." in result.output
    with app.app_context():
        articles = db.session.execute(db.select(Article)).scalars().all()
        assert len(articles) == 60
        assert all(len(article.body_source) > 400 and "<p>" in article.body_html for article in articles)
        assert sum(len(article.body_source) for article in articles) / 60 > 3000
        assert any("\n## " in article.body_source for article in articles)
        assert any("\n- " in article.body_source for article in articles)
        per_tag = Counter(db.session.execute(db.select(article_tags.c.tag_id)).scalars())
        assert db.session.execute(db.select(db.func.count(Tag.id))).scalar_one() == 300
        assert max(per_tag.values()) >= 5 * min(per_tag.values())  # a long tail
        per_article = Counter(db.session.execute(db.select(Comment.article_id)).scalars())
        assert sum(per_article.values()) == 300 and max(per_article.values()) >= 4 * (300 / 60)  # uneven
        # The generator indexes what the application would: every word of the body, headings and lists too.
        assert all(indexed_body(article.id) == article.plain_text() for article in articles)
        council = search.search(search.read_query("council")).hits
        assert council and all("<mark>council</mark>" in str(hit.snippet).lower() for hit in council)


def test_generate_refuses_a_negative_count(app_with_db):
    _, runner = app_with_db
    result = runner.invoke(args=["generate", "--articles", "-5"])
    assert result.exit_code == 2 and "Invalid value for '--articles'" in result.output


@pytest.fixture
def app_with_db(tmp_path):
    """A fresh app whose database init-db built."""
    app = create_app(settings_for_tests(tmp_path))
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    return app, runner
