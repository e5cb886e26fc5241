"""Commenting in Chromium: a comment appears; hostile ones fire no dialog and set no global."""

from __future__ import annotations

import re

BROWSER_PAYLOADS = [
    "<script>window.__xss = 'script'; alert(1)</script>",
    "<img src=x onerror=\"window.__xss='img'; alert(2)\">",
    "<svg onload=\"window.__xss='svg'\"></svg>",
    "<a href=\"javascript:window.__xss='href'\" id=\"xss-link\">click me</a>",
    "<details open ontoggle=\"window.__xss='details'\">x</details>",
    "<p title=\"</p><img src=x onerror=window.__xss='mutation'>\">mutation</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__xss='math'\">",
    "<iframe srcdoc=\"<script>parent.__xss='iframe'</script>\"></iframe>",
    "<a href=\"https://example.org\" onmouseover=\"window.__xss='hover'\" id=\"hover-link\">hover</a>",
]


def first_article_url(page, live_server) -> str:
    """The address of the newest article."""
    page.goto(live_server + "/")
    return live_server + page.locator(".item-title a").last.get_attribute("href")


def test_a_reader_comments_and_sees_it(page, live_server):
    page.goto(first_article_url(page, live_server))
    page.get_by_label("Name").fill("Chromium Reader")
    page.get_by_label("Comment", exact=True).fill("Posted from a real browser.\n\nWith two paragraphs.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url(re.compile(r"#comment-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    assert "Posted from a real browser." in page.locator(f"#{anchor}").inner_text()
    assert page.locator(f"#{anchor} .comment-body p").count() == 2


def test_people_never_see_the_honeypot(page, live_server):
    page.goto(first_article_url(page, live_server))
    assert page.locator("[name=citation_ref]").is_hidden()
    assert page.get_by_label("Name").is_visible() and page.get_by_label("Comment", exact=True).is_visible()


def test_hostile_comments_run_nothing_even_without_the_csp(browser, live_server):
    # Bypassing our CSP proves the sanitizer alone stops them; the CSP is a second wall.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    url = first_article_url(page, live_server)
    for number, payload in enumerate(BROWSER_PAYLOADS):
        page.goto(url)
        page.get_by_label("Name").fill(f"Hostile {number}")
        page.get_by_label("Comment", exact=True).fill(f"Note {number}: {payload}")
        page.get_by_role("button", name="Post comment").click()
        page.wait_for_load_state()
    page.goto(url)
    for link in ("#xss-link", "#hover-link"):
        assert page.locator(link).count() == 0
    for anchor in page.locator(".comment-body a").all():
        anchor.hover()
        assert not (anchor.get_attribute("href") or "").lower().startswith("javascript")
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("window.__xss") is None
    assert page.locator(".comment-author", has_text="Hostile").count() == len(BROWSER_PAYLOADS)
    context.close()
