"""The newsroom in Chromium: sign in, write with a suggested tag, publish, read it as a visitor."""

from __future__ import annotations

import re

import pytest

from newsroom.accounts import create_admin
from tests.conftest import ADMIN_PASSWORD

BODY = """Ferry services across the Tessel estuary will run every twenty minutes from Monday.

## The new timetable

The estuary ferry operator said the estuary ferry would keep its winter fares. Estuary ferry crews welcomed the change.
"""


@pytest.fixture(scope="module")
def admin_account(live_app):
    """An admin on the live server."""
    with live_app.app_context():
        create_admin("chromium-editor", ADMIN_PASSWORD)


def test_sign_in_write_with_a_suggested_tag_publish_and_read(browser, live_server, admin_account, screenshot_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(live_server + "/admin/articles/new")
    assert "/admin/login?next=" in page.url
    page.get_by_label("Name").fill("chromium-editor")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/articles/new$"))
    page.get_by_label("Title").fill("Estuary ferry to run every twenty minutes")
    page.get_by_label("Category").fill("Local")
    page.get_by_label("Body (Markdown)").fill(BODY)
    suggestion = page.locator(".tag-suggestion", has_text="estuary ferry")
    suggestion.wait_for(timeout=20000)  # fetched by our script while typing (slow when CI is busy)
    suggestion.click()
    assert page.get_by_label("Tags").input_value() == "estuary ferry"
    page.get_by_label("Published").check()
    page.screenshot(path=screenshot_dir / "admin-editor.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/admin/articles/\d+/edit$"))
    assert "Saved. The article is published." in page.locator(".flashes").inner_text()
    page.goto(live_server + "/admin/")
    page.screenshot(path=screenshot_dir / "admin-articles.png")
    page.goto(live_server + "/admin/comments")
    page.screenshot(path=screenshot_dir / "admin-comments.png")
    context.close()

    visitor = browser.new_context().new_page()
    visitor.goto(live_server + "/")
    visitor.get_by_role("link", name="Estuary ferry to run every twenty minutes").click()
    assert visitor.locator("h1").inner_text() == "Estuary ferry to run every twenty minutes"
    assert visitor.locator(".tags a").all_inner_texts() == ["estuary ferry"]
    assert visitor.locator(".body h2").inner_text() == "The new timetable"
    visitor.context.close()


def test_the_article_list_fits_a_phone(browser, live_server, admin_account, screenshot_dir):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(live_server + "/admin/login")
    page.get_by_label("Name").fill("chromium-editor")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    widths = page.evaluate("""() => { const wrap = document.querySelector('.table-wrap');
        return [document.documentElement.scrollWidth, wrap.scrollWidth, wrap.clientWidth]; }""")
    assert widths[0] <= 375 and widths[1] <= widths[2], widths
    # Each row reads as a card: the title first, then labelled values.
    labels = page.evaluate("""() => [...document.querySelectorAll('.admin-table tbody tr:first-child td')]
        .map(td => getComputedStyle(td, '::before').content)""")
    assert labels == ["none", '"Byline: "', '"Status: "', '"Category: "', '"Published: "', '"Reads: "', '"Comments: "'], labels
    page.screenshot(path=screenshot_dir / "admin-articles-phone.png", full_page=True)
    context.close()
