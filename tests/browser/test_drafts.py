"""An editor never loses what they wrote, in Chromium: ended sessions, forged posts, browser drafts, 413s."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from content.text import now_utc
from models import AdminSession, Article, KeptForm, User, db
from newsroom.accounts import create_admin
from tests.conftest import ADMIN_PASSWORD

TYPED = {
    "Title": "Night ferry returns to the estuary",
    "Address (slug)": "night-ferry-returns",
    "Category": "Local",  # one the demo has: a new one would first be asked about
    "Tags": "ferry, estuary",
    "Summary": "The last sailing leaves the quay at 23:40 from June.",
    "Body (Markdown)": "The night ferry returns on 1 June.\n\n## Fares\n\nA single costs the same as by day.",
    "Publication time": "2026-06-01T09:00",
}
SESSION_ENDED_NOTICE = "Your session ended. Sign in to continue; your changes are kept."
# Generous: the machine running these may be busy with other suites.
SLOW = 20000


@pytest.fixture(scope="module")
def editor(live_app) -> str:
    """An editor account of this module's own on the live server."""
    with live_app.app_context():
        create_admin("draft-editor", ADMIN_PASSWORD)
    return "draft-editor"


@pytest.fixture
def context(browser):
    """A browser profile of its own (cookies and localStorage), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(SLOW)
    yield context
    context.close()


def sign_in(page, live_server: str, username: str, path: str = "/admin/") -> None:
    """Sign in through the form and land on `path`."""
    if "/admin/login?next=" not in page.url:
        page.goto(live_server + "/admin/login?next=" + path)
    page.get_by_label("Name").fill(username)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def write_article(page, typed: dict = TYPED) -> None:
    """Type every field of the article form, as an editor would, and choose Published."""
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("Published", exact=True).check()


def form_as_shown(page) -> dict:
    """What each field of the article form holds now."""
    shown = {label: page.get_by_label(label, exact=True).input_value() for label in TYPED}
    return shown | {"published": page.get_by_label("Published", exact=True).is_checked()}


def drafts_of(page, live_app, username: str) -> list[str]:
    """The localStorage keys of this account's drafts in the page's browser profile."""
    with live_app.app_context():
        account = User.by_username(username).id
    keys = page.evaluate("Object.keys(window.localStorage)")
    return [key for key in keys if key.startswith(f"ledger-draft:{account}:")]


def wait_for_draft(page, key_part: str = ":new") -> None:
    """Until the script has stored the draft (it saves shortly after typing stops)."""
    page.wait_for_function(
        "part => Object.keys(localStorage).some(k => k.startsWith('ledger-draft:') && k.endsWith(part))", arg=key_part)


def age_sessions(live_app, username: str) -> None:
    """Make the account's sessions look idle for three hours, as the idle limit passing would."""
    with live_app.app_context():
        user = User.by_username(username)
        db.session.execute(db.update(AdminSession).where(AdminSession.user_id == user.id)
                           .values(last_seen_at=now_utc() - timedelta(hours=3)))
        db.session.commit()


def published_as_typed(browser, live_server: str) -> None:
    """A reader finds the article with every field as it was typed."""
    visitor = browser.new_context().new_page()
    visitor.goto(live_server + "/articles/" + TYPED["Address (slug)"])
    assert visitor.locator("h1").inner_text() == TYPED["Title"]
    assert visitor.locator(".body h2").inner_text() == "Fares"
    assert sorted(visitor.locator(".tags a").all_inner_texts()) == ["estuary", "ferry"]
    visitor.context.close()


