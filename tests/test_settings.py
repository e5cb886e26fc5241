"""Settings: their order of precedence, the secret key, and refusals of values that cannot work."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from app import create_app
from content.text import now_utc
from models import db
from tests.databases import on_postgresql
from web.settings import instance_secret_key


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    """No site setting in the environment; the factory's instance folder points at a temp dir."""
    for name in ("DATABASE_URL", "SECRET_KEY", "SITE_NAME", "SITE_TIMEZONE", "COMMENT_MODERATION", "SITE_URL",
                 "SITE_DESCRIPTION", "SITE_LANGUAGE", "SITE_LOGO", "SITEMAP_MAX_URLS"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    return instance


def test_a_fresh_app_is_not_testing_and_has_a_generated_private_key(clean_environment):
    app = create_app()
    assert not app.testing
    key_file = clean_environment / "secret_key"
    assert app.config["SECRET_KEY"] == key_file.read_text() and len(app.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{clean_environment}/news.sqlite3"
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_workers_starting_together_share_one_key(tmp_path):
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: instance_secret_key(tmp_path / "instance"), range(32)))
    assert len(keys) == 1
    assert [p.name for p in (tmp_path / "instance").iterdir()] == ["secret_key"]


def test_instance_config_is_read_and_the_environment_wins(clean_environment, monkeypatch):
    (clean_environment / "config.py").write_text('SITE_NAME = "From file"\nSITE_TIMEZONE = "Europe/Paris"\n')
    monkeypatch.setenv("SITE_NAME", "From environment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_environment}/other.db")
    app = create_app()
    assert app.config["SITE_NAME"] == "From environment"
    assert app.config["SITE_TIMEZONE"] == "Europe/Paris"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("/other.db")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("SITE_TIMEZONE", "Mars/Olympus", "Error: SITE_TIMEZONE='Mars/Olympus' is not a known time zone"),
    ("DATABASE_URL", "not a url", "Error: DATABASE_URL='not a url' is not a database URL"),
    ("COMMENT_MODERATION", "sometimes", "Error: COMMENT_MODERATION='sometimes' must be one of links, all, none"),
    ("COMMENT_MIN_SECONDS", "soon", "Error: COMMENT_MIN_SECONDS='soon' is not a valid float"),
    ("SESSION_COOKIE_SECURE", "maybe", "Error: SESSION_COOKIE_SECURE='maybe' is not one of 1/0, true/false, yes/no, on/off"),
    ("COMMENT_RATE_LIMIT", "lots", "Error: COMMENT_RATE_LIMIT: 'lots' is not like '5 per minute'"),
    ("TRUSTED_PROXIES", "10.0.0.0/33", "Error: TRUSTED_PROXIES: '10.0.0.0/33' does not appear to be an IPv4 or IPv6 network"),
    ("SITE_URL", "https://news.example.org/",
     "Error: SITE_URL='https://news.example.org/' must have no path, query or trailing slash, like https://news.example.org"),
    ("SITE_URL", "https://news.example.org/news",
     "Error: SITE_URL='https://news.example.org/news' must have no path, query or trailing slash, like https://news.example.org"),
    ("SITE_URL", "https://news.example.org?x=1",
     "Error: SITE_URL='https://news.example.org?x=1' must have no path, query or trailing slash, like https://news.example.org"),
    ("SITE_URL", "news.example.org", "Error: SITE_URL='news.example.org' must start with http:// or https://"),
    ("SITE_URL", "ftp://news.example.org", "Error: SITE_URL='ftp://news.example.org' must start with http:// or https://"),
    ("SITE_URL", "https://", "Error: SITE_URL='https://' must name a host (and at most a port), like https://news.example.org"),
    ("SITE_URL", "https://user@news.example.org",
     "Error: SITE_URL='https://user@news.example.org' must name a host (and at most a port), like https://news.example.org"),
    ("SITE_URL", "http://news.example.org:99999",
     "Error: SITE_URL='http://news.example.org:99999' has a port that is not a number from 0 to 65535"),
    ("SITE_LANGUAGE", "English!", "Error: SITE_LANGUAGE='English!' is not a language tag such as 'en' or 'pt-BR'"),
    ("SITE_LOGO", "../app.py", "Error: SITE_LOGO='../app.py' is not a file under static/ (give a path such as 'logo.png')"),
    ("SITE_LOGO", "missing.png", "Error: SITE_LOGO='missing.png' is not a file under static/ (give a path such as 'logo.png')"),
    ("SITEMAP_MAX_URLS", "50001", "Error: SITEMAP_MAX_URLS=50001 must be between 1 and 50000"),
    ("SITEMAP_MAX_URLS", "many", "Error: SITEMAP_MAX_URLS='many' is not a valid int"),
])
def test_a_bad_setting_stops_start_up_with_one_clear_line(clean_environment, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as stopped:
        create_app()
    assert str(stopped.value) == message


@pytest.mark.parametrize(("name", "value"), [("ARTICLES_PER_PAGE", 0), ("FEED_ENTRIES", 1001),
                                           ("NEWSROOM_TAGS_PER_PAGE", "100"), ("SEARCH_RESULTS_PER_PAGE", True)])
def test_a_page_size_that_cannot_work_stops_start_up_with_one_clear_line(tmp_path, name, value):
    from tests.conftest import settings_for_tests

    with pytest.raises(SystemExit) as stopped:
        create_app(settings_for_tests(tmp_path, **{name: value}))
    assert str(stopped.value) == f"Error: {name}={value!r} must be a whole number from 1 to 1000"


def test_each_kind_of_list_reads_its_own_page_size(tmp_path, database_url):
    from models import Article, ArticleStatus, Category
    from tests.conftest import settings_for_tests

    (tmp_path / "instance").mkdir(exist_ok=True)
    sizes = {"FEED_ENTRIES": 2, "SEARCH_RESULTS_PER_PAGE": 1, "ARTICLES_PER_PAGE": 3, "FRONT_PAGE_TOP_STORIES": 2,
             "FRONT_PAGE_SECTION_STORIES": 1}
    app = create_app(settings_for_tests(tmp_path / "instance", SQLALCHEMY_DATABASE_URI=database_url, **sizes))
    with app.app_context():
        for number in range(4):
            article = Article(title=f"Harbour story {number}", slug=f"harbour-story-{number}", status=ArticleStatus.PUBLISHED,
                              category=Category.get_or_create("Local"), published_at=now_utc())
            article.set_body("The harbour.")
            db.session.add(article)
        db.session.commit()
        client = app.test_client()
        assert client.get("/feed.xml").get_data(as_text=True).count("<entry>") == 2
        assert client.get("/search?q=harbour").get_data(as_text=True).count('class="result"') == 1
        home = client.get("/").get_data(as_text=True)
        assert home.count('<h2 class="item-title">') == 2 and home.count('<h3 class="item-title">') == 1
        assert client.get("/categories/local").get_data(as_text=True).count('<h2 class="item-title">') == 3
        db.session.remove()
        db.engine.dispose()


def test_the_database_enforces_foreign_keys_and_cascades_deletes(app, make_article, make_comment):
    from sqlalchemy.exc import IntegrityError

    from models import Article, Comment

    article = make_article("Kept in step")
    make_comment(article, "Gone with it.")
    db.session.execute(db.delete(Article).where(Article.id == article.id))  # no ORM cascade: the database's own
    db.session.commit()
    assert db.session.execute(db.select(db.func.count(Comment.id))).scalar_one() == 0
    with pytest.raises(IntegrityError):
        db.session.execute(db.insert(Comment).values(article_id=article.id, author_name="Ann", body_html="<p>x</p>",
                                                     status="visible", created_at=now_utc()))
    db.session.rollback()


def test_the_site_s_address_and_publisher_have_defaults_and_follow_the_environment(clean_environment, monkeypatch):
    app = create_app()
    assert (app.config["SITE_URL"], app.config["SITE_LANGUAGE"], app.config["SITE_LOGO"]) == (
        "http://127.0.0.1:5000", "en", "logo.png")
    assert app.config["SITE_DESCRIPTION"] and app.config["SITEMAP_MAX_URLS"] == 50_000
    for name, value in (("SITE_URL", "https://news.example.org"), ("SITE_LANGUAGE", "pt-BR"),
                        ("SITE_LOGO", "favicon.svg"), ("SITE_DESCRIPTION", "Valley news."), ("SITEMAP_MAX_URLS", "1000")):
        monkeypatch.setenv(name, value)
    app = create_app()
    assert (app.config["SITE_URL"], app.config["SITE_LANGUAGE"], app.config["SITE_LOGO"]) == (
        "https://news.example.org", "pt-BR", "favicon.svg")
    assert app.config["SITE_DESCRIPTION"] == "Valley news." and app.config["SITEMAP_MAX_URLS"] == 1000


@pytest.mark.skipif(on_postgresql(), reason="SQLite's connection PRAGMAs: PostgreSQL has no WAL mode or busy "
                    "timeout to set per connection (foreign keys are checked on both by "
                    "test_the_database_enforces_foreign_keys_and_cascades_deletes)")
def test_sqlite_connections_use_wal_foreign_keys_and_normal_sync(app):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 1  # NORMAL
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        assert connection.execute(text("PRAGMA mmap_size")).scalar() >= 64 * 2**20
