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


LINK_PAYLOADS = [
    '<a href="javascript:123">digits</a>', '<a href="JaVaScRiPt:0">mixed case</a>',
    '<a href="&#106;avascript:77">reference</a>', '<a href="java&#x09;script:1">tab reference</a>',
    '<a href="vbscript:80">vb</a>', '<a href="data:text/html,1">data</a>', '<a href="https://example.org"></a>',
    '<a href="https://example.org">kept link</a>',
]


def test_no_comment_holds_a_script_url_or_an_empty_link_as_the_browser_reads_them(browser, live_server):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    url = first_article_url(page, live_server)
    for number, payload in enumerate(LINK_PAYLOADS):
        page.goto(url)
        page.get_by_label("Name").fill(f"Linker {number}")
        page.get_by_label("Comment", exact=True).fill(f"Link {number}: {payload}")
        page.get_by_role("button", name="Post comment").click()
        page.wait_for_load_state()
    page.goto(url)
    page.locator(".comment.pending").first.wait_for()  # held ones (they have links) come by /me, to their author
    page.wait_for_load_state("networkidle")
    # Read as the browser resolved them: the URL properties, not the attribute text.
    found = page.evaluate("""() => {
        const bodies = [...document.querySelectorAll('.comment-body')];
        const urls = bodies.flatMap(b => [...b.querySelectorAll('[href], [src], [action], [formaction]')])
            .map(el => new URL(el.getAttribute('href') ?? el.getAttribute('src') ?? el.getAttribute('action')
                               ?? el.getAttribute('formaction'), document.baseURI).protocol);
        const empty = bodies.flatMap(b => [...b.querySelectorAll('a')])
            .filter(a => !a.textContent.trim() && !a.querySelector('img[alt]:not([alt=""])')).length;
        const texts = bodies.map(b => b.textContent);
        return {urls, empty, texts};
    }""")
    assert not {"javascript:", "vbscript:", "data:"} & set(found["urls"])
    assert found["empty"] == 0
    for word in ("digits", "mixed case", "reference", "tab reference", "vb", "data", "kept link"):
        assert any(f": {word}" in text for text in found["texts"]), word
    assert page.locator(".comment-body a", has_text="kept link").get_attribute("href") == "https://example.org"
    context.close()
