"""Shared pages in Chromium: reads counted by the page's script, commenting without JavaScript, an editor's own view."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from content.text import now_utc
from models import Article, Category, db
from tests.conftest import ADMIN_PASSWORD, BROWSER_AGENT

# Headless Chromium names itself "HeadlessChrome", which the site rightly takes for a machine;
# these contexts present the User-Agent of the same Chrome with a window, as a person's would.
PERSON = {"user_agent": BROWSER_AGENT}


def stored_reads(live_app, slug: str) -> int:
    """The read count in the database."""
    with live_app.app_context():
        return db.session.execute(db.select(Article.reads).filter_by(slug=slug)).scalar_one()


@pytest.fixture
def fresh_article(live_app):
    """A published article of its own, so other tests' reads and comments never touch it."""
    def make(title: str, age: timedelta = timedelta(0)) -> str:
        with live_app.app_context():
            article = Article(title=title, slug=re.sub(r"\W+", "-", title.lower()).strip("-"), status="published",
                              category=Category.get_or_create("Local"), published_at=now_utc() - age, reads=40)
            article.set_body("A paragraph for the shared page tests.")
            db.session.add(article)
            db.session.commit()
            return article.slug

    return make


def test_seven_fresh_browsers_add_exactly_seven_reads(browser, live_app, live_server, fresh_article):
    slug = fresh_article("Seven readers arrive")
    for number in range(1, 8):
        context = browser.new_context(**PERSON)
        page = context.new_page()
        page.goto(f"{live_server}/articles/{slug}")
        # The page holds the count it was cached with; the script's answer puts this reader's on it.
        page.wait_for_function("n => document.querySelector('.reads').textContent === n", arg=f"{40 + number} Reads")
        page.reload()  # the same browser again: the cookie on the counting path says it has read
        page.wait_for_function("n => document.querySelector('.reads').textContent === n", arg=f"{40 + number} Reads")
        context.close()
    assert stored_reads(live_app, slug) == 47


def test_a_browser_without_javascript_comments_in_one_send_and_its_read_counts(browser, live_app, live_server,
                                                                              fresh_article):
    slug = fresh_article("Plain browsers welcome")
    context = browser.new_context(java_script_enabled=False, **PERSON)
    page = context.new_page()
    page.goto(f"{live_server}/articles/{slug}")
    page.get_by_label("Name").fill("No Script Reader")
    page.get_by_label("Comment", exact=True).fill("Written without any scripts.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    assert "Written without any scripts." in page.locator(f"#{anchor}").inner_text()
    assert stored_reads(live_app, slug) == 41  # counted by the <noscript> image, once
    context.close()


def test_a_held_comment_shows_to_its_author_alone_and_their_pages_still_come_from_the_cache(
        browser, live_server, fresh_article):
    slug = fresh_article("Held comments stay private")
    others = ["/", "/categories/politics", f"/articles/{slug}"]
    # The clock holds still: a listed story's "20 minutes ago" turning would rightly render a page anew,
    # and here only a change of the site may do that. A held comment is not one.
    with time_machine.travel(now_utc(), tick=False):
        warm = browser.new_context(**PERSON)
        for path in others:  # another reader has been there: the pages are kept
            warm.new_page().goto(live_server + path)
        context = browser.new_context(**PERSON)
        page = context.new_page()
        page.goto(f"{live_server}/articles/{slug}")
        page.get_by_label("Name").fill("Linking Reader")
        page.get_by_label("Comment", exact=True).fill("See https://example.org/source for the figures.")
        page.get_by_role("button", name="Post comment").click()
        page.wait_for_load_state()
        assert "Thank you. Your comment will appear once a moderator has approved it." in page.locator(".comment-list").inner_text()
        served = []
        page.on("response", lambda response: served.append((response.url, response.headers.get("x-page-cache"))))
        for path in others:  # three more pages, each the kept bytes every reader gets
            page.goto(live_server + path)
            page.wait_for_load_state("networkidle")
        assert [cache for url, cache in served if url.rstrip("/") in {(live_server + path).rstrip("/") for path in others}] \
            == ["hit", "hit", "hit"]
        held = page.locator(".comment.pending")  # put in place on the shared page by the page's script
        held.wait_for()
        assert "example.org/source" in held.inner_text() and "awaiting moderation" in held.inner_text()
        stranger = browser.new_context(**PERSON).new_page()
        stranger.goto(f"{live_server}/articles/{slug}")
        stranger.wait_for_load_state("networkidle")
        assert "example.org/source" not in stranger.content() and stranger.locator(".comment.pending").count() == 0
        context.close()
        warm.close()


def test_a_reader_with_javascript_comments_in_one_send(page, live_server, fresh_article):
    slug = fresh_article("Scripted readers comment")
    page.goto(f"{live_server}/articles/{slug}")
    assert page.locator("[name=csrf_token]").input_value() == ""
    page.get_by_label("Name").fill("Script Reader")
    page.get_by_label("Comment", exact=True).fill("One send is enough.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    assert "One send is enough." in page.locator(".comment-list").inner_text()


def test_an_editor_sees_their_edit_at_once(browser, live_app, live_server, fresh_article):
    slug = fresh_article("Before the edit")
    reader = browser.new_context()
    assert "Before the edit" in reader.new_page().goto(f"{live_server}/articles/{slug}").text()
    with live_app.app_context():
        from newsroom.accounts import create_admin

        create_admin("shared-pages-editor", ADMIN_PASSWORD)
        article_id = db.session.execute(db.select(Article.id).filter_by(slug=slug)).scalar_one()
    editor = browser.new_context()
    page = editor.new_page()
    page.goto(live_server + "/admin/login")
    page.get_by_label("Name").fill("shared-pages-editor")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/admin/")
    page.goto(f"{live_server}/admin/articles/{article_id}/edit")
    page.get_by_label("Title").fill("After the edit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    page.goto(f"{live_server}/articles/{slug}")
    assert page.locator("h1").inner_text() == "After the edit"
    # The shared page carries no one's bar; the page's script puts the editor's in place, with the edit link.
    page.get_by_role("link", name="Edit this article").click()
    page.wait_for_url(f"{live_server}/admin/articles/{article_id}/edit")
    editor.close()
    reader.close()
