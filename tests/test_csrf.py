"""One CSRF check and one signed-stamp helper: a form is ok, stale (ours, aged) or forged, with CSRF on."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from itsdangerous import URLSafeTimedSerializer

from content.text import token_digest
from models import Comment, CommentStatus, KeptForm, db
from newsroom.forms import EDITOR_STAMP_PURPOSE
from readers.article_page import OWN_COMMENTS
from tests.conftest import BROWSER_AGENT, sign_in
from tests.test_kept_forms import TYPED, count, hidden_of, token_and_stamp_of
from tests.test_reader import text_of
from web import stamps
from web.csrf import ISSUED_PURPOSE, read_issued

FORGED_PAGE = "did not come from this site"
RESEND = "Please check your comment and send it again."
SESSION_ENDED = "Your session ended, so nothing was changed. Sign in and try again."
# A moment far from the real one: a stamp timed by time.time() instead of the site's clock would show it.
ELSEWHEN = datetime(2031, 5, 4, 9, 30, tzinfo=UTC)


def test_csrf_is_on_in_these_tests(app):
    assert app.config["WTF_CSRF_ENABLED"] is True


# --- Signed stamps -----------------------------------------------------------------------------------------


def test_a_stamp_reads_back_its_value_and_an_age_by_the_sites_clock(app, monkeypatch):
    monkeypatch.setattr("web.stamps.now_utc", lambda: ELSEWHEN)
    stamp = stamps.sign("a-purpose", [7, "seven"])
    monkeypatch.setattr("web.stamps.now_utc", lambda: ELSEWHEN + timedelta(seconds=90))
    assert stamps.read("a-purpose", stamp) == stamps.Stamp([7, "seven"], timedelta(seconds=90))


def test_a_stamps_age_follows_the_frozen_clock_up_to_its_limit(app, frozen_clock):
    stamp = stamps.sign("a-purpose", 1)
    frozen_clock.shift(timedelta(days=1))
    assert stamps.read("a-purpose", stamp, max_age=timedelta(days=1)).age == timedelta(days=1)
    frozen_clock.shift(timedelta(seconds=1))
    assert stamps.read("a-purpose", stamp, max_age=timedelta(days=1)) is None
    assert stamps.read("a-purpose", stamp).age == timedelta(days=1, seconds=1)  # no limit: any age is read


def test_a_stamp_signed_for_another_purpose_or_with_another_key_is_refused(app):
    stamp = stamps.sign("a-purpose", 1)
    assert stamps.read("another-purpose", stamp) is None
    foreign = URLSafeTimedSerializer("another key", salt="a-purpose", signer=stamps.SiteClockSigner).dumps(1)
    assert stamps.read("a-purpose", foreign) is None
    app.config["SECRET_KEY"] = "a rotated key"
    assert stamps.read("a-purpose", stamp) is None
    for junk in (None, "", "1700000000", stamp[:-2] + "xx"):
        assert stamps.read("a-purpose", junk) is None


# --- Comments: ok, stale, forged ---------------------------------------------------------------------------


@pytest.fixture
def article(make_article):
    """A published article to comment on."""
    return make_article("Bridge reopens")


def reader(app):
    """A fresh reader's browser."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    return client


def started_comment(client) -> dict[str, str]:
    """A reader with a session (one who has commented) opens the article: its script puts /me's token in the form."""
    with client.session_transaction() as session:
        session[OWN_COMMENTS] = [999]
    page = client.get("/articles/bridge-reopens")
    article_id = re.search(r'data-me-url="/me\?article=(\d+)"', page.get_data(as_text=True))[1]
    answer = client.get(f"/me?article={article_id}").get_json()
    return {"csrf_token": answer["csrf_token"], "issued": answer["issued"], "name": "Ann", "body": "Kept words."}


def send_comment(client, data: dict):
    """Press the comment form's button."""
    return client.post("/articles/bridge-reopens/comments", data=data, headers={"Sec-Fetch-Site": "same-origin"})


def comment_bodies() -> list[str]:
    """The stored comments' HTML."""
    db.session.expire_all()
    return list(db.session.execute(db.select(Comment.body_html)).scalars())


