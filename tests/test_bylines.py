"""Bylines under headlines and on listings, author pages paged by keyset, and the migration that made roles."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from app import create_app
from models import Article, ArticleStatus, Authorship, Role, User, db
from tests.conftest import BROWSER_AGENT, csrf_token_of, settings_for_tests


def text_of(response) -> str:
    """A page's text with its tags stripped, for reading as a person would."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def bylines_of(response) -> list[str]:
    """The text of every byline on a page, as a reader reads it."""
    found = re.findall(r'<p class="byline">(.*?)</p>', response.get_data(as_text=True), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", byline)) for byline in found]


@pytest.fixture
def team(make_person):
    """Three people with names for bylines."""
    return [make_person("ada", display_name="Ada Lovelace", bio="Writes about engines that compute."),
            make_person("grace", display_name="Grace Hopper"),
            make_person("katherine", display_name="Katherine Johnson")]


@pytest.mark.parametrize(("count", "expected"), [
    (1, "By Ada Lovelace"),
    (2, "By Ada Lovelace and Grace Hopper"),
    (3, "By Ada Lovelace, Grace Hopper and Katherine Johnson"),
])
def test_the_byline_names_every_author_in_order_and_links_to_their_pages(client, make_article, team, count, expected):
    make_article("Engines", authors=tuple(team[:count]))
    page = client.get("/articles/engines")
    assert bylines_of(page) == [expected]
    links = re.findall(r'<a rel="author" href="([^"]+)">', page.get_data(as_text=True))
    assert links == ["/authors/ada-lovelace", "/authors/grace-hopper", "/authors/katherine-johnson"][:count]
    assert bylines_of(client.get("/")) == [expected]  # listings show the same byline


def test_the_order_is_the_one_the_editor_typed(client, make_article, team):
    make_article("Reversed", authors=(team[1], team[0]))
    assert bylines_of(client.get("/articles/reversed")) == ["By Grace Hopper and Ada Lovelace"]


def test_an_article_without_authors_has_no_byline(client, make_article):
    make_article("Unsigned")
    assert bylines_of(client.get("/articles/unsigned")) == []


def test_an_editor_sets_the_byline_by_names_and_is_told_of_an_unknown_one(app, admin_client, make_article, team):
    article = make_article("Shared work")
    path = f"/admin/articles/{article.id}/edit"
    token = csrf_token_of(admin_client.get(path))
    fields = {"csrf_token": token, "title": "Shared work", "category": "Politics", "body": "Text.",
              "status": "published", "action": "save"}
    refused = admin_client.post(path, data={**fields, "authors": "Grace Hopper, Nobody Known"})
    assert refused.status_code == 400 and "No account signs as “Nobody Known”" in text_of(refused)
    assert 'value="Grace Hopper, Nobody Known"' in refused.get_data(as_text=True)  # nothing typed is lost
    admin_client.post(path, data={**fields, "authors": "katherine johnson, Ada Lovelace"})
    db.session.expire_all()
    saved = db.session.get(Article, article.id)
    assert [author.display_name for author in saved.authors] == ["Katherine Johnson", "Ada Lovelace"]
    assert 'value="Katherine Johnson, Ada Lovelace"' in admin_client.get(path).get_data(as_text=True)


def test_an_editors_new_article_starts_with_their_name(admin_client):
    form = admin_client.get("/admin/articles/new").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="authors"[^>]*>', form).group(0)
    assert 'value="editor"' in field


# --- Author pages ---------------------------------------------------------------------------------------------


def test_an_author_page_shows_the_bio_and_only_published_articles(frozen_clock, client, make_article, team):
    make_article("Live one", authors=(team[0],))
    make_article("Co-written", authors=(team[1], team[0]))
    make_article("Still a draft", authors=(team[0],), status=ArticleStatus.DRAFT)
    make_article("Scheduled", authors=(team[0],), published_at=frozen_clock_time(hours=2))
    make_article("Someone else's", authors=(team[2],))
    response = client.get("/authors/ada-lovelace")
    page = text_of(response)
    assert "Ada Lovelace" in page and "Writes about engines that compute." in page
    assert "Live one" in page and "Co-written" in page
    assert bylines_of(response) == []  # the page is the author's: its listing does not say so again
    assert "Still a draft" not in page and "Scheduled" not in page and "Someone else's" not in page


def frozen_clock_time(hours: int):
    """A moment this many hours after the tests' frozen now."""
    from content.text import now_utc

    return now_utc() + timedelta(hours=hours)


def test_author_pages_that_would_show_nothing_are_404s(client, make_article, team):
    make_article("Only a draft", authors=(team[1],), status=ArticleStatus.DRAFT)
    assert client.get("/authors/no-such-person").status_code == 404
    assert client.get("/authors/grace-hopper").status_code == 404


@pytest.fixture
def settings_overrides() -> dict:
    """Two articles a page, so paging shows with a handful of articles."""
    return {"ARTICLES_PER_PAGE": 2}


def test_author_pages_are_keyset_paged_newest_first(frozen_clock, client, make_article, team):
    for hours in range(5):
        make_article(f"Story {hours}", authors=(team[0],), age=timedelta(hours=hours + 1))
    make_article("Not hers", authors=(team[1],), age=timedelta(minutes=30))
    seen, path = [], "/authors/ada-lovelace"
    while path:
        page = client.get(path)
        body = page.get_data(as_text=True)
        seen += re.findall(r'class="item-title"><a href="/articles/([^"]+)"', body)
        older = re.search(r'rel="next" class="older" href="([^"]+)"', body)
        path = html.unescape(older.group(1)) if older else None
    assert seen == [f"story-{hours}" for hours in range(5)]
    assert "Ada Lovelace — Page 3" in text_of(page)


def test_unpublishing_takes_an_article_off_its_authors_pages(admin_client, client, make_article, team):
    article = make_article("Pulled", authors=(team[0],))
    make_article("Stays", authors=(team[0],))
    assert "Pulled" in text_of(client.get("/authors/ada-lovelace"))
    token = csrf_token_of(admin_client.get(f"/admin/articles/{article.id}/edit"))
    admin_client.post(f"/admin/articles/{article.id}/unpublish", data={"csrf_token": token})
    listed = db.session.execute(db.select(Authorship.listed_at).filter_by(article_id=article.id)).scalar_one()
    assert listed is None
    page = text_of(client.get("/authors/ada-lovelace"))
    assert "Pulled" not in page and "Stays" in page


def test_feeds_can_read_each_articles_authors_with_names_and_addresses(app, make_article, team):
    from flask import url_for

    article = make_article("For feeds", authors=(team[2], team[0]))
    with app.test_request_context():
        byline = [(author.public_name, url_for("reader.author", slug=author.slug, _external=True))
                  for author in Article.published_by_slug("for-feeds").authors]
    assert article.id and byline == [("Katherine Johnson", "http://localhost/authors/katherine-johnson"),
                                     ("Ada Lovelace", "http://localhost/authors/ada-lovelace")]


# --- The migration ----------------------------------------------------------------------------------------------


def test_the_migration_makes_every_account_an_admin_and_gives_old_articles_no_byline(tmp_path):
    from flask_migrate import upgrade

    from content.text import now_utc
    from tests.test_commands import insert_old_article, utc_literal

    app = create_app(settings_for_tests(tmp_path))
    with app.app_context():
        upgrade(revision="0008")
        when = utc_literal(now_utc())
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO categories (id, name, slug, position) VALUES (1, 'Local', 'local', 1)")
            insert_old_article(connection, when)
            for number, name in enumerate(["chief", "Night Desk", "night-desk"], start=1):
                connection.exec_driver_sql(
                    f"INSERT INTO users (id, username, password_hash, created_at) VALUES ({number}, '{name}', 'x', {when})")
            connection.exec_driver_sql(
                f"INSERT INTO admin_sessions (token_hash, user_id, created_at, last_seen_at) VALUES ('t', 1, {when}, {when})")
        upgrade()
        db.session.expire_all()
        accounts = db.session.execute(db.select(User).order_by(User.id)).scalars().all()
        assert [(u.role, u.display_name, u.slug, u.active) for u in accounts] == [
            (Role.ADMIN, "chief", "chief", True), (Role.ADMIN, "Night Desk", "night-desk", True),
            (Role.ADMIN, "night-desk", "night-desk-3", True)]
        assert db.session.get(Article, 1).authors == []
        # Nothing the old tables held was lost on the way: the session survives.
        assert db.session.execute(db.text("SELECT count(*) FROM admin_sessions")).scalar_one() == 1
        page = app.test_client().get("/articles/old", headers={"User-Agent": BROWSER_AGENT})
    assert "Old story" in text_of(page) and 'class="byline"' not in page.get_data(as_text=True)
