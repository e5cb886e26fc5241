"""Search: what it finds and in which order, what a result shows, the index following every change, hostile input."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import text

from content.text import now_utc
from models import Article, ArticleStatus, Category, Tag, db
from services import search
from tests.conftest import csrf_token_of
from tests.test_admin import submit
from tests.test_reader import text_of


def result_titles(response) -> list[str]:
    """The titles of the results on a search page, in order."""
    html = response.get_data(as_text=True)
    return [unescape(t) for t in re.findall(r'<h2 class="item-title"><a [^>]*>(.*?)</a>', html)]


def snippets(response) -> list[str]:
    """The raw HTML of each result's snippet."""
    return re.findall(r'<p class="snippet">(.*?)</p>', response.get_data(as_text=True), flags=re.S)


def titles_for(client, query: str) -> list[str]:
    """The result titles a reader gets for a query."""
    return result_titles(client.get("/search", query_string={"q": query}))


# --- Finding and ranking ------------------------------------------------------------------------------------


def test_only_published_articles_are_found_and_a_scheduled_one_when_its_time_comes(client, make_article, frozen_clock):
    make_article("Harbour reopens", body="The harbour reopened.")
    make_article("Harbour draft", body="Harbour plans.", status=ArticleStatus.DRAFT)
    make_article("Harbour tomorrow", body="Harbour news.", age=timedelta(hours=-2))
    assert titles_for(client, "harbour") == ["Harbour reopens"]
    frozen_clock.shift(timedelta(hours=3))
    assert sorted(titles_for(client, "harbour")) == ["Harbour reopens", "Harbour tomorrow"]


def test_the_title_weighs_more_than_the_summary_and_the_summary_more_than_the_body(client, make_article):
    make_article("In the body", body="Long text about other things. The ferry is late. More words here.")
    make_article("In the summary", summary="A ferry story", body="Nothing of note here.")
    make_article("Ferry in the title", body="Nothing of note here either.")
    make_article("Unrelated", body="Buses only.")
    assert titles_for(client, "ferry") == ["Ferry in the title", "In the summary", "In the body"]


def test_tags_are_searched_and_weigh_like_the_body(client, make_article):
    make_article("Tagged", tags=("lighthouse",), body="Plain words.")
    assert titles_for(client, "lighthouse") == ["Tagged"]


def test_word_forms_match_every_word_is_needed_and_the_last_word_is_a_prefix(client, make_article):
    make_article("Election night", body="The election count went on until dawn.")
    make_article("Harbour works", body="Dredging the harbour began.")
    assert titles_for(client, "elections") == ["Election night"]  # porter: elections ~ election
    assert titles_for(client, "harb") == ["Harbour works"]  # the last word as a prefix
    assert titles_for(client, "harb dredging") == []  # an earlier word is a whole word
    assert titles_for(client, "dredging harb") == ["Harbour works"]
    assert titles_for(client, "election harbour") == []  # every word is needed


def test_a_result_shows_category_relative_date_title_and_a_marked_snippet(client, make_article, frozen_clock):
    make_article("Budget vote", category="Politics", age=timedelta(days=3),
                 body="Councillors met on Monday. The budget passed by nine votes to four after a long debate.")
    response = client.get("/search?q=budget")
    page = text_of(response)
    assert "Politics" in page and "3 days ago" in page and "Budget vote" in page
    [snippet] = snippets(response)
    assert "<mark>budget</mark> passed by nine votes to four" in snippet and snippet.count("<mark>") == 1
    html = response.get_data(as_text=True)
    assert 'href="/articles/budget-vote"' in html and 'href="/categories/politics"' in html


def test_a_snippet_is_escaped_before_it_is_marked(client, make_article):
    make_article("Markup", body="Someone typed <script>alert(1)</script> and <b>bold</b> near the quay, "
                                "fish & chips <3, and \ue000private\ue001 markers.")
    response = client.get("/search?q=quay")
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold" not in html
    [snippet] = snippets(response)
    assert "<mark>quay</mark>" in snippet
    # Tag-shaped runs are never indexed, on either engine; what remains is escaped, then marked.
    assert "alert(1)" in snippet and "fish &amp; chips &lt;3" in snippet
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    assert snippet.count("<mark>") == 1 and "\ue000" not in html  # a pasted marker is no mark