def test_a_comment_as_drawn_is_ok(app, article):
    client = reader(app)
    response = send_comment(client, started_comment(client))
    assert response.status_code == 302 and comment_bodies() == ["<p>Kept words.</p>"]


def test_a_comment_whose_session_was_lost_is_stale_and_comes_back_with_its_text(app, article):
    client = reader(app)
    data = started_comment(client)
    client.delete_cookie("session")
    response = send_comment(client, data)
    assert response.status_code == 400 and RESEND in text_of(response) and "Kept words." in text_of(response)
    assert FORGED_PAGE not in text_of(response) and comment_bodies() == []


@pytest.mark.parametrize("stamp_from", ["nowhere", "another reader", "another purpose"])
def test_a_comment_whose_session_was_lost_without_its_own_stamp_is_forged(app, article, stamp_from):
    client = reader(app)
    data = started_comment(client)
    client.delete_cookie("session")
    if stamp_from == "nowhere":
        data.pop("issued")
    elif stamp_from == "another reader":
        data["issued"] = started_comment(reader(app))["issued"]  # genuine, but for another token
    else:
        data["issued"] = stamps.sign(EDITOR_STAMP_PURPOSE, token_digest(data["csrf_token"]))
    response = send_comment(client, data)
    assert response.status_code == 400 and FORGED_PAGE in text_of(response)
    assert "Kept words." not in text_of(response) and comment_bodies() == []


@pytest.mark.parametrize("stamp", ["another purpose", "another key"])
def test_a_comment_timed_by_a_stamp_that_is_not_its_own_is_sent_back(app, article, stamp):
    client = reader(app)
    data = started_comment(client)
    if stamp == "another purpose":
        data["issued"] = stamps.sign(EDITOR_STAMP_PURPOSE, token_digest(data["csrf_token"]))
    else:
        data["issued"] = URLSafeTimedSerializer("another key", salt=ISSUED_PURPOSE).dumps(token_digest(data["csrf_token"]))
    response = send_comment(client, data)
    assert response.status_code == 400 and RESEND in text_of(response) and comment_bodies() == []


# --- Newsroom forms: ok, stale, forged ---------------------------------------------------------------------


@pytest.fixture
def pending(make_article, make_comment) -> Comment:
    """A comment waiting for moderation."""
    return make_comment(make_article("Standing story"), "Waiting", status=CommentStatus.PENDING)


def approve(client, hidden: dict, comment: Comment, site: str = "http://localhost"):
    """Press a moderation form's Approve button with these hidden fields, on the site at this address."""
    return client.post("/admin/comments", data={**hidden, "one": f"approve:{comment.id}"}, base_url=site,
                       headers={"Referer": f"{site}/admin/comments"})


def status_of(comment: Comment) -> str:
    """The comment's status, read afresh."""
    db.session.expire_all()
    return db.session.get(Comment, comment.id).status


def signed_out_in_another_tab(client) -> None:
    """End this browser's session, as the sign-out button of another tab does."""
    assert client.post("/admin/logout", data=token_and_stamp_of(client.get("/admin/"))).status_code == 302


def test_a_newsroom_form_as_drawn_is_ok(admin_client, pending):
    response = approve(admin_client, token_and_stamp_of(admin_client.get("/admin/comments")), pending)
    assert response.status_code in (302, 303) and status_of(pending) == CommentStatus.VISIBLE


def test_a_newsroom_form_whose_session_ended_is_stale_and_changes_nothing(admin_client, pending):
    hidden = token_and_stamp_of(admin_client.get("/admin/comments"))
    signed_out_in_another_tab(admin_client)
    response = approve(admin_client, hidden, pending)
    assert response.status_code == 303 and response.headers["Location"] == "/admin/login?next=/admin/comments"
    assert SESSION_ENDED in text_of(admin_client.get(response.headers["Location"]))
    assert status_of(pending) == CommentStatus.PENDING


