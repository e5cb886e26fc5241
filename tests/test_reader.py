"""The reader's pages: what each shows, in which order, how it pages, and when it is a 404."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from html import unescape
from urllib.parse import unquote

import pytest
from flask import url_for

from content.text import now_utc
from models import Article, ArticleStatus, CommentStatus, Tag, article_tags, db


def text_of(response) -> str:
    """The page's visible text, tags stripped and whitespace folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def article_titles(response) -> list[str]:
    """The titles of a listing's articles, in page order."""
    return [unescape(t) for t in re.findall(r'<h2 class="item-title"><a [^>]*>(.*?)</a>', response.get_data(as_text=True))]


def link(response, rel: str) -> str | None:
    """The href of the pager link with this rel, if the page has one."""
    found = re.search(rf'<a rel="{rel}"[^>]*href="([^"]+)"', response.get_data(as_text=True))
    return unescape(found.group(1)) if found else None


def test_home_lists_newest_first_with_category_time_reads_comments_and_summary(
        client, make_article, make_comment, frozen_clock):
    make_article("Older story", category="Business", age=timedelta(days=3), reads=1, summary="An older summary.")
    newer = make_article("Newer story", category="Politics", age=timedelta(minutes=5), reads=1234,
                         body="First paragraph of the body. " * 20)
    make_comment(newer, "Visible one")
    make_comment(newer, "Hidden one", status=CommentStatus.HIDDEN)
    response = client.get("/")
    assert article_titles(response) == ["Newer story", "Older story"]
    page = text_of(response)
    assert "Newer story Politics 5 minutes ago 1,234 Reads 1 Comment First paragraph of the body." in page
    # Beside the lead a story is its headline; its summary shows in its section's listing.
    assert "Older story Business 3 days ago 1 Read 0 Comments" in page and "An older summary." not in page
    assert "Older story 3 days ago 1 Read 0 Comments An older summary." in text_of(client.get("/categories/business"))
    assert "…" in page  # the long body is cut into an excerpt


def test_drafts_scheduled_and_unknown_articles_are_404_to_readers(client, make_article, frozen_clock):
    make_article("A draft", status=ArticleStatus.DRAFT)
    make_article("Scheduled", published_at=now_utc() + timedelta(hours=2))
    make_article("Live")
    assert article_titles(client.get("/")) == ["Live"]
    for slug in ("a-draft", "scheduled", "no-such-article"):
        response = client.get(f"/articles/{slug}")
        assert response.status_code == 404
        assert "Page not found" in text_of(response)


def test_a_scheduled_article_appears_when_its_time_comes(client, make_article, frozen_clock):
    make_article("Scheduled", published_at=now_utc() + timedelta(hours=2))
    assert client.get("/articles/scheduled").status_code == 404
    frozen_clock.shift(timedelta(hours=2, seconds=1))
    assert article_titles(client.get("/")) == ["Scheduled"]
    assert client.get("/articles/scheduled").status_code == 200


def test_article_page_shows_its_parts_in_order(client, make_article, frozen_clock):
    make_article("Budget passes", category="Politics", tags=("housing", "city council"), reads=12,
                 summary="Rents are frozen for a year.", age=timedelta(weeks=3),
                 body="Opening paragraph.\n\n## What changes\n\n- one\n- two")
    response = client.get("/articles/budget-passes")
    page = text_of(response)
    # Category, headline, standfirst, when (relative and the date itself), reads, tags, then the body.
    # The page holds the count before this read; the page's script counts it and shows 13.
    assert ("Politics Budget passes Rents are frozen for a year. Published 3 weeks ago · 17 February 2026 "
            "12 Reads city council housing Opening paragraph.") in page
    assert "Updated" not in page
    assert page.index("What changes") < page.index("Be the first to comment.")
    html = response.get_data(as_text=True)
    assert html.count("<h1") == 1 and "<h2>What changes</h2>" in html and "<li>two</li>" in html
    assert '<time datetime="2026-02-17T12:00:00+00:00" title="17 February 2026, 12:00 UTC">17 February 2026</time>' in html
    assert '<p class="standfirst">Rents are frozen for a year.</p>' in html
    assert 'href="/tags/city-council"' in html and 'href="/categories/politics"' in html


def test_hover_time_is_in_the_site_timezone(app, client, make_article, frozen_clock):
    app.config["TIMEZONE"] = __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    make_article("Local time", age=timedelta(hours=1))
    assert 'title="10 March 2026, 12:00 CET"' in client.get("/articles/local-time").get_data(as_text=True)


