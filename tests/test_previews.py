"""What link previews and search engines read: canonical links, descriptions, OpenGraph, NewsArticle data,
and addresses that come from SITE_URL alone."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from models import Article, CommentStatus, db, encode_cursor

SITE = "http://127.0.0.1:5000"
FORGED_HOST = "evil.example"


class HeadReader(HTMLParser):
    """The head's meta tags, links and JSON-LD blocks, and the html element's lang."""

    def __init__(self):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict] = []
        self.json_ld: list[str] = []
        self.lang: str | None = None
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        elif tag == "meta" and ("property" in attributes or "name" in attributes):
            key = attributes.get("property") or attributes["name"]
            self.meta.setdefault(key, []).append(attributes.get("content"))
        elif tag == "link":
            self.links.append(attributes)
        elif tag == "script" and attributes.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data


def head_of(response) -> HeadReader:
    """A page's head, read as an HTML parser reads it."""
    assert response.status_code == 200, response.status_code
    reader = HeadReader()
    reader.feed(response.get_data(as_text=True))
    return reader


def one(head: HeadReader, key: str) -> str:
    """The content of the one meta tag with this property or name."""
    values = head.meta.get(key, [])
    assert len(values) == 1, (key, values)
    return values[0]


def link_hrefs(head: HeadReader, rel: str) -> list[str]:
    """The hrefs of the head's links with this rel."""
    return [link["href"] for link in head.links if link.get("rel") == rel]


def test_an_article_page_describes_itself_to_previews(client, make_article, frozen_clock):
    article = make_article("Budget passes", category="Politics", tags=("housing", "city council"),
                           summary="Rents are frozen for a year.", age=timedelta(days=2))
    head = head_of(client.get("/articles/budget-passes"))
    url = SITE + "/articles/budget-passes"
    assert link_hrefs(head, "canonical") == [url]
    assert one(head, "description") == one(head, "og:description") == "Rents are frozen for a year."
    assert one(head, "og:site_name") == "The Valley Ledger" and one(head, "og:title") == "Budget passes"
    assert one(head, "og:url") == url and one(head, "og:type") == "article"
    assert one(head, "article:published_time") == article.published_at.isoformat(timespec="seconds")
    assert one(head, "article:modified_time") == article.last_changed_at.isoformat(timespec="seconds")
    assert one(head, "article:section") == "Politics"
    assert head.meta["article:tag"] == ["city council", "housing"]
    assert one(head, "twitter:card") == "summary"
    assert link_hrefs(head, "alternate") == [SITE + "/feed.xml", SITE + "/categories/politics/feed.xml"]


def test_an_article_without_a_summary_is_described_by_its_excerpt(client, make_article):
    make_article("No summary", body="The opening words of the story.")
    head = head_of(client.get("/articles/no-summary"))
    assert one(head, "description") == "The opening words of the story."


@pytest.mark.parametrize(("path", "title", "feeds"), [
    ("/", "The Valley Ledger", []),
    ("/categories/politics", "Politics · The Valley Ledger", ["/categories/politics/feed.xml"]),
    ("/tags/housing", "housing · The Valley Ledger", ["/tags/housing/feed.xml"]),
    ("/tags", "Tags · The Valley Ledger", []),
])
def test_listings_are_websites_described_by_the_site(app, client, make_article, path, title, feeds):
    app.config["SITE_DESCRIPTION"] = "All the news from the Tessel valley."
    make_article("Vote", category="Politics", tags=("housing",))
    head = head_of(client.get(path))
    assert link_hrefs(head, "canonical") == [SITE + path] and one(head, "og:url") == SITE + path
    assert one(head, "description") == one(head, "og:description") == "All the news from the Tessel valley."
    assert one(head, "og:type") == "website" and one(head, "og:title") == title
    assert one(head, "twitter:card") == "summary" and "article:published_time" not in head.meta
    assert link_hrefs(head, "alternate") == [SITE + "/feed.xml"] + [SITE + feed for feed in feeds]
    assert head.json_ld == []


def test_a_later_page_is_its_own_canonical_and_other_arguments_are_dropped(client, make_article, frozen_clock):
    for number in range(25):
        make_article(f"Story {number}", age=timedelta(hours=number + 1))
    cursor = encode_cursor(db.session.execute(db.select(Article).filter_by(slug="story-19")).scalar_one(), 2)
    head = head_of(client.get(f"/?utm_source=mail&before={cursor}&x=%22%3E"))
    assert link_hrefs(head, "canonical") == [f"{SITE}/?before={cursor}"]


def test_an_error_page_claims_no_canonical_address(client):
    response = client.get("/articles/no-such-thing")
    assert response.status_code == 404
    reader = HeadReader()
    reader.feed(response.get_data(as_text=True))
    assert link_hrefs(reader, "canonical") == [] and "og:url" not in reader.meta


TRICKY_TITLE = 'Mayor says "we\'re done" </script><!-- <script>alert(1)</script> & moves on 🎉'


