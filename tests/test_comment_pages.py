"""An article's comments in pages: the newest first page, keyset links both ways, exact counts, bad cursors."""

from __future__ import annotations

import base64
import json
import re

import pytest

from models import Comment

pytestmark = pytest.mark.parametrize("settings_overrides", [{"COMMENTS_PER_PAGE": 2}])


def shown(html: str) -> list[str]:
    """The comments a page lists, in their order."""
    return re.findall(r'<div class="comment-body"><p>(Comment \d+)</p>', html)


def link(html: str, text: str) -> str | None:
    """The address of the link with this text (the HTML-escaped form), if the page has one."""
    found = re.search(rf'<a (?:rel="\w+" )?(?:class="older" )?href="([^"]+)">{text}</a>', html)
    return found[1].replace("&amp;", "&") if found else None


@pytest.fixture
def five_comments(make_article, make_comment):
    article = make_article("Bridge reopens")
    for number in range(1, 6):
        make_comment(article, f"Comment {number}")
    return article


def test_the_article_shows_its_newest_comments_oldest_first_and_pages_back_and_forth(client, five_comments):
    first = client.get("/articles/bridge-reopens").get_data(as_text=True)
    assert shown(first) == ["Comment 4", "Comment 5"]
    assert "5 comments in all." in first and link(first, "Later comments &rarr;") is None

    middle = client.get(link(first, "&larr; Earlier comments")).get_data(as_text=True)
    assert shown(middle) == ["Comment 2", "Comment 3"]
    oldest = client.get(link(middle, "&larr; Earlier comments")).get_data(as_text=True)
    assert shown(oldest) == ["Comment 1"] and link(oldest, "&larr; Earlier comments") is None
    back = client.get(link(oldest, "Later comments &rarr;")).get_data(as_text=True)
    assert shown(back) == ["Comment 2", "Comment 3"]
    newest = client.get(link(back, "Later comments &rarr;")).get_data(as_text=True)
    assert shown(newest) == ["Comment 4", "Comment 5"] and link(newest, "Later comments &rarr;") is None
    for page in (first, middle, oldest):
        data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1])
        assert data["commentCount"] == 5 and data["url"].endswith("/articles/bridge-reopens")


def test_an_article_with_few_comments_has_no_pager(client, make_article, make_comment):
    article = make_article("Quiet day")
    make_comment(article, "Comment 1")
    page = client.get("/articles/quiet-day").get_data(as_text=True)
    assert shown(page) == ["Comment 1"] and "in all." not in page and 'aria-label="More comments"' not in page


def test_a_page_of_comments_costs_the_same_queries_however_many_there_are(client, make_article, make_comment,
                                                                         count_queries, frozen_clock):
    few, many = make_article("Few"), make_article("Many")
    for number in range(3):
        make_comment(few, f"Comment {number}")
    for number in range(60):
        make_comment(many, f"Comment {number}")
    client.get("/")  # the site version is read here, and not again while the clock stands still
    with count_queries() as on_few:
        client.get("/articles/few")
    with count_queries() as on_many:
        page = client.get("/articles/many").get_data(as_text=True)
    assert len(on_many) == len(on_few)
    assert "60 comments in all." in page and shown(page) == ["Comment 58", "Comment 59"]


def cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("bad", ["junk", "%ff", cursor("x:3"), cursor("e:0"), cursor("e:-1"), cursor("l:" + "9" * 20),
                                 cursor("e:3:extra"), ""])
def test_a_forged_cursor_is_the_404_page(client, five_comments, bad):
    response = client.get(f"/articles/bridge-reopens?comments={bad}")
    assert response.status_code == (200 if bad == "" else 404)


def test_a_cursor_past_the_end_says_so_and_links_back(client, five_comments):
    first_id = min(comment.id for comment in Comment.query.all())
    page = client.get(f"/articles/bridge-reopens?comments={cursor(f'e:{first_id}')}").get_data(as_text=True)
    assert "There are no comments beyond this point." in page and "Be the first to comment." not in page
    assert link(page, "The latest comments &rarr;") == "/articles/bridge-reopens#comments"


def test_each_page_of_comments_is_kept_under_its_own_address(client, five_comments):
    first = client.get("/articles/bridge-reopens")
    earlier = link(first.get_data(as_text=True), "&larr; Earlier comments")
    assert client.get(earlier).headers["X-Page-Cache"] == "miss"
    again = client.get(earlier)
    assert again.headers["X-Page-Cache"] == "hit" and shown(again.get_data(as_text=True)) == ["Comment 2", "Comment 3"]
    assert shown(client.get("/articles/bridge-reopens").get_data(as_text=True)) == ["Comment 4", "Comment 5"]