def test_article_shows_visible_comments_oldest_first(client, make_article, make_comment):
    article = make_article("Talked about")
    first = make_comment(article, "First!", name="Ann")
    make_comment(article, "Hidden words", status=CommentStatus.HIDDEN)
    make_comment(article, "Second.", name="Bob")
    response = client.get("/articles/talked-about")
    page = text_of(response)
    assert page.index("Ann") < page.index("First!") < page.index("Bob") < page.index("Second.")
    assert "Hidden words" not in page and "Be the first to comment." not in page
    assert f'id="comment-{first.id}"' in response.get_data(as_text=True)


def test_category_and_tag_pages_list_only_their_articles(client, make_article):
    make_article("Vote", category="Politics", tags=("housing",))
    make_article("Match", category="Sport", tags=("football",))
    make_article("Homes", category="Business", tags=("Housing",))
    assert article_titles(client.get("/categories/politics")) == ["Vote"]
    assert article_titles(client.get("/tags/housing")) == ["Homes", "Vote"]
    assert client.get("/categories/nowhere").status_code == 404
    assert client.get("/tags/nothing").status_code == 404


@pytest.mark.parametrize(("typed", "real"), [("/categories/Politics", "/categories/politics"),
                                             ("/tags/HOUSING", "/tags/housing"), ("/articles/Vote", "/articles/vote")])
def test_addresses_typed_in_capitals_redirect_to_the_real_one(client, make_article, typed, real):
    make_article("Vote", category="Politics", tags=("housing",))
    response = client.get(typed)
    assert response.status_code == 301 and response.headers["Location"] == real
    assert client.get(typed.lower() + "-nothing").status_code == 404


def test_sections_with_nothing_published_stay_unknown_to_readers(client, make_article, frozen_clock):
    make_article("Live", category="Politics")
    make_article("Merger", category="Secret Merger", tags=("embargoed",), status=ArticleStatus.DRAFT)
    make_article("Results", category="Embargoed Results", age=-timedelta(days=2))
    page = text_of(client.get("/"))
    assert "Politics" in page and "Secret Merger" not in page and "Embargoed Results" not in page
    for path in ("/categories/secret-merger", "/categories/embargoed-results", "/tags/embargoed"):
        assert client.get(path).status_code == 404, path
    frozen_clock.shift(timedelta(days=2, seconds=1))
    assert "Embargoed Results" in text_of(client.get("/"))
    assert client.get("/categories/embargoed-results").status_code == 200


def test_an_empty_site_shows_an_empty_front_page(client):
    response = client.get("/")
    assert response.status_code == 200 and "Nothing has been published here yet." in text_of(response)


def test_tags_page_counts_published_articles(client, make_article):
    make_article("One", tags=("energy", "housing"))
    make_article("Two", tags=("energy",))
    make_article("Draft", tags=("energy", "secret"), status=ArticleStatus.DRAFT)
    page = text_of(client.get("/tags"))
    assert "energy (2)" in page and "housing (1)" in page and "secret" not in page


def test_listings_page_by_twenty_with_newer_and_older_links(client, make_article, frozen_clock):
    for number in range(45):
        make_article(f"Story {number:02d}", age=timedelta(hours=number + 1))
    first = client.get("/categories/politics")
    assert article_titles(first) == [f"Story {n:02d}" for n in range(20)]
    assert link(first, "prev") is None
    second = client.get(link(first, "next"))
    assert article_titles(second) == [f"Story {n:02d}" for n in range(20, 40)]
    third = client.get(link(second, "next"))
    assert article_titles(third) == [f"Story {n:02d}" for n in range(40, 45)]
    assert link(third, "next") is None
    back = client.get(link(third, "prev"))
    assert article_titles(back) == article_titles(second)
    assert article_titles(client.get(link(back, "prev"))) == article_titles(first)
    assert link(client.get(link(back, "prev")), "prev") is None


@pytest.mark.parametrize("path", ["/", "/categories/politics"])
def test_articles_published_at_the_same_moment_page_without_loss(client, make_article, frozen_clock, path):
    moment = now_utc() - timedelta(hours=1)
    for number in range(30):
        make_article(f"Same time {number:02d}", published_at=moment)
    titles, address = [], path
    while address:
        page = client.get(address)
        titles += article_titles(page)
        address = link(page, "next")
    assert sorted(titles) == [f"Same time {n:02d}" for n in range(30)]


@pytest.mark.parametrize("query", [
    "?before=not-a-cursor", "?after=%%%", "?before=MTox", "?before=OTk5OTk5OTk5OTk5OTk5OTk5OTk5OjE",
    "?before=MTo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",  # id 99999999999999999999999, past 64 bits
    "?before=MToyMTQ3NDgzNjQ4", "?after=MToyMTQ3NDgzNjQ4",  # id 2**31, past PostgreSQL's INTEGER
    "?after=MTo5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "?before=MTow", "?before=wrnxOjE", "?before=" + "A" * 5000,
])
def test_a_cursor_that_does_not_parse_is_a_404(client, make_article, query):
    make_article("Only one")
    response = client.get("/" + query)
    assert response.status_code == 404 and "Page not found" in text_of(response)


