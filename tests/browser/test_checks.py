"""axe-core in Chromium (light and dark) and the Nu HTML checker over the reader's and the newsroom's pages."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def reader_paths(live_server: str) -> list[str]:
    """One page of each kind: home, article, category, tag, tags, author, one of the newsroom's own pages, search
    (results, none, empty, cut short, page 2), a 404, sign-in and joining."""
    home = urllib.request.urlopen(live_server + "/").read().decode()
    article = home.split('class="item-title"><a href="', 1)[1].split('"', 1)[0]
    return ["/", article, "/categories/politics", "/tags/housing", "/tags", "/authors/morag-keane", "/about", "/no-such-page",
            "/admin/login", join_path(), "/admin/join/not-a-real-invitation",
            "/search?q=council+hous", "/search?q=zzzz+%22%3Cb%3E", "/search?q=", "/search?q=" + "housing+" * 40,
            "/search?q=council&page=2"]


_join_paths: list[str] = []


def join_path() -> str:
    """The path of an open invitation (made once by the `invitation` fixture)."""
    return _join_paths[0]


@pytest.fixture(scope="module", autouse=True)
def invitation(live_app):
    """An open invitation, for the page where an invitee joins."""
    from models import User
    from newsroom.people import invite

    with live_app.app_context():
        _join_paths[:] = [f"/admin/join/{invite('writer', User.everyone()[0])}"]
    return _join_paths[0]


@pytest.fixture(scope="module", autouse=True)
def published_page(live_app):
    """The About page published with a body of every kind of block, so it is in the footer of every page."""
    from content.text import now_utc
    from models import SitePage, db

    with live_app.app_context():
        about = SitePage.by_slug("about")
        about.set_body("The *Ledger* has covered the valley since 1921.\n\n## Who we are\n\n- An editor\n"
                       "- Four reporters\n\n> Fair, first, and right.\n\n[Write to us](mailto:desk@example.org)")
        about.published, about.updated_at = True, now_utc()
        db.session.commit()


ADMIN_PATHS = ["/admin/", "/admin/?status=review", "/admin/articles/new", "/admin/articles/1/edit",
               "/admin/articles/1/delete", "/admin/comments", "/admin/account", "/admin/categories", "/admin/tags",
               "/admin/categories/1", "/admin/tags/1", "/admin/people", "/admin/media", "/admin/pages/",
               "/admin/pages/new", "/admin/pages/1", "/admin/pages/2/preview"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("who", ["reader", "admin"])
def test_axe_finds_no_violations(browser, live_server, admin_state, scheme, who):
    assert AXE.exists(), "run `npm ci` (make test does) to install axe-core"
    # Our Content-Security-Policy would block the injected script: bypass it for the checker only.
    state = admin_state if who == "admin" else None
    context = browser.new_context(bypass_csp=True, color_scheme=scheme, storage_state=state)
    page = context.new_page()
    problems = {}
    for path in (ADMIN_PATHS if who == "admin" else reader_paths(live_server)):
        page.goto(live_server + path)
        if found := axe_violations(page):
            problems[path] = found
    context.close()
    assert problems == {}


def axe_violations(page) -> list[str]:
    """What axe-core finds wrong with the page as it stands, one line per rule broken."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:80]})" for v in result["violations"]]


def nu_messages(files: list[Path]) -> list[str]:
    """What the Nu HTML checker says about these files, one line per message."""
    result = subprocess.run(["java", "-jar", str(VNU), "--format", "json", *map(str, files)],
                            capture_output=True, text=True, timeout=120)
    messages = json.loads(result.stderr or "{}").get("messages", [])
    return [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]


def test_pages_are_valid_html(browser, live_server, admin_state, tmp_path):
    if not shutil.which("java") and not os.environ.get("CI"):
        pytest.skip("the Nu HTML checker needs Java: apt-get install default-jre-headless")
    files = []
    admin = browser.new_context(storage_state=admin_state)
    for number, path in enumerate(reader_paths(live_server) + ADMIN_PATHS):
        # The 404 page is checked too; admin pages are fetched with the admin's cookies.
        response = admin.request.get(live_server + path, max_redirects=0)
        files.append(tmp_path / f"page{number}.html")
        files[-1].write_bytes(response.body())
    admin.close()
    assert nu_messages(files) == []