def test_results_page_by_twenty_up_to_ten_pages(client, make_article):
    for number in range(45):
        make_article(f"Ferry story {number}", body="The ferry ran.", age=timedelta(minutes=number + 1))
    first = client.get("/search?q=ferry")
    assert len(result_titles(first)) == 20
    more = re.search(r'<a rel="next"[^>]*href="([^"]+)"', first.get_data(as_text=True)).group(1)
    assert unescape(more) == "/search?q=ferry&page=2"
    third = client.get("/search?q=ferry&page=3")
    assert len(result_titles(third)) == 5 and 'rel="next"' not in third.get_data(as_text=True)
    assert "page 3" in text_of(third) and "Results 41–45" in text_of(third)
    seen = result_titles(first) + result_titles(client.get("/search?q=ferry&page=2")) + result_titles(third)
    assert len(set(seen)) == 45
    for past in ("4", "11", "0", "-1", "x", "99999", "２"):
        assert client.get(f"/search?q=ferry&page={past}").status_code == 404


def test_the_tenth_page_is_the_last(client, app):
    category = Category.get_or_create("Local")
    for number in range(205):
        when = now_utc() - timedelta(minutes=number + 1)
        article = Article(title=f"Quay {number}", slug=f"quay-{number}", category=category,
                          status=ArticleStatus.PUBLISHED, published_at=when, created_at=when)
        article.set_body("The quay.")
        db.session.add(article)
    db.session.commit()
    tenth = client.get("/search?q=quay&page=10")
    assert len(result_titles(tenth)) == 20 and 'rel="next"' not in tenth.get_data(as_text=True)
    assert client.get("/search?q=quay&page=11").status_code == 404


def test_the_search_page_is_noindex_and_costs_three_queries(client, make_article, count_queries):
    make_article("Quay works", tags=("a", "b"))
    with count_queries() as queries:
        response = client.get("/search?q=quay")
    assert result_titles(response) == ["Quay works"]
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)
    assert response.headers["X-Robots-Tag"] == "noindex"
    # The header menu's categories, the footer's pages, the results with their categories.
    assert len(queries) == 3, queries


def test_every_page_has_a_labelled_search_box_in_a_search_landmark_that_needs_no_script(client, make_article):
    make_article("Quay works")
    for path in ("/", "/articles/quay-works", "/tags", "/search?q=x"):
        html = client.get(path).get_data(as_text=True)
        header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
        box = re.search(r"<search[^>]*>(.*?)</search>", header, flags=re.S).group(1)
        assert re.search(r'<form action="/search" method="get">', box)
        assert '<label for="site-search-q">Search</label>' in box
        assert '<input type="search" id="site-search-q" name="q"' in box and '<button type="submit">' in box


# --- Whatever is typed is a search ----------------------------------------------------------------------------

HOSTILE = ["", "   ", '"', '""', "*", "-", "^", ":", "NEAR(", "NEAR(a b", "AND OR NOT", "a AND", "OR", "title:x",
           "title:harbour", "body:", "'; DROP TABLE articles; --", "1' OR '1'='1", "%", "_", "\\", "%_\\",
           "harbour*", "{harbour}", "(harbour", "harbour)", "+harbour", "😀", "🏳️‍🌈 harbour", "مرفأ الميناء",
           "עיר", "\u202eharbour", "harbour\x00", "\x00", "\x01\x02\x1f\x7f", "tab\there", "東京", "ハーバー",
           "a" * 1000, "harbour " * 150, "'", "''", "&amp;", "<script>alert(1)</script>", "::", "a:*", "!harbour",
           "harbour & council", "harbour | council", "harbour <-> council", "\ue000harbour\ue001"]