def test_news_article_data_survives_a_hostile_title_and_matches_the_database(
        client, make_article, make_comment, frozen_clock):
    article = make_article(TRICKY_TITLE, category="Politics & <Power>", tags=("city council", "budget"),
                           summary='A "quoted" summary </script>', age=timedelta(days=1))
    frozen_clock.shift(timedelta(hours=-2))
    article.body_source = "Changed."
    article.note_content_change(was_live=True)
    db.session.commit()
    frozen_clock.shift(timedelta(hours=2))
    for status in (CommentStatus.VISIBLE, CommentStatus.VISIBLE, CommentStatus.HIDDEN, CommentStatus.PENDING):
        make_comment(article, status=status)
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    head = head_of(client.get(f"/articles/{article.slug}"))
    assert len(head.json_ld) == 1 and "<" not in head.json_ld[0]  # nothing in it can end or comment out the script
    # The JSON-LD block and our own reader.js: the title's </script><script> made no element of its own.
    assert html.count("<script") == 2 and html.count('<script type="application/ld+json">') == 1
    data = json.loads(head.json_ld[0])
    db.session.expire_all()
    stored = db.session.get(Article, article.id)
    url = f"{SITE}/articles/{stored.slug}"
    assert data == {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": stored.title,
        "description": stored.summary,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": stored.published_at.isoformat(timespec="seconds"),
        "dateModified": stored.updated_at.isoformat(timespec="seconds"),
        "articleSection": "Politics & <Power>",
        "keywords": ["budget", "city council"],
        "commentCount": 2,
        "inLanguage": "en",
        "publisher": {"@type": "Organization", "name": "The Valley Ledger", "url": SITE + "/",
                      "logo": {"@type": "ImageObject", "url": SITE + "/static/logo.png"}},
    }
    assert data["dateModified"] == "2026-03-10T10:00:00+00:00" and "🎉" in data["headline"]


def test_a_long_headline_is_cut_to_110_characters_at_a_word(client, make_article):
    title = "Council " + "agrees a very long list of measures " * 5
    article = make_article(title.strip())
    data = json.loads(head_of(client.get(f"/articles/{article.slug}")).json_ld[0])
    assert len(data["headline"]) <= 110 and data["headline"].endswith("…")
    assert title.startswith(data["headline"][:-1]) and title[len(data["headline"]) - 1] == " "


def test_the_site_logo_setting_names_the_publisher_s_logo(app, client, make_article):
    app.config["SITE_LOGO"] = "favicon.svg"
    article = make_article("Logo")
    data = json.loads(head_of(client.get(f"/articles/{article.slug}")).json_ld[0])
    assert data["publisher"]["logo"]["url"] == SITE + "/static/favicon.svg"
    with client.get("/static/logo.png") as logo:
        assert logo.headers["Content-Type"] == "image/png" and logo.get_data().startswith(b"\x89PNG")


# --- Addresses come from SITE_URL, never from the request ----------------------------------------


@pytest.fixture
def site_with_everything(make_article, make_comment):
    """An article in a category with a tag and a comment, so every kind of page has something."""
    article = make_article("Everything", category="Politics", tags=("housing",), summary="All of it.")
    make_comment(article)
    return article


@pytest.mark.parametrize("path", [
    "/", "/articles/everything", "/categories/politics", "/tags/housing", "/tags", "/feed.xml",
    "/categories/politics/feed.xml", "/tags/housing/feed.xml", "/sitemap.xml", "/sitemap-news.xml", "/robots.txt",
    "/no-such-page", "/categories/POLITICS", "/admin/login",
])
def test_a_forged_host_header_shows_up_nowhere(client, site_with_everything, path):
    response = client.get(path, headers={"Host": FORGED_HOST}, base_url=f"http://{FORGED_HOST}")
    assert FORGED_HOST not in response.get_data(as_text=True)
    assert not any(FORGED_HOST in value for _, value in response.headers.items())
    if response.status_code == 200 and path != "/admin/login":
        assert SITE in response.get_data(as_text=True)


@pytest.mark.parametrize("settings_overrides", [{"SITE_URL": "https://news.example.org:8443", "SITE_LANGUAGE": "de"}])
def test_every_address_and_language_follow_the_settings(client, site_with_everything, settings_overrides):
    site = "https://news.example.org:8443"
    head = head_of(client.get("/articles/everything"))
    assert head.lang == "de" and link_hrefs(head, "canonical") == [site + "/articles/everything"]
    assert json.loads(head.json_ld[0])["inLanguage"] == "de"
    feed = client.get("/feed.xml").get_data(as_text=True)
    assert 'xml:lang="de"' in feed and f"<id>tag:news.example.org,2026:article:{site_with_everything.id}</id>" in feed
    assert "127.0.0.1" not in feed
    assert "<news:language>de</news:language>" in client.get("/sitemap-news.xml").get_data(as_text=True)
    assert f"Sitemap: {site}/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)


def test_pages_say_their_language_by_default(client, site_with_everything):
    assert head_of(client.get("/")).lang == "en"


def test_news_article_data_names_each_author_as_a_person(client, make_article, make_person):
    import json

    ada = make_person("ada", display_name="Ada Lovelace")
    grace = make_person("grace", display_name="Grace Hopper")
    make_article("Engines", authors=(ada, grace))
    make_article("Unsigned")
    data = json.loads(head_of(client.get("/articles/engines")).json_ld[0])
    assert data["author"] == [
        {"@type": "Person", "name": "Ada Lovelace", "url": f"{SITE}/authors/ada-lovelace"},
        {"@type": "Person", "name": "Grace Hopper", "url": f"{SITE}/authors/grace-hopper"}]
    assert "author" not in json.loads(head_of(client.get("/articles/unsigned")).json_ld[0])
