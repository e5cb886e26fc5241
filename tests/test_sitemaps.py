"""Sitemaps, the news sitemap and robots.txt: what they list, how they split, what they never show."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from content.text import now_utc
from models import Article, ArticleStatus, Category, db

SITE = "http://127.0.0.1:5000"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}


def xml_of(response) -> ET.Element:
    """A response's XML document, which must parse."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.get_data())


def sitemap_urls(response) -> dict[str, str | None]:
    """{address: lastmod or None} of a sitemap's urlset."""
    root = xml_of(response)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    return {url.findtext("s:loc", namespaces=NS): url.findtext("s:lastmod", namespaces=NS)
            for url in root.findall("s:url", NS)}


def lastmod_of(article: Article) -> str:
    """The lastmod a sitemap gives an article: its last content change, as W3C datetime."""
    db.session.refresh(article)
    return article.last_changed_at.isoformat(timespec="seconds")


def test_the_sitemap_lists_published_articles_with_their_last_change_and_every_section(
        client, make_article, frozen_clock):
    edited = make_article("Edited", category="Politics", tags=("housing",), age=timedelta(days=2))
    frozen_clock.shift(timedelta(hours=-1))
    edited.title = "Edited later"
    edited.note_content_change(was_live=True)
    db.session.commit()
    frozen_clock.shift(timedelta(hours=1))
    plain = make_article("Plain", category="Sport", tags=("football",))
    make_article("Draft", category="Secret", tags=("embargoed",), status=ArticleStatus.DRAFT)
    make_article("Scheduled", category="Later", published_at=now_utc() + timedelta(hours=1))
    deleted = make_article("Deleted")
    db.session.delete(deleted)
    db.session.commit()
    urls = sitemap_urls(client.get("/sitemap.xml"))
    assert urls == {
        SITE + "/": None, SITE + "/categories/politics": None, SITE + "/categories/sport": None,
        SITE + "/tags/football": None, SITE + "/tags/housing": None,
        SITE + "/articles/edited": lastmod_of(edited), SITE + "/articles/plain": lastmod_of(plain),
    }
    assert urls[SITE + "/articles/edited"] == "2026-03-10T11:00:00+00:00"  # the edit, not the publication


def test_a_sitemap_past_its_limit_becomes_an_index_of_files_that_cover_everything_once(
        app, client, make_article, frozen_clock):
    for number in range(11):
        make_article(f"Story {number:02d}", category=("Politics", "Sport")[number % 2], age=timedelta(hours=number + 1))
    whole = sitemap_urls(client.get("/sitemap.xml"))
    assert len(whole) == 14  # home, 2 categories, 11 articles
    app.config["SITEMAP_MAX_URLS"] = 5
    index = xml_of(client.get("/sitemap.xml"))
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    files = [loc.text for loc in index.findall("s:sitemap/s:loc", NS)]
    assert files == [f"{SITE}/sitemap-{n}.xml" for n in (1, 2, 3)]
    parts = [sitemap_urls(client.get(file.removeprefix(SITE))) for file in files]
    assert [len(part) for part in parts] == [5, 5, 4]
    merged = {url: lastmod for part in parts for url, lastmod in part.items()}
    assert merged == whole
    for number in (0, 4, 99):
        assert client.get(f"/sitemap-{number}.xml").status_code == 404
    app.config["SITEMAP_MAX_URLS"] = 50_000
    assert client.get("/sitemap-1.xml").status_code == 404  # one file holds it all again


def test_a_new_article_joins_the_last_file_and_leaves_the_earlier_ones_as_they_were(
        app, client, make_article, frozen_clock):
    for number in range(8):
        make_article(f"Story {number}", age=timedelta(hours=number + 1))
    app.config["SITEMAP_MAX_URLS"] = 5
    earlier = [client.get(f"/sitemap-{n}.xml").get_data() for n in (1, 2)]  # home, a category, 8 articles
    assert client.get("/sitemap-3.xml").status_code == 404
    make_article("Newest")
    assert [client.get(f"/sitemap-{n}.xml").get_data() for n in (1, 2)] == earlier
    assert sitemap_urls(client.get("/sitemap-3.xml")) == {SITE + "/articles/newest": "2026-03-10T11:00:00+00:00"}