@pytest.mark.parametrize("stamp_from", ["nowhere", "another browser", "another purpose", "another key"])
def test_a_newsroom_form_without_its_own_stamp_is_forged(app, admin_client, pending, stamp_from):
    hidden = token_and_stamp_of(admin_client.get("/admin/comments"))
    digest = token_digest(hidden["csrf_token"])
    stamp = {"nowhere": "",
             "another browser": token_and_stamp_of(reader(app).get("/admin/login"))["issued"],
             "another purpose": stamps.sign(EDITOR_STAMP_PURPOSE, digest),
             "another key": URLSafeTimedSerializer("another key", salt=ISSUED_PURPOSE).dumps(digest)}[stamp_from]
    signed_out_in_another_tab(admin_client)
    response = approve(admin_client, hidden | {"issued": stamp}, pending)
    assert response.status_code == 400 and FORGED_PAGE in text_of(response)
    assert status_of(pending) == CommentStatus.PENDING


def test_a_token_refused_for_its_missing_referrer_over_https_is_forged_not_stale(admin_client, pending):
    hidden = token_and_stamp_of(admin_client.get("/admin/comments"))
    bare = admin_client.post("/admin/comments", data={**hidden, "one": f"approve:{pending.id}"},
                             base_url="https://localhost")
    assert bare.status_code == 400 and FORGED_PAGE in text_of(bare) and status_of(pending) == CommentStatus.PENDING
    referred = approve(admin_client, hidden, pending, site="https://localhost")
    assert referred.status_code in (302, 303) and status_of(pending) == CommentStatus.VISIBLE


def test_an_article_forms_real_stamps_with_a_made_up_token_are_forged_and_keep_nothing(app, admin_client):
    hidden = hidden_of(admin_client.get("/admin/articles/new"))
    signed_out_in_another_tab(admin_client)
    forged = admin_client.post("/admin/articles/new", data={**hidden, "csrf_token": "made-up", "action": "save", **TYPED})
    assert forged.status_code == 400 and FORGED_PAGE in text_of(forged) and count(KeptForm) == 0
    stale = admin_client.post("/admin/articles/new", data={**hidden, "action": "save", **TYPED})
    assert stale.status_code == 303 and count(KeptForm) == 1


# --- Every newsroom form carries a stamp naming its token ------------------------------------------------


def posting_forms(html: str) -> list[str]:
    """The HTML of every form on the page that POSTs."""
    return re.findall(r'<form\b[^>]*method="post".*?</form>', html, re.S)


def field_values(form_html: str, name: str) -> list[str]:
    """The values of a form's inputs named `name` (or `<prefix>-name`), whatever the attribute order."""
    values = []
    for tag in re.findall(r"<input\b[^>]*>", form_html):
        found_name = re.search(r'name="([^"]*)"', tag)
        if found_name and (found_name[1] == name or found_name[1].endswith(f"-{name}")):
            values.append(unescape(re.search(r'value="([^"]*)"', tag)[1]))
    return values


@pytest.mark.parametrize("path", ["/admin/", "/admin/comments", "/admin/account", "/admin/categories", "/admin/people",
                                  "/admin/media", "/admin/articles/{id}/edit", "/admin/articles/{id}/delete",
                                  "/admin/login"])
def test_every_newsroom_form_carries_a_stamp_naming_its_token(app, admin_client, make_article, path):
    article = make_article("Standing story")
    client = reader(app) if path == "/admin/login" else admin_client
    forms = posting_forms(client.get(path.format(id=article.id)).get_data(as_text=True))
    assert forms, path
    for form in forms:
        [token], [stamp] = field_values(form, "csrf_token"), field_values(form, "issued")
        assert read_issued(stamp).value == token_digest(token), form[:120]


def test_the_preview_carries_the_editors_stamp_back(admin_client):
    hidden = hidden_of(admin_client.get("/admin/articles/new"))
    preview = admin_client.post("/admin/articles/new", data={**hidden, "action": "preview", **TYPED})
    [banner] = [form for form in posting_forms(preview.get_data(as_text=True)) if 'value="edit"' in form]
    [token], [stamp], [editor] = (field_values(banner, name) for name in ("csrf_token", "issued", "editor_stamp"))
    assert read_issued(stamp).value == token_digest(token)
    sign_in(admin_client)  # a new session in another tab: the banner's token aged, its stamp still vouches
    again = admin_client.post("/admin/articles/new", data={"csrf_token": token, "issued": stamp, "editor_stamp": editor,
                                                            "action": "save", **TYPED})
    assert again.status_code == 400 and "nothing is saved yet" in text_of(again)