def sign_in_again_and_find_every_field(page, live_server: str, editor: str, screenshot_dir, name: str) -> None:
    """From the sign-in page after Save: the notice, sign in, the form as typed with its note."""
    page.wait_for_url(re.compile(r"/admin/login\?next=/admin/articles/new$"))
    assert page.locator(".notice").inner_text() == SESSION_ENDED_NOTICE
    page.screenshot(path=screenshot_dir / f"{name}-sign-in.png")
    sign_in(page, live_server, editor, "/admin/articles/new")
    assert form_as_shown(page) == TYPED | {"published": True}
    assert "Nothing is saved yet" in page.locator("#restored-note").inner_text()
    assert page.locator("#draft-offer").is_hidden()  # the browser's draft is the same text
    page.screenshot(path=screenshot_dir / f"{name}-restored.png", full_page=True)


def delete_article(live_app, slug: str) -> None:
    """Remove an article this module published, so the next test can publish it again."""
    with live_app.app_context():
        db.session.execute(db.delete(Article).where(Article.slug == slug))
        db.session.commit()


def test_signed_out_in_another_tab_then_save_keeps_every_field(browser, context, live_app, live_server, editor,
                                                               screenshot_dir):
    page = context.new_page()
    sign_in(page, live_server, editor, "/admin/articles/new")
    write_article(page)
    other_tab = context.new_page()
    other_tab.goto(live_server + "/admin/")
    other_tab.get_by_role("button", name="Sign out").click()
    other_tab.wait_for_url(re.compile(r"/admin/login$"))
    other_tab.close()

    page.get_by_role("button", name="Save").click()
    sign_in_again_and_find_every_field(page, live_server, editor, screenshot_dir, "kept-after-sign-out")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/admin/articles/\d+/edit$"))
    assert "Saved. The article is published." in page.locator(".flashes").inner_text()
    published_as_typed(browser, live_server)
    delete_article(live_app, TYPED["Address (slug)"])


def test_the_idle_limit_passing_then_save_keeps_every_field(browser, context, live_app, live_server, editor,
                                                            screenshot_dir):
    page = context.new_page()
    sign_in(page, live_server, editor, "/admin/articles/new")
    write_article(page)
    age_sessions(live_app, editor)
    page.get_by_role("button", name="Save").click()
    sign_in_again_and_find_every_field(page, live_server, editor, screenshot_dir, "kept-after-idle")
    with live_app.app_context():
        assert db.session.execute(db.select(db.func.count(KeptForm.key_hash))).scalar_one() == 0
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/admin/articles/\d+/edit$"))
    published_as_typed(browser, live_server)
    delete_article(live_app, TYPED["Address (slug)"])


ATTACK_PAGE = """<!doctype html><html lang="en"><head><title>Win a prize</title></head><body>
<form method="post" action="{target}">
  <input name="csrf_token" value="made-up"><input name="editor_stamp" value="made-up">
  <input name="title" value="Planted"><input name="category" value="Planted">
  <input name="body" value="Planted text"><input name="status" value="published">
  <button name="action" value="save">Claim</button>
</form></body></html>"""


def test_a_forged_cross_site_post_stores_and_restores_nothing(context, live_app, live_server, editor):
    page = context.new_page()
    sign_in(page, live_server, editor)
    context.route("http://prize.example/**", lambda route: route.fulfill(
        content_type="text/html", body=ATTACK_PAGE.format(target=live_server + "/admin/articles/new")))
    page.goto("http://prize.example/")
    page.get_by_role("button", name="Claim").click()
    page.wait_for_url(live_server + "/admin/articles/new")
    assert "did not come from this site" in page.locator("main").inner_text()
    with live_app.app_context():
        assert db.session.execute(db.select(db.func.count(KeptForm.key_hash))).scalar_one() == 0
        assert db.session.execute(db.select(Article).where(Article.title == "Planted")).first() is None
    page.goto(live_server + "/admin/articles/new")  # still signed in: the forged post touched nothing
    assert page.get_by_label("Title", exact=True).input_value() == ""
    assert page.locator("#restored-note").count() == 0