def test_the_sitemap_reads_addresses_and_dates_only_in_a_fixed_number_of_queries(
        client, make_article, count_queries):
    def statements() -> list[str]:
        with count_queries() as queries:
            assert client.get("/sitemap.xml").status_code == 200
        return queries

    make_article("One", tags=("housing",))
    few = statements()
    for number in range(20):
        make_article(f"Story {number}", category=f"Section {number % 4}", tags=(f"tag {number}",))
    many = statements()
    # Categories in use, tags in use, the newsroom's published pages, the article count, the articles' addresses
    # and dates.
    assert len(few) == len(many) == 5, many
    assert not any("body_html" in statement for statement in many)


def add_published(count: int, start: datetime, step: timedelta) -> None:
    """Insert `count` published articles at once, the first at `start`, each `step` older."""
    category = Category.get_or_create("Politics")
    db.session.commit()
    db.session.execute(db.insert(Article), [
        {"slug": f"bulk-{n}", "title": f"Bulk {n}", "category_id": category.id, "status": ArticleStatus.PUBLISHED,
         "published_at": start - n * step, "created_at": start, "updated_at": start - n * step} for n in range(count)])
    db.session.commit()


def news_entries(response) -> list[dict]:
    """The news sitemap's entries as dicts of their fields."""
    root = xml_of(response)
    entries = []
    for url in root.findall("s:url", NS):
        news = url.find("news:news", NS)
        entries.append({
            "loc": url.findtext("s:loc", namespaces=NS),
            "name": news.findtext("news:publication/news:name", namespaces=NS),
            "language": news.findtext("news:publication/news:language", namespaces=NS),
            "date": news.findtext("news:publication_date", namespaces=NS),
            "title": news.findtext("news:title", namespaces=NS),
        })
    return entries


def test_the_news_sitemap_holds_the_last_48_hours_with_publication_and_title(client, make_article, frozen_clock):
    fresh = make_article("Fresh & <new>", age=timedelta(hours=2))
    make_article("Two days and a minute", age=timedelta(hours=48, minutes=1))
    make_article("Draft", status=ArticleStatus.DRAFT)
    make_article("Scheduled", published_at=now_utc() + timedelta(minutes=5))
    entries = news_entries(client.get("/sitemap-news.xml"))
    assert entries == [{"loc": SITE + "/articles/fresh-new", "name": "The Valley Ledger", "language": "en",
                        "date": fresh.published_at.isoformat(timespec="seconds"), "title": "Fresh & <new>"}]
    frozen_clock.shift(timedelta(minutes=5))
    assert [entry["title"] for entry in news_entries(client.get("/sitemap-news.xml"))] == ["Scheduled", "Fresh & <new>"]


def test_the_news_sitemap_stops_at_a_thousand_newest(client, frozen_clock):
    add_published(1005, now_utc() - timedelta(minutes=1), timedelta(seconds=30))
    entries = news_entries(client.get("/sitemap-news.xml"))
    assert len(entries) == 1000
    assert entries[0]["loc"] == SITE + "/articles/bulk-0" and entries[-1]["loc"] == SITE + "/articles/bulk-999"


def test_the_news_sitemap_names_the_language_as_news_search_reads_it(app, client, make_article):
    make_article("Notícia")
    app.config["SITE_LANGUAGE"] = "pt-BR"
    assert news_entries(client.get("/sitemap-news.xml"))[0]["language"] == "pt"


def test_robots_names_both_sitemaps_and_keeps_crawlers_out_of_the_newsroom_and_search(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == (
        "User-agent: *\nDisallow: /admin/\nDisallow: /search\n\n"
        f"Sitemap: {SITE}/sitemap.xml\nSitemap: {SITE}/sitemap-news.xml\n")


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemap-news.xml"])
def test_sitemap_article_queries_read_an_index(client, make_article, path):
    from sqlalchemy import event

    if db.engine.dialect.name != "sqlite":
        pytest.skip("reads SQLite's query plan")
    for number in range(5):
        make_article(f"Story {number}")
    captured = []

    def capture(conn, cursor, statement, parameters, *args):
        if "FROM articles" in statement and "LIMIT" in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    client.get(path)
    event.remove(db.engine, "before_cursor_execute", capture)
    statement, parameters = captured[0]
    with db.engine.connect() as connection:
        plan = " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
    assert "USING INDEX ix_articles_listing" in plan and "TEMP B-TREE" not in plan, plan
