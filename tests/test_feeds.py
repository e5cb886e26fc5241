"""Atom feeds: what each entry says, checked against the database, what never appears, and conditional requests."""

from __future__ import annotations

import calendar
import re
from datetime import timedelta
from html.parser import HTMLParser

import feedparser
import pytest

from content.text import now_utc
from models import Article, ArticleStatus, db
from tests.conftest import csrf_token_of
from tests.test_admin import submit

SITE = "http://127.0.0.1:5000"


def parsed(response) -> feedparser.FeedParserDict:
    """A feed response read by feedparser, which must find nothing malformed in it."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def stored(article_id: int) -> Article:
    """The article as the database holds it now."""
    db.session.expire_all()
    return db.session.get(Article, article_id)


def timestamp(moment) -> int:
    """Seconds since the epoch, as feedparser's time tuples give them."""
    return int(moment.timestamp())


def entry_ids(response) -> list[str]:
    """The ids of a feed's entries, in order."""
    return [entry.id for entry in parsed(response).entries]


def id_of(article: Article) -> str:
    """The permanent entry id an article has in every feed."""
    return f"tag:127.0.0.1,2026:article:{article.id}"


class LinkCollector(HTMLParser):
    """Every href and src in an HTML fragment."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("href", "src")]


def urls_in(html: str) -> list[str]:
    """The addresses an HTML fragment links to or shows."""
    collector = LinkCollector()
    collector.feed(html)
    return collector.urls


def test_the_site_feed_holds_the_twenty_newest_published_articles_as_the_database_has_them(
        client, make_article, frozen_clock):
    for number in range(22):
        make_article(f"Story {number:02d}", age=timedelta(hours=number + 1), category=("Politics", "Sport")[number % 2],
                     tags=("housing", "city council") if number % 3 == 0 else (), summary=f"Summary {number}.",
                     body=f"Paragraph **{number}** of the news.")
    feed = parsed(client.get("/feed.xml"))
    newest = db.session.execute(db.select(Article).order_by(Article.published_at.desc()).limit(20)).scalars().all()
    assert [entry.id for entry in feed.entries] == [id_of(article) for article in newest]
    assert feed.feed.title == "The Valley Ledger" and feed.feed.id == "tag:127.0.0.1,2026:feed"
    assert feed.feed.link == SITE + "/" and feed.feed.language == "en"
    assert calendar.timegm(feed.feed.updated_parsed) == timestamp(newest[0].last_changed_at)
    for entry, article in zip(feed.entries, newest, strict=True):
        assert entry.title == article.title
        assert entry.link == f"{SITE}/articles/{article.slug}"
        assert entry.author == "The Valley Ledger"
        assert calendar.timegm(entry.published_parsed) == timestamp(article.published_at)
        assert calendar.timegm(entry.updated_parsed) == timestamp(article.updated_at)
        assert entry.summary == article.summary
        assert entry.content[0].type == "text/html" and entry.content[0].value == article.body_html.strip()
        terms = [(tag.term, tag.scheme, tag.label) for tag in entry.tags]
        assert terms == [(article.category.slug, SITE + "/categories/", article.category.name)] + [
            (tag.slug, SITE + "/tags/", tag.name) for tag in article.tags]


def test_an_entry_without_a_summary_carries_the_excerpt(client, make_article):
    make_article("No summary", body="The first words of the body are the excerpt.")
    assert parsed(client.get("/feed.xml")).entries[0].summary == "The first words of the body are the excerpt."


def test_drafts_scheduled_and_deleted_articles_never_appear(client, make_article, frozen_clock):
    live = make_article("Live", tags=("housing",))
    draft = make_article("Draft", tags=("housing",), status=ArticleStatus.DRAFT)
    scheduled = make_article("Scheduled", tags=("housing",), published_at=now_utc() + timedelta(hours=1))
    deleted = make_article("Deleted", tags=("housing",))
    db.session.delete(deleted)
    db.session.commit()
    for path in ("/feed.xml", "/categories/politics/feed.xml", "/tags/housing/feed.xml"):
        feed = parsed(client.get(path))
        assert [entry.title for entry in feed.entries] == ["Live"], path
        assert [entry.id for entry in feed.entries] == [id_of(live)]
        body = client.get(path).get_data(as_text=True)
        assert "Draft" not in body and "Scheduled" not in body and "Deleted" not in body
        assert f":article:{draft.id}<" not in body and f":article:{scheduled.id}<" not in body
    frozen_clock.shift(timedelta(hours=1, seconds=1))
    assert [entry.title for entry in parsed(client.get("/feed.xml")).entries] == ["Scheduled", "Live"]


def test_category_and_tag_feeds_hold_only_their_articles(client, make_article, frozen_clock):
    make_article("Vote", category="Politics", tags=("housing",), age=timedelta(hours=2))
    make_article("Match", category="Sport", tags=("football",), age=timedelta(hours=1))
    make_article("Homes", category="Business", tags=("housing",))
    politics = parsed(client.get("/categories/politics/feed.xml"))
    assert [entry.title for entry in politics.entries] == ["Vote"]
    assert politics.feed.title == "Politics · The Valley Ledger" and politics.feed.link == SITE + "/categories/politics"
    housing = parsed(client.get("/tags/housing/feed.xml"))
    assert [entry.title for entry in housing.entries] == ["Homes", "Vote"]
    assert housing.feed.link == SITE + "/tags/housing"


def test_a_section_feed_is_a_404_until_something_in_it_is_published(client, make_article):
    make_article("Merger", category="Secret Merger", tags=("embargoed",), status=ArticleStatus.DRAFT)
    for path in ("/categories/secret-merger/feed.xml", "/tags/embargoed/feed.xml", "/categories/nowhere/feed.xml",
                 "/tags/nothing/feed.xml"):
        response = client.get(path)
        assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True), path


def test_a_renamed_category_s_feed_answers_301_at_its_old_address(client, make_article):
    make_article("Vote", category="Politics")
    db.session.execute(db.select(Article)).scalar_one().category.rename("Government")
    db.session.commit()
    response = client.get("/categories/politics/feed.xml")
    assert response.status_code == 301 and response.headers["Location"] == "/categories/government/feed.xml"


@pytest.mark.parametrize(("asked", "answer"), [
    ("/categories/Politics/feed.xml", "/categories/politics/feed.xml"),
    ("/tags/Housing/feed.xml", "/tags/housing/feed.xml"),
    ("/authors/Morag-Keane/feed.xml", "/authors/morag-keane/feed.xml"),
])
def test_a_feed_asked_in_capitals_answers_301_as_its_page_does(client, make_article, make_person, asked, answer):
    author = make_person("morag", display_name="Morag Keane")
    make_article("Vote", category="Politics", tags=("housing",), authors=(author,))
    page = client.get(asked.removesuffix("/feed.xml"))
    feed = client.get(asked)
    assert page.status_code == feed.status_code == 301
    assert feed.headers["Location"] == answer and page.headers["Location"] == answer.removesuffix("/feed.xml")
    assert client.get(answer).status_code == 200


def test_a_feed_of_a_slug_nothing_ever_had_is_a_404(client, make_article):
    make_article("Vote", category="Politics")
    assert client.get("/categories/nothing-here/feed.xml").status_code == 404


def test_links_and_pictures_in_the_body_are_absolute(client, make_article):
    make_article("Linked", body="See [the other story](/articles/other?a=1&b=2), [the top](#top), "
                                "[mail](mailto:desk@example.org), [elsewhere](https://example.org/x) and "
                                "![a map](/static/map.png).")
    content = parsed(client.get("/feed.xml")).entries[0].content[0].value
    assert urls_in(content) == [SITE + "/articles/other?a=1&b=2", SITE + "/articles/linked#top",
                                "mailto:desk@example.org", "https://example.org/x", SITE + "/static/map.png"]


def test_an_entry_keeps_its_id_when_the_article_is_renamed(frozen_clock, client, admin_client):
    submit(admin_client, "/admin/articles/new", title="First headline")
    first = entry_ids(client.get("/feed.xml"))
    article = db.session.execute(db.select(Article)).scalar_one()
    submit(admin_client, f"/admin/articles/{article.id}/edit", title="A better headline", slug="a-better-headline")
    feed = parsed(client.get("/feed.xml"))
    assert [entry.id for entry in feed.entries] == first == [id_of(article)]
    assert feed.entries[0].link == SITE + "/articles/a-better-headline"


def test_reads_never_move_updated_and_an_edit_does(frozen_clock, client, admin_client):
    submit(admin_client, "/admin/articles/new", title="Bridge reopens", summary="It is open.")
    article = db.session.execute(db.select(Article)).scalar_one()
    frozen_clock.shift(timedelta(hours=1))
    client.get(f"/reads/{article.id}")  # the page's script counts the read
    assert stored(article.id).reads == 1
    entry = parsed(client.get("/feed.xml")).entries[0]
    assert calendar.timegm(entry.updated_parsed) == timestamp(article.published_at)
    submit(admin_client, f"/admin/articles/{article.id}/edit", title="Bridge reopens", summary="It is open again.")
    entry = parsed(client.get("/feed.xml")).entries[0]
    assert calendar.timegm(entry.updated_parsed) == timestamp(now_utc()) == timestamp(stored(article.id).updated_at)
    assert entry.summary == "It is open again."


def test_titles_with_markup_characters_and_emoji_survive_the_feed(client, make_article):
    title = 'He said "stop" </script><!-- & 🚀 <b>'
    make_article(title, summary="Quotes \" & <tags>", tags=("a&b <c>",))
    entry = parsed(client.get("/feed.xml")).entries[0]
    assert entry.title == title and entry.summary == "Quotes \" & <tags>"
    assert [tag.label for tag in entry.tags][1:] == ["a&b <c>"]


# --- Conditional requests ------------------------------------------------------------------------


def revalidate(client, path: str, etag: str) -> int:
    """The status a feed reader holding `etag` gets."""
    return client.get(path, headers={"If-None-Match": etag}).status_code


def test_an_unchanged_feed_answers_304_with_no_body(client, make_article):
    make_article("Steady")
    first = client.get("/feed.xml")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get("/feed.xml", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag and again.headers["Cache-Control"] == "public, max-age=300"
    since = client.get("/feed.xml", headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304 and since.get_data() == b""
    earlier = client.get("/feed.xml", headers={"If-Modified-Since": "Mon, 09 Mar 2020 00:00:00 GMT"})
    assert earlier.status_code == 200 and b"Steady" in earlier.get_data()
    other = client.get("/feed.xml", headers={"If-None-Match": '"something-else"', "If-Modified-Since": last_modified})
    assert other.status_code == 200, "If-None-Match decides alone when it is sent"


def test_last_modified_is_the_newest_change_in_the_feed(client, make_article, frozen_clock):
    make_article("Older", age=timedelta(hours=3))
    make_article("Newer", age=timedelta(hours=1))
    assert client.get("/feed.xml").headers["Last-Modified"] == "Tue, 10 Mar 2026 11:00:00 GMT"


def test_the_validator_changes_on_publish_edit_unpublish_and_delete(frozen_clock, client, admin_client, make_article):
    for number in range(3):
        make_article(f"Earlier {number}", age=timedelta(days=number + 1))
    path = "/feed.xml"
    etag = client.get(path).headers["ETag"]

    def changed() -> str:
        """Assert that a reader holding the last ETag gets the new feed; return the new ETag."""
        nonlocal etag
        response = client.get(path, headers={"If-None-Match": etag})
        assert response.status_code == 200 and response.headers["ETag"] != etag
        etag = response.headers["ETag"]
        assert revalidate(client, path, etag) == 304
        return etag

    frozen_clock.shift(timedelta(minutes=5))
    submit(admin_client, "/admin/articles/new", title="Fresh news")
    changed()
    fresh = db.session.execute(db.select(Article).filter_by(slug="fresh-news")).scalar_one()
    frozen_clock.shift(timedelta(minutes=5))
    submit(admin_client, f"/admin/articles/{fresh.id}/edit", title="Fresh news", body="A corrected paragraph.")
    changed()
    token = csrf_token_of(admin_client.get(f"/admin/articles/{fresh.id}/edit"))
    admin_client.post(f"/admin/articles/{fresh.id}/unpublish", data={"csrf_token": token})
    changed()
    # Deleting an article that is not the newest leaves max(updated_at) where it was: the ETag still moves.
    oldest = db.session.execute(db.select(Article).filter_by(slug="earlier-2")).scalar_one()
    newest_change = client.get(path).headers["Last-Modified"]
    confirm = admin_client.get(f"/admin/articles/{oldest.id}/delete")
    admin_client.post(f"/admin/articles/{oldest.id}/delete", data={"csrf_token": csrf_token_of(confirm)})
    changed()
    assert client.get(path).headers["Last-Modified"] == newest_change
    assert "Earlier 2" not in client.get(path).get_data(as_text=True)


def test_a_scheduled_article_going_live_changes_both_validators(client, make_article, frozen_clock):
    make_article("Live", age=timedelta(hours=1))
    make_article("Scheduled", published_at=now_utc() + timedelta(hours=1))
    first = client.get("/feed.xml")
    frozen_clock.shift(timedelta(hours=1, minutes=1))
    response = client.get("/feed.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert response.status_code == 200 and "Scheduled" in response.get_data(as_text=True)
    assert client.get("/feed.xml", headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 200


# --- Scale ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/feed.xml", "/categories/politics/feed.xml", "/tags/housing/feed.xml"])
def test_a_feed_costs_the_same_queries_for_three_entries_or_twenty(client, make_article, count_queries, path):
    def queries() -> list[str]:
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return statements

    for number in range(3):
        make_article(f"First {number}", tags=("housing", f"tag {number}"))
    few = queries()
    for number in range(30):
        make_article(f"More {number}", tags=("housing", f"more {number}", f"other {number}"))
    many = queries()
    # The section (for a section feed), the entries with their category, then all their tags and all
    # their bylines at once.
    assert len(few) == len(many) == (3 if path == "/feed.xml" else 4), many
    assert not any(re.search(r"WHERE (articles|categories)\.id = \?", statement) for statement in many)


def test_an_empty_site_has_a_valid_empty_feed_that_holds_still(client, frozen_clock):
    first = client.get("/feed.xml")
    assert parsed(first).entries == [] and "Last-Modified" not in first.headers
    frozen_clock.shift(timedelta(hours=5))
    assert revalidate(client, "/feed.xml", first.headers["ETag"]) == 304


def test_renaming_a_category_or_retagging_changes_the_etag(frozen_clock, client, admin_client):
    submit(admin_client, "/admin/articles/new", title="Vote", tags="housing")
    article = db.session.execute(db.select(Article)).scalar_one()
    etag = client.get("/feed.xml").headers["ETag"]
    submit(admin_client, f"/admin/articles/{article.id}/edit", title="Vote", tags="housing, budget")
    retagged = client.get("/feed.xml", headers={"If-None-Match": etag})
    assert retagged.status_code == 200 and "budget" in [tag.term for tag in parsed(retagged).entries[0].tags]
    assert stored(article.id).updated_at == article.updated_at  # no content change, yet a new document
    etag = retagged.headers["ETag"]
    stored(article.id).category.rename("Government")
    db.session.commit()
    renamed = client.get("/feed.xml", headers={"If-None-Match": etag})
    assert renamed.status_code == 200 and parsed(renamed).entries[0].tags[0].label == "Government"


def test_a_304_is_answered_before_any_body_is_prepared(client, make_article, monkeypatch):
    make_article("Steady")
    etag = client.get("/feed.xml").headers["ETag"]

    def refuse(*args):
        raise AssertionError("a body was prepared for a 304")

    monkeypatch.setattr("readers.feeds.article_html_with_absolute_urls", refuse)
    assert revalidate(client, "/feed.xml", etag) == 304


# --- Bylines in feeds --------------------------------------------------------------------------------


def test_entries_name_their_authors_and_each_author_has_a_feed(client, make_article, make_person, count_queries):
    ada = make_person("ada", display_name="Ada Lovelace")
    grace = make_person("grace", display_name="Grace Hopper")
    make_article("Engines", authors=(ada, grace))
    make_article("Compilers", authors=(grace,))
    make_article("Unsigned")
    entries = {entry.title: entry for entry in parsed(client.get("/feed.xml")).entries}
    assert [(a.name, a.href) for a in entries["Engines"].authors] == [
        ("Ada Lovelace", f"{SITE}/authors/ada-lovelace"), ("Grace Hopper", f"{SITE}/authors/grace-hopper")]
    assert [a.name for a in entries["Unsigned"].authors] == ["The Valley Ledger"]  # the site, until it has a byline
    with count_queries() as queries:
        feed = parsed(client.get("/authors/grace-hopper/feed.xml"))
    assert [entry.title for entry in feed.entries] == ["Compilers", "Engines"]
    assert feed.feed.title == "Grace Hopper · The Valley Ledger" and not feed.bozo
    assert len(queries) <= 5, queries  # the author, the entries, their tags and bylines: none per entry
    assert client.get("/authors/nobody/feed.xml").status_code == 404
    page = client.get("/authors/grace-hopper").get_data(as_text=True)
    assert f'href="{SITE}/authors/grace-hopper/feed.xml"' in page


def test_an_authors_feed_is_unknown_until_something_of_theirs_is_published(client, make_article, make_person):
    ada = make_person("ada", display_name="Ada Lovelace")
    make_article("Draft", authors=(ada,), status=ArticleStatus.DRAFT)
    assert client.get("/authors/ada-lovelace/feed.xml").status_code == 404
