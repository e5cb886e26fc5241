"""A reader in Chromium: home page, then an article laid out in the promised order."""

from __future__ import annotations

import re


def test_home_links_to_an_article_laid_out_in_order(page, live_server):
    page.goto(live_server + "/")
    assert page.locator("h1").all_inner_texts() == ["Latest news"]
    first_title = page.locator(".item-title a").first
    title = first_title.inner_text()
    first_title.click()
    page.wait_for_url(re.compile(r"/articles/"))
    assert page.locator("h1").all_inner_texts() == [title]
    # The standfirst is the article's summary; an article written without one has none.
    standfirst = [".article-header .standfirst"] if page.locator(".standfirst").count() else []
    parts = [".article-header .kicker a", "h1", *standfirst, ".article-header time",
             ".article-header .reads", ".article-header .tags", ".body", "#comments"]
    boxes = [page.locator(selector).first.bounding_box() for selector in parts]
    # Reading order: by line (centres within 12 px share one), then left to right.
    places = [(round((box["y"] + box["height"] / 2) / 12), box["x"]) for box in boxes]
    assert places == sorted(places), dict(zip(parts, places, strict=True))
    published = page.locator(".article-meta span").first.inner_text()
    assert re.fullmatch(r"Published (.+ ago|yesterday|just now) · \d{1,2} [A-Z][a-z]+ 20\d\d", published), published
    assert re.fullmatch(r"[\d,]+ Reads?", page.locator(".reads").inner_text())
    assert page.locator(".article-header time").get_attribute("title")
    assert page.locator(".body h2").count() >= 1


def test_an_article_without_comments_invites_the_first(page, live_server):
    page.goto(live_server + "/")
    for link in page.locator(".item-title a").all():
        href = link.get_attribute("href")
        listing_item = link.locator("xpath=ancestor::article")
        if "0 Comments" in listing_item.inner_text():
            page.goto(live_server + href)
            assert page.locator("#comments").inner_text().count("Be the first to comment.") == 1
            return
    raise AssertionError("the demo has no article without comments")


def test_keyboard_focus_is_visible(page, live_server):
    page.goto(live_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_inline_code_stands_out_from_the_text_around_it(page, live_server):
    page.goto(live_server + "/")
    page.locator(".item-title a").first.click()
    page.wait_for_load_state()
    page.evaluate("""() => { const p = document.querySelector('.body p');
        p.insertAdjacentHTML('beforeend', ' <code id="sample">x = 1</code>'); }""")
    styles = page.evaluate("""() => { const code = getComputedStyle(document.getElementById('sample'));
        const text = getComputedStyle(document.querySelector('.body p'));
        return [code.backgroundColor, text.backgroundColor, code.fontFamily, text.fontFamily]; }""")
    assert styles[0] != styles[1] and styles[2] != styles[3], styles