def test_a_draft_kept_in_the_browser_comes_back_and_sign_out_forgets_it(context, live_app, live_server, editor,
                                                                         screenshot_dir):
    page = context.new_page()
    sign_in(page, live_server, editor, "/admin/articles/new")
    write_article(page)
    wait_for_draft(page)
    page.close()

    page = context.new_page()
    page.goto(live_server + "/admin/articles/new")
    offer = page.locator("#draft-offer")
    assert offer.is_visible()
    assert offer.inner_text() == "A newer draft of this article is in this browser: restore / discard"
    assert page.get_by_label("Title", exact=True).input_value() == ""
    page.screenshot(path=screenshot_dir / "draft-offer.png")
    page.get_by_role("button", name="restore").click()
    assert form_as_shown(page) == TYPED | {"published": True}
    assert offer.is_hidden()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/admin/login$"))
    assert drafts_of(page, live_app, editor) == []
    sign_in(page, live_server, editor, "/admin/articles/new")
    assert page.locator("#draft-offer").is_hidden()


def test_a_discarded_draft_is_gone_and_a_saved_one_is_cleared(context, live_app, live_server, editor):
    page = context.new_page()
    sign_in(page, live_server, editor, "/admin/articles/new")
    page.get_by_label("Title", exact=True).fill("A draft to throw away")
    wait_for_draft(page)
    page.reload()
    page.get_by_role("button", name="discard").click()
    assert drafts_of(page, live_app, editor) == []

    write_article(page, TYPED | {"Address (slug)": "saved-and-cleared"})
    wait_for_draft(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/admin/articles/\d+/edit$"))
    page.wait_for_function("() => !Object.keys(localStorage).some(k => k.startsWith('ledger-draft:'))")
    page.goto(live_server + "/admin/articles/new")
    assert page.locator("#draft-offer").is_hidden()
    delete_article(live_app, "saved-and-cleared")


def test_counters_show_the_limits_and_the_server_says_them_in_words(context, live_server, editor):
    page = context.new_page()
    sign_in(page, live_server, editor, "/admin/articles/new")
    page.get_by_label("Title", exact=True).fill("T" * 243)
    assert page.locator("#title-count").inner_text() == "243 of 200 characters: 43 too many"
    assert page.get_by_label("Title", exact=True).input_value() == "T" * 243  # nothing cut off
    page.get_by_label("Summary", exact=True).fill("A short summary.")
    assert page.locator("#summary-count").inner_text() == "16 of 300 characters"
    assert re.fullmatch(r"Size: \d KB of the 256 KB a form can send", page.locator("#body-count").inner_text())
    page.get_by_label("Category", exact=True).fill("Transport")
    page.get_by_label("Body (Markdown)", exact=True).fill("Some text.")
    page.get_by_role("button", name="Save").click()
    assert "Titles can be at most 200 characters; this one has 243." in page.locator("#title-error").inner_text()


def test_an_oversized_body_gets_the_413_page_and_comes_back_from_the_browser(context, live_app, live_server, editor,
                                                                           screenshot_dir):
    page = context.new_page()
    sign_in(page, live_server, editor, "/admin/articles/new")
    long_body = "The estuary report, paragraph after paragraph. " * 6000
    page.get_by_label("Title", exact=True).fill("The whole estuary report")
    page.get_by_label("Category", exact=True).fill("Transport")
    page.get_by_label("Body (Markdown)", exact=True).fill(long_body)
    assert page.locator("#body-count").inner_text().endswith("a form can send. Shorten it before saving.")
    wait_for_draft(page)
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "larger than the 256 KB the site accepts from a form, so nothing was saved" in main
    assert "Your draft is kept in this browser" in main
    page.screenshot(path=screenshot_dir / "too-large.png")
    page.get_by_role("link", name="Back to the article form").click()
    page.wait_for_url(live_server + "/admin/articles/new")
    page.get_by_role("button", name="restore").click()
    assert page.get_by_label("Body (Markdown)", exact=True).input_value() == long_body
    assert page.get_by_label("Title", exact=True).input_value() == "The whole estuary report"