# --- States an editor meets when a session ends or an article is too large ----------------------------------


@pytest.fixture(scope="module")
def state_editor(live_app) -> str:
    """An account of its own, whose sessions these checks end on purpose."""
    from newsroom.accounts import create_admin
    from tests.conftest import ADMIN_PASSWORD

    with live_app.app_context():
        create_admin("state-checker", ADMIN_PASSWORD)
    return "state-checker"


def walk_kept_form_states(page, live_app, live_server: str, username: str, visit) -> None:
    """Reach each state of the kept-form pages and call visit(name) there."""
    from tests.browser.test_drafts import age_sessions, sign_in, wait_for_draft

    sign_in(page, live_server, username, "/admin/articles/new")
    page.get_by_label("Title", exact=True).fill("T" * 210)
    page.get_by_label("Category", exact=True).fill("Local")
    page.get_by_label("Body (Markdown)", exact=True).fill("A paragraph.")
    wait_for_draft(page)
    page.reload()
    visit("editor, draft offered, title over its limit")
    age_sessions(live_app, username)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/admin/login"))
    visit("sign-in, form kept")
    sign_in(page, live_server, username, "/admin/articles/new")
    visit("editor, form restored")
    page.get_by_label("Body (Markdown)", exact=True).fill("word " * 60_000)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    visit("413 for an article")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_kept_form_states_pass_axe_and_the_nu_checker(browser, live_app, live_server, state_editor, scheme, tmp_path):
    context = browser.new_context(bypass_csp=True, color_scheme=scheme)
    context.set_default_timeout(20000)
    page = context.new_page()
    problems, files = {}, []

    def visit(name: str) -> None:
        """Keep the page's markup for the Nu checker, then run axe over it."""
        files.append(tmp_path / f"{name.replace(' ', '-').replace(',', '')}.html")
        files[-1].write_text(page.content())
        if found := axe_violations(page):
            problems[name] = found

    walk_kept_form_states(page, live_app, live_server, state_editor, visit)
    context.close()
    assert len(files) == 4 and problems == {}
    if scheme == "light" and (shutil.which("java") or os.environ.get("CI")):
        assert nu_messages(files) == []


# --- What machines read: structured data under the CSP, and the XML documents -------------------------------


def console_errors_opening(page, url: str) -> list[str]:
    """The console errors Chromium logs while opening a page (a CSP refusal is one)."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    page.wait_for_load_state("load")
    return errors


def test_news_article_data_parses_in_chromium_without_a_csp_error(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    article = live_server + reader_paths(live_server)[1]
    assert [e for e in console_errors_opening(page, article) if "Content Security Policy" in e] == []
    data = page.evaluate("JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').textContent)")
    assert data["@type"] == "NewsArticle" and data["headline"] == page.locator("h1").inner_text()
    # The same listener does see a refusal: an inline script added to the page is refused and logged.
    def add_inline_script(route):
        """Serve the article with an inline script in its head."""
        original = route.fetch()
        route.fulfill(response=original, body=original.text().replace("</head>", "<script>window.ran = 1</script></head>"))

    context.route(article, add_inline_script)
    second = context.new_page()
    errors = console_errors_opening(second, article)
    assert second.evaluate("window.ran") is None
    assert any("Content Security Policy" in error for error in errors), errors
    context.close()


XML_PATHS = ["/feed.xml", "/categories/politics/feed.xml", "/tags/housing/feed.xml", "/sitemap.xml",
             "/sitemap-news.xml"]


@pytest.mark.parametrize("path", XML_PATHS)
def test_feeds_and_sitemaps_are_well_formed_xml_to_chromium(page, live_server, path):
    response = page.goto(live_server + path)
    assert response.status == 200
    text = response.text()
    problem = page.evaluate(
        "text => { const doc = new DOMParser().parseFromString(text, 'application/xml');"
        " const error = doc.querySelector('parsererror'); return error ? error.textContent : null; }", text)
    assert problem is None
    assert "http://127.0.0.1:5000/" in text