def test_a_page_past_the_end_is_a_404(client, make_article):
    make_article("Only one")
    oldest = db.session.execute(db.select(Article)).scalar_one()
    from models import encode_cursor
    assert client.get(f"/?before={encode_cursor(oldest, 2)}").status_code == 404
    assert client.get(f"/categories/politics?after={encode_cursor(oldest, 2)}").status_code == 404


def test_pages_cost_a_fixed_number_of_queries(frozen_clock, client, make_article, make_comment, make_person,
                                             count_queries):
    team = tuple(make_person(f"writer{n}", display_name=f"Writer {n}") for n in range(3))
    for number in range(3):
        article = make_article(f"Busy {number}", tags=tuple(f"tag{n}" for n in range(8)), authors=team)
        for _ in range(5):
            make_comment(article)
    # The page cache reads the site version at most once a second: read it now, and let no second pass.
    client.get("/tags")
    with count_queries() as article_queries:
        client.get("/articles/busy-0")
    with count_queries() as home_queries:
        client.get("/")
    with count_queries() as tag_queries:
        client.get("/tags/tag1")
    with count_queries() as author_queries:
        page = client.get("/authors/writer-1")
    # Article: categories for the nav, the article with its category, its tags, its bylines, its comments,
    # related articles, most read (the read is counted by its own request), the footer's pages.
    assert len(article_queries) == 8, article_queries
    # Listings: the nav, the page of articles, and every byline on it in one more query, the footer's pages;
    # home adds most read, and reads its sections with its top stories. An author's page shows no bylines,
    # so reads none.
    assert len(home_queries) == 5, home_queries
    assert len(tag_queries) == 5, tag_queries
    assert len(author_queries) == 4, author_queries
    assert "By <a" not in page.get_data(as_text=True)
    assert client.get("/tags/tag1").get_data(as_text=True).count("By <a") == 3


def test_error_pages_use_the_site_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'class="site-header"' in html and "Page not found" in html
    response = client.post("/")
    assert response.status_code == 405 and "Method not allowed" in text_of(response)


def test_an_unexpected_error_shows_the_500_page_and_rolls_back(app, client, make_article, monkeypatch):
    make_article("Fine")

    def broken(slug):
        db.session.add(Article(title="half", slug="half", category_id=1))
        raise RuntimeError("database went away")

    monkeypatch.setattr(Article, "published_by_slug", broken)
    app.config["TESTING"] = False  # let the error handler answer instead of pytest re-raising
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/articles/fine")
    assert response.status_code == 500
    assert "Something went wrong" in text_of(response) and "RuntimeError" not in text_of(response)
    assert not db.session.new


def add_archive(count: int) -> None:
    """`count` published articles a-0 (newest) to a-<count-1>, a minute apart, in Politics, tagged housing.

    Enough rows that reading a listing from its index beats reading the table, as on a real site.
    """
    from models import Category

    category, tag = Category.get_or_create("Politics"), Tag.get_or_create_all(["housing"])[0]
    db.session.commit()
    now = now_utc()
    db.session.execute(db.insert(Article), [
        {"slug": f"a-{n}", "title": f"A {n}", "category_id": category.id, "status": ArticleStatus.PUBLISHED,
         "published_at": now - timedelta(minutes=n), "created_at": now, "updated_at": now} for n in range(count)])
    db.session.execute(db.insert(article_tags).from_select(
        ["article_id", "tag_id", "listed_at"], db.select(Article.id, db.literal(tag.id), Article.published_at)))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:  # the statistics autovacuum would gather on a real site
            connection.exec_driver_sql("ANALYZE articles, article_tags, categories, comments")


def plan_nodes(plan: dict) -> list[dict]:
    """Every node of a PostgreSQL JSON plan, depth first."""
    return [plan, *(node for child in plan.get("Plans", []) for node in plan_nodes(child))]


