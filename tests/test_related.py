"""Related articles under an article, and the week's most read on the front and article pages, with their plans."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import event

from models import Article, ArticleStatus, db


def section_titles(response, section: str) -> list[str]:
    """The article titles listed in one section (related or most-read) of a page, in order."""
    html = response.get_data(as_text=True)
    found = re.search(rf'<section class="{section}".*?</section>', html, flags=re.S)
    return [unescape(t) for t in re.findall(r'<li><a href="[^"]+">(.*?)</a>', found.group(0))] if found else []


def explain(statement: str, parameters) -> str:
    """SQLite's plan for a statement, its lines joined by ' | '."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL's costs are measured by bench/search.py")
    with db.engine.connect() as connection:
        return " | ".join(row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))


def captured_statement(client, path: str, marker: str) -> tuple[str, object]:
    """The first statement containing `marker` that a request for `path` ran."""
    captured = []

    def capture(conn, cursor, statement, parameters, *args):
        if marker in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    client.get(path)
    event.remove(db.engine, "before_cursor_execute", capture)
    return captured[0]


# --- Related ------------------------------------------------------------------------------------------------


def test_related_are_ranked_by_shared_tags_then_newer_first(client, make_article):
    make_article("Main", tags=("ferries", "harbour", "budget"), age=timedelta(hours=1))
    make_article("Two shared", tags=("ferries", "harbour"), age=timedelta(days=5))
    make_article("One shared, newer", tags=("budget",), age=timedelta(hours=2))
    make_article("One shared, older", tags=("ferries",), age=timedelta(days=3))
    make_article("Three shared, a draft", tags=("ferries", "harbour", "budget"), status=ArticleStatus.DRAFT)
    make_article("Three shared, scheduled", tags=("ferries", "harbour", "budget"), age=timedelta(hours=-5))
    make_article("Nothing shared", tags=("weather",))
    make_article("Also one shared", tags=("harbour",), age=timedelta(days=9))
    make_article("Yet one more", tags=("harbour",), age=timedelta(days=10))
    response = client.get("/articles/main")
    assert "Related articles" in response.get_data(as_text=True)
    assert section_titles(response, "related") == ["Two shared", "One shared, newer", "One shared, older",
                                                   "Also one shared"]


def test_no_related_section_when_nothing_shares_a_tag(client, make_article):
    make_article("Main", tags=("ferries",))
    make_article("Other", tags=("weather",))
    make_article("Untagged")
    response = client.get("/articles/main")
    assert "Related articles" not in response.get_data(as_text=True)
    assert "Related articles" not in client.get("/articles/untagged").get_data(as_text=True)


def test_candidates_are_the_newest_of_each_tag_only(app, make_article):
    main = make_article("Main", tags=("ferries",))
    make_article("Old but two shared", tags=("ferries", "harbour"), age=timedelta(days=30))
    main.tags = main.tags + [make_article("Harbour piece", tags=("harbour",)).tags[0]]
    db.session.commit()
    for number in range(3):
        make_article(f"Newer ferry {number}", tags=("ferries",), age=timedelta(hours=2 + number))
    assert main.related()[0].title == "Old but two shared"
    # Among the 3 newest ferries articles (Main and two newer) it is not: it shares one tag there, the oldest.
    assert [article.title for article in main.related(per_tag=3)] == [
        "Harbour piece", "Newer ferry 0", "Newer ferry 1", "Old but two shared"]


def test_related_reads_each_tag_along_the_listing_index(app, client, make_article):
    make_article("Main", tags=("ferries", "harbour"))
    for number in range(5):
        make_article(f"Other {number}", tags=("ferries", "harbour"), age=timedelta(hours=number + 2))
    statement, parameters = captured_statement(client, "/articles/main", "UNION ALL")
    plan = explain(statement, parameters)
    assert plan.count("SEARCH article_tags USING COVERING INDEX ix_article_tags_listing (tag_id=? AND listed_at<?)") == 2, plan
    assert "SCAN article_tags" not in plan and "SCAN articles" not in plan, plan


# --- Most read ----------------------------------------------------------------------------------------------


def test_most_read_are_the_weeks_five_most_read(client, make_article, frozen_clock):
    for number, reads in enumerate([10, 50, 30, 70, 20, 40]):
        make_article(f"This week {reads}", reads=reads, age=timedelta(days=number + 1))
    make_article("Last month, read a lot", reads=1000, age=timedelta(days=8))
    make_article("Scheduled", reads=900, age=timedelta(hours=-1))
    make_article("Draft", reads=800, status=ArticleStatus.DRAFT)
    expected = ["This week 70", "This week 50", "This week 40", "This week 30", "This week 20"]
    assert section_titles(client.get("/"), "most-read") == expected
    response = client.get("/articles/this-week-10")
    assert section_titles(response, "most-read") == expected
    assert "Most read this week" in response.get_data(as_text=True) and "70 Reads" in response.get_data(as_text=True)
    frozen_clock.shift(timedelta(days=4))  # the 70 turns eight days old; the scheduled one is out
    assert section_titles(client.get("/"), "most-read")[:2] == ["Scheduled", "This week 50"]


def test_most_read_walks_its_index_without_sorting(app, client, make_article):
    for number in range(30):
        make_article(f"Story {number}", reads=number, age=timedelta(hours=number * 10))
    statement, parameters = captured_statement(client, "/", "ORDER BY articles.reads DESC")
    plan = explain(statement, parameters)
    assert "SEARCH articles USING INDEX ix_articles_most_read (status=?)" in plan, plan
    assert "TEMP B-TREE" not in plan, plan


def test_most_read_keeps_its_plan_with_statistics(app, client, make_article):
    """ANALYZE tells SQLite the week is a small range; the index walk must still win over a sort."""
    for number in range(60):
        make_article(f"Story {number}", reads=number, age=timedelta(days=number))
    db.session.execute(db.text("ANALYZE"))  # both databases know the statement
    db.session.commit()
    statement, parameters = captured_statement(client, "/", "ORDER BY articles.reads DESC")
    plan = explain(statement, parameters)
    assert "ix_articles_most_read" in plan and "TEMP B-TREE" not in plan, plan
    assert [a.title for a in Article.most_read()] == ["Story 6", "Story 5", "Story 4", "Story 3", "Story 2"]
