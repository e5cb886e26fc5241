"""An editor never loses what they wrote: article forms kept across an ended session, limits told plainly."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from content.text import token_digest
from models import AdminSession, Article, ArticleStatus, Comment, CommentStatus, KeptForm, User, db
from tests.conftest import ADMIN_PASSWORD, BROWSER_AGENT, csrf_token_of, sign_in
from tests.test_reader import text_of

SESSION_ENDED_NOTICE = "Your session ended. Sign in to continue; your changes are kept."
RESTORED = "Nothing is saved yet: check it and press Save."
TYPED = {
    "title": "Flood barriers to close on Friday night", "slug": "flood-barriers-friday", "category": "Local",
    "new_category": "y",
    "tags": "flooding, river", "summary": "The barriers close at 22:00 ahead of the spring tide.",
    "body": "The river authority will close the barriers at 22:00.\n\n## Roads\n\nThe quay road shuts an hour before.",
    "status": "published", "published_at": "2026-03-10T18:30",
}


class FormFields(HTMLParser):
    """The values an HTML page's form fields show: inputs, checked radios, text areas."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        """Record an input's value (a radio's only when checked); start reading a text area."""
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name and (attributes.get("type") != "radio" or "checked" in attributes):
            self.values[name] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        """A text area's content."""
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        """A text area ends."""
        if tag == "textarea":
            self._textarea = None


def fields_on(response) -> dict[str, str]:
    """The article form's field values as the page shows them."""
    parser = FormFields()
    parser.feed(response.get_data(as_text=True))
    # HTML drops the line break that follows <textarea>; WTForms writes one there.
    return {name: re.sub(r"\A\r?\n", "", parser.values.get(name, "")) for name in TYPED}


def hidden_of(response) -> dict[str, str]:
    """The article form's hidden fields: its CSRF token, its `issued` stamp and the signed stamp naming its editor."""
    return token_and_stamp_of(response) | {"editor_stamp": page_fields(response)["editor_stamp"]}


def token_and_stamp_of(response) -> dict[str, str]:
    """What every newsroom form on a page sends besides its own fields: the CSRF token and the `issued` stamp."""
    fields = page_fields(response)
    return {"csrf_token": fields["csrf_token"], "issued": fields["issued"]}


def page_fields(response) -> dict[str, str]:
    """Every field value the page shows, by name."""
    parser = FormFields()
    parser.feed(response.get_data(as_text=True))
    return parser.values


def count(model) -> int:
    """Rows of a model, read afresh."""
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def end_session(how: str, client, clock) -> None:
    """End the browser's admin session: the idle limit, a sign-out in another tab, or a day and more away."""
    if how == "signed out in another tab":
        token = csrf_token_of(client.get("/admin/"))
        assert client.post("/admin/logout", data={"csrf_token": token}).status_code == 302
    else:
        clock.shift(timedelta(hours=2, seconds=1) if how == "idle limit" else timedelta(hours=25))


def send_after_session_ended(client, clock, url: str = "/admin/articles/new", how: str = "idle limit", **typed):
    """Open the form, let the session end, then press Save with what was typed."""
    hidden = hidden_of(client.get(url))
    end_session(how, client, clock)
    return client.post(url, data={**hidden, "action": "save", **TYPED, **typed})


ENDINGS = ["idle limit", "signed out in another tab", "a day away: the form's token expired too"]


# --- Kept on the server, restored once after signing in again ------------------------------------------------


@pytest.mark.parametrize("how", ENDINGS)
def test_a_form_sent_after_the_session_ended_comes_back_whole_after_signing_in(frozen_clock, admin_client, how):
    response = send_after_session_ended(admin_client, frozen_clock, how=how)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login?next=/admin/articles/new"
    assert count(Article) == 0 and count(KeptForm) == 1
    assert SESSION_ENDED_NOTICE in text_of(admin_client.get(response.headers["Location"]))

    assert sign_in(admin_client).headers["Location"] == "/admin/articles/new"  # the form, whatever next said
    page = admin_client.get("/admin/articles/new")
    assert fields_on(page) == TYPED
    assert RESTORED in text_of(page)
    assert count(Article) == 0 and count(KeptForm) == 0  # never replayed; the key opened it once

    saved = admin_client.post("/admin/articles/new", data={**hidden_of(page), "action": "save", **fields_on(page)})
    assert saved.status_code == 302
    article = db.session.execute(db.select(Article)).scalar_one()
    assert (article.title, article.slug, article.category.name, article.summary, article.body_source) == (
        TYPED["title"], TYPED["slug"], "Local", TYPED["summary"], TYPED["body"])
    assert sorted(tag.name for tag in article.tags) == ["flooding", "river"] and article.status == ArticleStatus.PUBLISHED


def test_the_key_is_random_one_time_and_stored_only_hashed(frozen_clock, app, admin_client):
    send_after_session_ended(admin_client, frozen_clock)
    with admin_client.session_transaction() as session:
        key = session["kept_form"]
    row = db.session.execute(db.select(KeptForm)).scalar_one()
    assert len(key) >= 40 and row.key_hash == token_digest(key) and key not in row.key_hash
    assert row.user_id == User.by_username("editor").id and row.fields["body"] == TYPED["body"]

    sign_in(admin_client)
    cookie_before_restoring = admin_client.get_cookie("session").value
    assert fields_on(admin_client.get("/admin/articles/new")) == TYPED
    admin_client.set_cookie("session", cookie_before_restoring)  # the same key presented again
    again = admin_client.get("/admin/articles/new")
    assert fields_on(again)["body"] == "" and RESTORED not in text_of(again)


def test_an_edit_comes_back_on_that_articles_own_form(frozen_clock, admin_client, make_article):
    article = make_article("Barriers", body="The first version.")
    url = f"/admin/articles/{article.id}/edit"
    response = send_after_session_ended(admin_client, frozen_clock, url, how="signed out in another tab")
    assert response.headers["Location"] == f"/admin/login?next={url}"
    assert sign_in(admin_client).headers["Location"] == url
    assert admin_client.get("/admin/articles/new").get_data(as_text=True).count(TYPED["body"]) == 0
    assert fields_on(admin_client.get(url)) == TYPED
    assert db.session.get(Article, article.id).body_source == "The first version."


def test_an_article_deleted_meanwhile_comes_back_as_a_new_one(frozen_clock, admin_client, make_article):
    article = make_article("Barriers")
    send_after_session_ended(admin_client, frozen_clock, f"/admin/articles/{article.id}/edit")
    db.session.delete(article)
    db.session.commit()
    assert sign_in(admin_client).headers["Location"] == "/admin/articles/new"
    assert fields_on(admin_client.get("/admin/articles/new")) == TYPED


def test_the_server_holds_the_form_for_an_hour_at_most(frozen_clock, app, admin_client):
    send_after_session_ended(admin_client, frozen_clock)
    frozen_clock.shift(timedelta(hours=1, seconds=1))
    assert SESSION_ENDED_NOTICE not in text_of(admin_client.get("/admin/login"))
    assert sign_in(admin_client).headers["Location"] == "/admin/"
    assert fields_on(admin_client.get("/admin/articles/new"))["body"] == ""
    # The next form kept removes the rows older than an hour.
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    sign_in(other)
    send_after_session_ended(other, frozen_clock)
    assert count(KeptForm) == 1


def test_another_account_signing_in_at_that_browser_finds_nothing(frozen_clock, admin_client, make_admin):
    make_admin("colleague")
    send_after_session_ended(admin_client, frozen_clock)
    assert sign_in(admin_client, "colleague").headers["Location"] == "/admin/"
    page = admin_client.get("/admin/articles/new")
    assert fields_on(page)["body"] == "" and RESTORED not in text_of(page)
    with admin_client.session_transaction() as session:
        assert "kept_form" not in session  # the key did not survive the other account's sign-in


def test_a_stamp_copied_into_another_accounts_form_is_kept_for_its_own_account_only(frozen_clock, app, admin_client,
                                                                                    make_admin):
    make_admin("colleague")
    colleague = app.test_client()
    sign_in(colleague, "colleague")
    colleague_stamp = hidden_of(colleague.get("/admin/articles/new"))["editor_stamp"]
    hidden = hidden_of(admin_client.get("/admin/articles/new")) | {"editor_stamp": colleague_stamp}
    frozen_clock.shift(timedelta(hours=3))
    admin_client.post("/admin/articles/new", data={**hidden, "action": "save", **TYPED})
    assert db.session.execute(db.select(KeptForm.user_id)).scalar_one() == User.by_username("colleague").id
    sign_in(admin_client)  # the editor, not the colleague
    assert fields_on(admin_client.get("/admin/articles/new"))["body"] == ""


# --- Forged posts store and restore nothing ------------------------------------------------------------------


def forged_post(data: dict):
    """A POST from another site: Lax cookies stay home, so it arrives with no session at all."""
    from flask import current_app

    attacker = current_app.test_client()
    return attacker.post("/admin/articles/new", data={"action": "save", **TYPED, **data},
                         headers={"User-Agent": BROWSER_AGENT, "Origin": "https://evil.example"})


def test_a_forged_cross_site_post_gets_the_400_page_and_nothing_is_kept(admin_client):
    real = hidden_of(admin_client.get("/admin/articles/new"))
    for data in ({}, {"csrf_token": "made-up"}, {"csrf_token": "made-up", "editor_stamp": real["editor_stamp"]}):
        response = forged_post(data)
        assert response.status_code == 400, data
        assert "did not come from this site" in text_of(response)
        assert "kept_form" not in response.headers.get("Set-Cookie", "")
    assert count(KeptForm) == 0 and count(Article) == 0


def test_a_token_issued_here_without_a_real_stamp_keeps_nothing(app, make_admin):
    make_admin()
    attacker = app.test_client()
    own_token = csrf_token_of(attacker.get("/admin/login"))
    forged_stamp = "WzEsIDE3NzMxNDQwMDBd.forged"
    for stamp in ("", forged_stamp):
        response = forged_post({"csrf_token": own_token, "editor_stamp": stamp})
        assert response.status_code in (303, 400)
    assert count(KeptForm) == 0 and count(Article) == 0


@pytest.mark.parametrize(("away", "kept"), [(timedelta(days=6), 1), (timedelta(days=8), 0)])
def test_a_form_is_kept_for_a_week_of_being_open_and_no_longer(frozen_clock, admin_client, away, kept):
    hidden = hidden_of(admin_client.get("/admin/articles/new"))
    frozen_clock.shift(away)
    response = admin_client.post("/admin/articles/new", data={**hidden, "action": "save", **TYPED})
    assert response.status_code == 303 and response.headers["Location"].startswith("/admin/login")
    assert count(KeptForm) == kept and count(Article) == 0
    if not kept:
        assert "Your session ended, so nothing was changed." in text_of(admin_client.get("/admin/login"))


# --- A live session whose form aged: the form comes straight back --------------------------------------------


def test_a_form_aged_under_a_live_session_comes_straight_back_unsaved(admin_client):
    hidden = hidden_of(admin_client.get("/admin/articles/new"))
    # Signing out and in again in another tab gives this browser a new CSRF secret.
    admin_client.post("/admin/logout", data={"csrf_token": csrf_token_of(admin_client.get("/admin/"))})
    sign_in(admin_client)
    response = admin_client.post("/admin/articles/new", data={**hidden, "action": "save", **TYPED})
    assert response.status_code == 400
    assert fields_on(response) == TYPED
    assert "This form had been open too long to be accepted, so nothing is saved yet." in text_of(response)
    assert count(Article) == 0 and count(KeptForm) == 0


# --- Other newsroom forms: the sign-in page, a clear message, nothing changed -------------------------------


@pytest.fixture
def newsroom(make_article, make_comment):
    """An article with a pending comment, for the other forms to act on."""
    article = make_article("Standing story")
    comment = make_comment(article, "Waiting", status=CommentStatus.PENDING)
    return article, comment


def other_forms(article: Article, comment: Comment) -> list[tuple[str, dict]]:
    """Each other newsroom form: the page it is on, where it posts, what it sends."""
    return [
        ("/admin/comments", "/admin/comments", {"one": f"approve:{comment.id}"}),
        (f"/admin/articles/{article.id}/delete", f"/admin/articles/{article.id}/delete", {}),
        (f"/admin/articles/{article.id}/edit", f"/admin/articles/{article.id}/unpublish", {}),
        ("/admin/account", "/admin/account", {"current_password": ADMIN_PASSWORD, "new_password": "x" * 20,
                                              "confirm_password": "x" * 20}),
    ]


@pytest.mark.parametrize("how", ENDINGS)
def test_other_forms_sent_after_the_session_ended_change_nothing_and_say_so(frozen_clock, admin_client, newsroom, how):
    article, comment = newsroom
    for page_path, post_path, data in other_forms(article, comment):
        hidden = token_and_stamp_of(admin_client.get(page_path))
        end_session(how, admin_client, frozen_clock)
        response = admin_client.post(post_path, data={**hidden, **data},
                                     headers={"Referer": f"http://localhost{page_path}"})
        assert response.status_code == 303, post_path
        assert response.headers["Location"] == f"/admin/login?next={page_path}", post_path
        assert "Your session ended, so nothing was changed. Sign in and try again." in text_of(
            admin_client.get(response.headers["Location"]))
        assert sign_in(admin_client, next_path=page_path).headers["Location"] == page_path
    db.session.expire_all()
    assert db.session.get(Article, article.id).status == ArticleStatus.PUBLISHED
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING
    assert sign_in(admin_client.application.test_client()).status_code == 302  # the password is unchanged
    assert count(KeptForm) == 0


def test_another_form_aged_under_a_live_session_changes_nothing_and_says_so(admin_client, newsroom):
    _, comment = newsroom
    hidden = token_and_stamp_of(admin_client.get("/admin/comments"))
    admin_client.post("/admin/logout", data=hidden)
    sign_in(admin_client)  # signed in again in another tab: this browser has a new CSRF secret
    response = admin_client.post("/admin/comments", data={**hidden, "one": f"approve:{comment.id}"},
                                 headers={"Referer": "http://localhost/admin/comments"})
    assert response.status_code == 303 and response.headers["Location"] == "/admin/comments"
    assert "This form had been open too long to be accepted, so nothing was changed." in text_of(
        admin_client.get("/admin/comments"))
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING


def test_the_scripts_tag_suggestions_after_the_session_ended_get_a_401_and_leave_no_message(admin_client):
    token = csrf_token_of(admin_client.get("/admin/articles/new"))
    admin_client.post("/admin/logout", data={"csrf_token": token})
    admin_client.get("/admin/login")  # the signed-out page shows its own message
    response = admin_client.post("/admin/tag-suggestions", json={"body": "Ferry ferry ferry."},
                                 headers={"X-CSRFToken": token})
    assert response.status_code == 401 and response.get_json() == {
        "error": "Your session ended, so nothing was changed. Sign in and try again."}
    assert "nothing was changed" not in text_of(admin_client.get("/admin/login"))


def test_a_forged_post_to_another_form_still_gets_the_400_page(admin_client, newsroom):
    _, comment = newsroom
    response = admin_client.application.test_client().post(
        "/admin/comments", data={"csrf_token": "made-up", "one": f"approve:{comment.id}"},
        headers={"User-Agent": BROWSER_AGENT})
    assert response.status_code == 400 and "did not come from this site" in text_of(response)
    assert db.session.get(Comment, comment.id).status == CommentStatus.PENDING


# --- Limits, told before and after sending ------------------------------------------------------------------


def test_too_long_fields_are_refused_in_the_sites_words(admin_client):
    token = csrf_token_of(admin_client.get("/admin/articles/new"))
    response = admin_client.post("/admin/articles/new", data={
        "csrf_token": token, "action": "save", **TYPED, "title": "T" * 243, "summary": "s" * 412, "slug": ""})
    assert response.status_code == 400
    page = text_of(response)
    assert "Titles can be at most 200 characters; this one has 243." in page
    assert "Summaries can be at most 300 characters; this one has 412." in page
    assert fields_on(response)["title"] == "T" * 243  # what was typed stays in the form
    assert count(Article) == 0


def test_the_form_gives_its_script_the_limits_and_no_maxlength_cuts_a_paste(admin_client):
    html = admin_client.get("/admin/articles/new").get_data(as_text=True)
    assert 'data-max-bytes="262144"' in html and 'data-article="new"' in html
    assert f'data-account="{User.by_username("editor").id}"' in html
    assert 'data-limit="200"' in html and 'data-limit="300"' in html
    assert 'name="title"' in html and 'maxlength="200" name="title"' not in html and "maxlength=\"300\"" not in html
    assert '<script src="/static/editor.js" defer></script>' in html


def test_a_save_tells_the_next_page_which_browser_draft_it_made_obsolete(admin_client):
    token = csrf_token_of(admin_client.get("/admin/articles/new"))
    saved = admin_client.post("/admin/articles/new", data={"csrf_token": token, "action": "save", **TYPED})
    after_save = admin_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert 'data-saved-draft="new"' in after_save
    assert "data-saved-draft" not in admin_client.get(saved.headers["Location"]).get_data(as_text=True)


def test_an_oversized_article_gets_a_413_page_with_the_limit_and_the_way_back(admin_client, make_article):
    article = make_article("Long read")
    for url in ("/admin/articles/new", f"/admin/articles/{article.id}/edit"):
        token = csrf_token_of(admin_client.get(url))
        response = admin_client.post(url, data={"csrf_token": token, "action": "save", **TYPED,
                                                "body": "word " * 60_000})
        assert response.status_code == 413
        page = text_of(response)
        assert "larger than the 256 KB the site accepts from a form, so nothing was saved" in page
        assert "Your draft is kept in this browser" in page
        assert f'<a href="{url}">Back to the article form</a>' in response.get_data(as_text=True)
    assert db.session.get(Article, article.id).title == "Long read"


def test_an_oversized_comment_keeps_the_plain_413_page(client, make_article):
    make_article("Open for comments")
    response = client.post("/articles/open-for-comments/comments", data={"body": "x" * 300_000})
    assert response.status_code == 413 and "kept in this browser" not in text_of(response)


def test_signing_out_of_an_ended_session_still_signs_out(frozen_clock, admin_client):
    token = csrf_token_of(admin_client.get("/admin/"))
    db.session.execute(db.delete(AdminSession))
    db.session.commit()
    response = admin_client.post("/admin/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/admin/login"
    assert "You are signed out." in text_of(admin_client.get("/admin/login"))