@pytest.mark.parametrize("typed", HOSTILE)
def test_whatever_is_typed_is_a_search_never_an_error(client, make_article, typed):
    make_article("Harbour reopens", body="The harbour reopened after the council vote.")
    response = client.get("/search", query_string={"q": typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "\x00" not in html
    assert "Results for" in text_of(response) or "Type one or more words" in text_of(response)


def test_syntax_characters_are_words_apart_never_operators(client, make_article):
    make_article("Harbour reopens", body="The harbour reopened after the council vote.")
    assert titles_for(client, "-harbour") == ["Harbour reopens"]  # not "without harbour"
    assert titles_for(client, '"harbour" ^council') == ["Harbour reopens"]
    assert titles_for(client, "harbour OR nowhere") == []  # OR is a word the article lacks
    assert titles_for(client, "title:harbour") == []  # "title" is a word too, not a column
    assert titles_for(client, "NEAR(harbour council)") == []  # "near" is a word here
    assert titles_for(client, "harbour\x00council") == ["Harbour reopens"]


def test_invalid_utf8_in_the_query_string_is_a_search(client, make_article):
    make_article("Harbour reopens", body="The harbour reopened.")
    response = client.get("/search?q=%ff%fe%00harbour%c3")
    assert response.status_code == 200 and result_titles(response) == ["Harbour reopens"]


def test_a_long_query_is_cut_to_two_hundred_characters_with_a_note(client, make_article):
    make_article("Harbour reopens", body="The harbour reopened.")
    response = client.get("/search", query_string={"q": "harbour " + "x" * 992})
    assert "only its first 200 characters were used" in text_of(response)
    shown = re.search(r'id="search-page-q" name="q" value="([^"]*)"', response.get_data(as_text=True)).group(1)
    assert len(unescape(shown)) == 200
    assert "only its first" not in text_of(client.get("/search?q=harbour"))


def test_empty_and_wordless_queries_ask_for_words(client, make_article):
    make_article("Harbour reopens")
    for typed in ("", "  ", "***", "😀"):
        response = client.get("/search", query_string={"q": typed})
        assert "Type one or more words" in text_of(response) and result_titles(response) == []
    assert "Type one or more words" in text_of(client.get("/search"))


def test_reader_words_become_quoted_terms():
    assert search.read_query(' NEAR("a" -b) title:c*  ').words == ["near", "a", "b", "title", "c"]
    assert search.fts5_query(["near", "a", "c"]) == '"near" "a" "c"*'
    assert search.tsquery_text(["it's", "c"]) == "'it''s' & 'c':*"
    assert search.read_query("x" * 1000).shortened and len(search.read_query("x" * 1000).shown) == 200


# --- The index follows every change, in the same transaction -----------------------------------------------


def test_the_index_follows_create_edit_unpublish_and_delete_through_the_newsroom(admin_client, client):
    submit(admin_client, "/admin/articles/new", title="Trade office approved", body="The quay office opens.")
    article = db.session.execute(db.select(Article)).scalar_one()
    assert titles_for(client, "quay") == ["Trade office approved"]
    assert titles_for(client, "council") == ["Trade office approved"]  # a tag: "City Council"
    edit = f"/admin/articles/{article.id}/edit"
    submit(admin_client, edit, title="Ferry office approved", body="The pier office opens.", tags="ferries")
    assert titles_for(client, "quay") == [] and titles_for(client, "trade") == []
    assert titles_for(client, "pier") == ["Ferry office approved"] and titles_for(client, "ferries") == ["Ferry office approved"]
    assert titles_for(client, "council") == []
    token = csrf_token_of(admin_client.get(edit))
    admin_client.post(f"/admin/articles/{article.id}/unpublish", data={"csrf_token": token})
    assert titles_for(client, "pier") == []
    submit(admin_client, edit, title="Ferry office approved", body="The pier office opens.", tags="ferries")
    assert titles_for(client, "pier") == ["Ferry office approved"]
    confirm = admin_client.get(f"/admin/articles/{article.id}/delete")
    admin_client.post(f"/admin/articles/{article.id}/delete", data={"csrf_token": csrf_token_of(confirm)})
    assert titles_for(client, "pier") == [] and indexed_body(article.id) is None


def test_a_tag_rename_and_merge_reach_the_index(client, make_article):
    make_article("Boats", tags=("ferries",))
    make_article("Ships", tags=("shipping",))
    make_article("Both", tags=("ferries", "shipping"))
    Tag.by_slug("ferries").rename("vessels")
    db.session.commit()
    assert titles_for(client, "ferries") == [] and sorted(titles_for(client, "vessels")) == ["Boats", "Both"]
    Tag.by_slug("vessels").merge_into(Tag.by_slug("shipping"))
    db.session.commit()
    assert titles_for(client, "vessels") == []
    assert sorted(titles_for(client, "shipping")) == ["Boats", "Both", "Ships"]


def test_a_category_rename_and_merge_show_in_results(client, make_article):
    make_article("Quay works", category="Local")
    make_article("Other", category="Regional")
    Category.by_slug("local").rename("Town")
    db.session.commit()
    assert "Town" in text_of(client.get("/search?q=quay"))
    Category.by_slug("town").merge_into(Category.by_slug("regional"))
    db.session.commit()
    page = text_of(client.get("/search?q=quay"))
    assert "Regional" in page and "Town" not in page and result_titles(client.get("/search?q=quay")) == ["Quay works"]


def test_an_edit_rolled_back_leaves_the_index_as_it_was(client, make_article):
    article = make_article("Quay works", body="The quay.")
    article.title = "Pier works"
    article.set_body("The pier.")
    db.session.flush()
    assert [hit.article.id for hit in search.search(search.read_query("pier")).hits] == [article.id]
    db.session.rollback()
    assert titles_for(client, "pier") == [] and titles_for(client, "quay") == ["Quay works"]


def test_reindex_rebuilds_the_index_with_a_progress_bar(client, runner, make_article):
    make_article("Quay works", body="The quay.", tags=("docks",))
    make_article("Pier works", body="The pier.")
    wipe_index()
    assert titles_for(client, "quay") == []
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0 and "Indexing articles" in result.output and "Indexed 2 articles." in result.output
    assert titles_for(client, "quay") == ["Quay works"] and titles_for(client, "docks") == ["Quay works"]


def test_the_index_holds_every_word_of_the_body_never_html(make_article):
    article = make_article("Quay", body="## A heading\n\nSome **bold** words and a [link](https://example.com/x).\n\n"
                                        "- an item\n\n> a quote\non two lines\n\nA <span class=\"x\">tag</span>.")
    assert indexed_body(article.id) == ("A heading Some bold words and a link. an item a quote on two lines A tag .")


def test_words_only_in_subheadings_list_items_and_quotes_are_found(client, make_article):
    make_article("Headed", body="Opening words.\n\n## The lighthouse keeper\n\nMore words.")
    make_article("Listed", body="Opening words.\n\n- ferries\n- buses\n   - a nested trawler")
    make_article("Quoted", body="Opening words.\n\n> The quay was *quiet*, said a dockhand.")
    assert titles_for(client, "lighthouse") == ["Headed"]
    assert titles_for(client, "ferries") == ["Listed"] and titles_for(client, "trawler") == ["Listed"]
    assert titles_for(client, "dockhand") == ["Quoted"] and titles_for(client, "quiet") == ["Quoted"]
    assert len(titles_for(client, "opening")) == 3


def test_html_tags_in_a_body_are_never_words(client, make_article):
    make_article("Tagged body", body='The <span class="warning">quay</span> <!-- note --> reopened.')
    assert titles_for(client, "quay") == ["Tagged body"]
    for word in ("span", "class", "warning", "note"):
        assert titles_for(client, word) == [], word


def test_a_title_with_some_words_outranks_bodies_and_equal_matches_come_newest_first(client, make_article):
    make_article("Newer", body="The budget for the hospital.", age=timedelta(days=1))
    make_article("Older", body="The budget for the hospital.", age=timedelta(days=2))  # a later id, an earlier date
    make_article("Budget day", body="Talk of the hospital.", age=timedelta(days=3))
    make_article("Hospital budget", body="Nothing else.", age=timedelta(days=4))
    assert titles_for(client, "budget hosp") == ["Hospital budget", "Budget day", "Newer", "Older"]


def indexed_body(article_id: int) -> str | None:
    """The body text the index holds for an article (None when it holds none), on either engine."""
    if db.engine.dialect.name == "postgresql":
        query = text("SELECT search_body FROM articles WHERE id = :id")
    else:
        query = text("SELECT body FROM search_index WHERE rowid = :id")
    return db.session.execute(query, {"id": article_id}).scalar_one_or_none()


def wipe_index() -> None:
    """Empty the search index behind the application's back, as a database restored without it would be."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("UPDATE articles SET search_vector = NULL, search_body = NULL"))
    else:
        db.session.execute(text("DELETE FROM search_index"))
    db.session.commit()