def listing_plan(statement: str, parameters) -> tuple[bool, bool, str]:
    """(reads an ix_article* index, sorts, the plan as text) for a listing's statement on this database."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            plan = " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            indexed = re.search(r"SEARCH (articles|article_tags) USING (COVERING )?INDEX ix_article", plan)
            return bool(indexed), "TEMP B-TREE" in plan, plan
        plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()[0]["Plan"]
        nodes = plan_nodes(plan)
    indexed = any(node.get("Relation Name") in ("articles", "article_tags")
                  and node.get("Index Name", "").startswith("ix_article") for node in nodes)
    sorts = any("Sort" in node["Node Type"] for node in nodes)
    return indexed, sorts, " | ".join(f"{n['Node Type']} {n.get('Index Name', n.get('Relation Name', ''))}" for n in nodes)


@pytest.mark.parametrize("path", ["/", "/categories/politics", "/tags/housing", "/?before={cursor}",
                                  "/categories/politics?before={cursor}", "/tags/housing?before={cursor}"])
def test_listings_read_an_index_in_order_without_sorting(app, client, path):
    from sqlalchemy import event

    from models import encode_cursor

    add_archive(3000)
    cursor = encode_cursor(db.session.execute(db.select(Article).filter_by(slug="a-10")).scalar_one(), 2)
    captured = []

    def capture(conn, cursor_, statement, parameters, *args):
        if "FROM articles" in statement and "LIMIT" in statement and "articles.reads DESC" not in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    client.get(path.format(cursor=cursor))
    event.remove(db.engine, "before_cursor_execute", capture)
    indexed, sorts, plan = listing_plan(*captured[0])
    assert indexed, plan
    assert not sorts, plan


def page_cost(client, path: str) -> int:
    """What serving a page costs the database, counted in work units rather than seconds.

    SQLite: virtual machine steps (hundreds). PostgreSQL: rows each plan node produced or
    filtered out, from EXPLAIN ANALYZE of every SELECT the page ran.
    """
    from sqlalchemy import event

    if db.engine.dialect.name == "sqlite":
        steps = [0]

        def count_steps(conn, cursor, *args):
            cursor.connection.set_progress_handler(lambda: steps.__setitem__(0, steps[0] + 1), 100)

        event.listen(db.engine, "before_cursor_execute", count_steps)
        assert client.get(path).status_code == 200
        event.remove(db.engine, "before_cursor_execute", count_steps)
        return steps[0]
    selects = []

    def capture(conn, cursor, statement, parameters, *args):
        if statement.lstrip().startswith("SELECT"):
            selects.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    assert client.get(path).status_code == 200
    event.remove(db.engine, "before_cursor_execute", capture)
    rows = 0
    with db.engine.connect() as connection:
        for statement, parameters in selects:
            plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters).scalar()
            rows += sum((node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node["Actual Loops"]
                        for node in plan_nodes(plan[0]["Plan"]))
    return rows


def test_a_page_deep_in_the_archive_costs_what_the_first_page_costs(app, client):
    """Counted in database work, not seconds: a keyset page seeks to its place instead of scanning to it."""
    from models import encode_cursor

    add_archive(3000)
    deep = encode_cursor(db.session.execute(db.select(Article).filter_by(slug="a-1500")).scalar_one(), 2)

    for base in ("/", "/categories/politics", "/tags/housing"):
        first, far = page_cost(client, base), page_cost(client, f"{base}?before={deep}")
        assert far < first * 2, (base, first, far)


# --- Addresses in every script ------------------------------------------------------------------------------

TITLES_IN_EVERY_SCRIPT = {
    "東京で会議が開かれた": "東京で会議が開かれた",
    "北京发布暴雨预警": "北京发布暴雨预警",
    "مَدْرَسَةٌ جَدِيدَة في تل أبيب": "مَدْرَسَةٌ-جَدِيدَة-في-تل-أبيب",
    "שָׁלוֹם לְכֻלָּם": "שָׁלוֹם-לְכֻלָּם",
    "दिल्ली में नई सड़क": "दिल्ली-में-नई-सड़क",
    "Η Αθήνα ψηφίζει": "η-αθήνα-ψηφίζει",
    "Москва: новый мост": "москва-новый-мост",
    "Hà Nội mở đường mới": "ha-noi-mo-duong-moi",
    "Council approves £212m budget": "council-approves-212m-budget",
}


@pytest.mark.parametrize(("title", "slug"), TITLES_IN_EVERY_SCRIPT.items())
def test_every_script_keeps_its_words_in_the_address_and_url_for_leads_back(app, client, make_article, title, slug):
    article = make_article(title)
    assert article.slug == slug
    with app.test_request_context():
        url = url_for("reader.article", slug=article.slug)
    assert unquote(url) == f"/articles/{slug}"
    assert title in text_of(client.get(url))
    # The same address decomposed (NFD) or in capitals is sent to the one real address.
    variant = unicodedata.normalize("NFD", slug).upper()
    if variant != slug:
        response = client.get(f"/articles/{variant}")
        assert response.status_code == 301 and unquote(response.headers["Location"]) == f"/articles/{slug}"


def test_a_category_and_a_tag_in_any_script_have_pages_and_links(client, make_article):
    make_article("Tokyo", category="ニュース", tags=("ボート", "株"))
    home = client.get("/").get_data(as_text=True)
    assert 'href="/categories/%E3%83%8B%E3%83%A5%E3%83%BC%E3%82%B9"' in home
    assert article_titles(client.get("/categories/ニュース")) == ["Tokyo"]
    assert article_titles(client.get("/tags/ボート")) == ["Tokyo"] == article_titles(client.get("/tags/株"))
