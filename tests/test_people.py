"""People: invitations, roles, deactivation, the last admin, writers' drafts and review, one's own byline."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from content.text import token_digest
from models import AdminSession, Article, ArticleStatus, Invitation, Role, User, db
from newsroom.people import INVITATION_LIFETIME
from tests.conftest import ADMIN_PASSWORD, BROWSER_AGENT, csrf_token_of, sign_in, signed_in_client

NEW_PASSWORD = "twelve chars at least"


def text_of(response) -> str:
    """A page's text with its tags stripped, for reading as a person would."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def make_invitation(admin_client, role: str = "writer") -> str:
    """Invite someone through the people page as an admin; the path of the link shown."""
    return link_shown(admin_client, "/admin/people/invite", {"role": role}, "invitation-link")


def link_shown(admin_client, action: str, data: dict, element_id: str) -> str:
    """Press a people-page button that makes a one-time link; the path of the link the page then shows once."""
    token = csrf_token_of(admin_client.get("/admin/people"))
    response = admin_client.post(action, data={"csrf_token": token, **data})
    assert response.headers["Location"] == "/admin/people"
    page = admin_client.get("/admin/people").get_data(as_text=True)
    site = re.escape(admin_client.application.config["SITE_URL"])
    link = re.search(rf'id="{element_id}">{site}(/admin/(?:join|password)/[^<]+)<', page)
    assert link, page
    return link.group(1)


def accept(client, path: str, display_name: str = "Ada Lovelace", username: str = "ada",
           password: str = NEW_PASSWORD, confirm: str | None = None):
    """Fill the invitation form as the invitee would."""
    token = csrf_token_of(client.get(path))
    return client.post(path, data={"csrf_token": token, "display_name": display_name, "username": username,
                                   "password": password, "confirm_password": confirm or password})


@pytest.fixture
def browser(app):
    """A fresh browser with no session."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    return client


# --- Invitations ------------------------------------------------------------------------------------------


def test_an_invitation_makes_an_account_with_its_role_once(frozen_clock, admin_client, browser):
    path = make_invitation(admin_client, "editor")
    stored = db.session.execute(db.select(Invitation)).scalar_one()
    raw = path.rsplit("/", 1)[1]
    assert stored.token_hash == token_digest(raw) and raw not in stored.token_hash
    assert "Open invitations" in text_of(admin_client.get("/admin/people"))
    assert "invited as an editor" in text_of(browser.get(path))
    response = accept(browser, path)
    assert response.headers["Location"] == "/admin/"
    ada = User.by_username("ada")
    assert (ada.display_name, ada.slug, ada.role, ada.active) == ("Ada Lovelace", "ada-lovelace", Role.EDITOR, True)
    assert "Welcome, Ada Lovelace" in text_of(browser.get("/admin/"))
    db.session.expire_all()
    assert db.session.get(Invitation, stored.id).user_id == ada.id
    # Used: the link is dead, for anyone.
    stranger = browser.application.test_client()
    again = stranger.get(path)
    assert again.status_code == 404 and "used already" in text_of(again)
    token = csrf_token_of(stranger.get("/admin/login"))
    reused = stranger.post(path, data={"csrf_token": token, "display_name": "Someone Else", "username": "other",
                                       "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert reused.status_code == 404, reused.headers.get("Location")
    assert User.by_username("other") is None


def test_the_invitation_link_is_on_site_url_not_the_host_the_request_named(admin_client):
    token = csrf_token_of(admin_client.get("/admin/people"))
    admin_client.post("/admin/people/invite", data={"csrf_token": token, "role": "writer"})
    page = admin_client.get("/admin/people").get_data(as_text=True)
    assert admin_client.application.config["SITE_URL"] == "http://127.0.0.1:5000"
    assert "http://localhost/admin/join/" not in page  # the test client's requests name localhost
    assert re.search(r'id="invitation-link">http://127\.0\.0\.1:5000/admin/join/[^<]+<', page)


def test_an_invitation_expires_after_48_hours(frozen_clock, admin_client, browser):
    path = make_invitation(admin_client)
    frozen_clock.shift(INVITATION_LIFETIME - timedelta(minutes=1))
    assert browser.get(path).status_code == 200
    frozen_clock.shift(timedelta(minutes=2))
    response = browser.get(path)
    assert response.status_code == 404 and "more than 48 hours old" in text_of(response)
    assert "Open invitations" not in text_of(admin_client.get("/admin/people"))


def test_a_form_sent_after_the_invitation_expired_creates_nothing(frozen_clock, admin_client, browser):
    path = make_invitation(admin_client)
    frozen_clock.shift(INVITATION_LIFETIME - timedelta(hours=1))
    token = csrf_token_of(browser.get(path))
    frozen_clock.shift(timedelta(hours=2))
    response = browser.post(path, data={"csrf_token": token, "display_name": "Late", "username": "late",
                                        "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 404 and User.by_username("late") is None


@pytest.mark.parametrize("change", [lambda t: t[:-1], lambda t: t + "x", lambda t: t.upper(), lambda t: "x" * len(t)])
def test_a_tampered_link_opens_nothing(admin_client, browser, change):
    path = make_invitation(admin_client)
    prefix, token = path.rsplit("/", 1)
    response = browser.get(f"{prefix}/{change(token)}")
    assert response.status_code == 404 and "Ask an admin" in text_of(response)
    assert 'class="site-header"' in response.get_data(as_text=True)


def test_the_invitee_gets_clear_errors_and_keeps_what_they_typed(admin_client, browser, make_person):
    make_person("taken", display_name="Grace Hopper")
    path = make_invitation(admin_client)
    short = accept(browser, path, password="too short", display_name="Ada Lovelace")
    assert short.status_code == 400 and "at least 12 characters" in text_of(short)
    assert 'value="Ada Lovelace"' in short.get_data(as_text=True)
    taken = accept(browser, path, display_name="grace hopper", username="grace")
    assert taken.status_code == 400 and "Another account already signs as" in text_of(taken)
    assert accept(browser, path, username="taken").status_code == 400
    assert User.by_username("grace") is None
    db.session.expire_all()
    assert db.session.execute(db.select(Invitation.used_at)).scalar_one() is None  # still good for a retry


# --- Roles, deactivation and the last admin -----------------------------------------------------------------


def test_an_admin_changes_a_role(admin_client, make_person):
    writer = make_person("wanda", display_name="Wanda Writer")
    token = csrf_token_of(admin_client.get("/admin/people"))
    admin_client.post(f"/admin/people/{writer.id}/role", data={"csrf_token": token, "role": "editor"})
    assert "Wanda Writer is now an editor." in text_of(admin_client.get("/admin/people"))
    db.session.expire_all()
    assert db.session.get(User, writer.id).role == Role.EDITOR


def test_deactivating_ends_sessions_at_once_and_keeps_bylines(app, admin_client, make_person, make_article):
    writer = make_person("wanda", display_name="Wanda Writer")
    make_article("Her story", authors=(writer,))
    wanda = signed_in_client(app, "wanda")
    assert wanda.get("/admin/").status_code == 200
    token = csrf_token_of(admin_client.get("/admin/people"))
    admin_client.post(f"/admin/people/{writer.id}/deactivate", data={"csrf_token": token})
    assert "signed out everywhere" in text_of(admin_client.get("/admin/people"))
    assert db.session.execute(db.select(AdminSession).filter_by(user_id=writer.id)).first() is None
    assert wanda.get("/admin/").headers["Location"].startswith("/admin/login")
    assert "The name or password is not right." in text_of(sign_in(app.test_client(), "wanda"))
    story = text_of(app.test_client().get("/articles/her-story", headers={"User-Agent": BROWSER_AGENT}))
    assert "By Wanda Writer" in story


def test_a_deactivated_account_known_only_by_its_sign_in_name_is_not_named(app, make_person, make_article,
                                                                         admin_client):
    person = make_person("jsmith")  # display name defaults to the sign-in name
    make_article("Old story", authors=(person,))
    token = csrf_token_of(admin_client.get("/admin/people"))
    admin_client.post(f"/admin/people/{person.id}/deactivate", data={"csrf_token": token})
    page = app.test_client().get("/articles/old-story", headers={"User-Agent": BROWSER_AGENT})
    assert "By A former staff member" in text_of(page) and "jsmith" not in page.get_data(as_text=True)
    assert app.test_client().get(f"/authors/{person.slug}").status_code == 404


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(admin_client, make_person):
    me = User.by_username("editor")
    token = csrf_token_of(admin_client.get("/admin/people"))
    admin_client.post(f"/admin/people/{me.id}/role", data={"csrf_token": token, "role": "editor"})
    assert "The last active admin cannot be demoted or deactivated" in text_of(admin_client.get("/admin/people"))
    admin_client.post(f"/admin/people/{me.id}/deactivate", data={"csrf_token": token})
    assert "The last active admin" in text_of(admin_client.get("/admin/people"))
    db.session.expire_all()
    assert db.session.get(User, me.id).role == Role.ADMIN and db.session.get(User, me.id).active
    # With a second admin, the first may step down.
    make_person("second", Role.ADMIN, "Second Admin")
    admin_client.post(f"/admin/people/{me.id}/role", data={"csrf_token": token, "role": "editor"})
    db.session.expire_all()
    assert db.session.get(User, me.id).role == Role.EDITOR
    assert admin_client.get("/admin/people").status_code == 403


def test_create_admin_creates_an_admin_who_signs_with_a_public_name(runner):
    result = runner.invoke(args=["create-admin", "chief", "--display-name", "Chief Editor", "--password-stdin"],
                           input=ADMIN_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    chief = User.by_username("chief")
    assert (chief.role, chief.display_name, chief.slug) == (Role.ADMIN, "Chief Editor", "chief-editor")


# --- Writers: their drafts, review, and no publishing ---------------------------------------------------------


def write(client, path: str = "/admin/articles/new", **fields):
    """Send the article form with these fields."""
    token = csrf_token_of(client.get(path))
    data = {"csrf_token": token, "title": "A writer's story", "category": "Local", "new_category": "y",
            "body": "A paragraph.", "status": "draft", "action": "save", **fields}
    return client.post(path, data=data)


def test_a_writer_creates_a_draft_signed_with_their_name_and_sends_it_to_review(app, make_person, make_admin):
    writer = make_person("wanda", display_name="Wanda Writer")
    make_person("eddie", Role.EDITOR, "Eddie Editor")
    client = signed_in_client(app, "wanda")
    form = client.get("/admin/articles/new").get_data(as_text=True)
    assert 'name="status"' not in form and "send it to review" in form
    response = write(client)
    article = db.session.execute(db.select(Article)).scalar_one()
    assert response.headers["Location"] == f"/admin/articles/{article.id}/edit"
    assert article.created_by_id == writer.id and article.authors == [writer]
    assert article.status == ArticleStatus.DRAFT and not article.waits_for_review
    token = csrf_token_of(client.get(f"/admin/articles/{article.id}/edit"))
    client.post(f"/admin/articles/{article.id}/review", data={"csrf_token": token})
    assert "is sent to review" in text_of(client.get(f"/admin/articles/{article.id}/edit"))
    editor = signed_in_client(app, "eddie")
    listing = text_of(editor.get("/admin/"))
    assert "1 draft waiting for review" in listing and "Draft, waiting for review" in listing
    assert "A writer's story" in text_of(editor.get("/admin/?status=review"))
    # The editor publishes it: the review is done, and the writer can no longer change it.
    write(editor, f"/admin/articles/{article.id}/edit", status="published", authors="Wanda Writer")
    db.session.expire_all()
    article = db.session.get(Article, article.id)
    assert article.is_live and article.review_requested_at is None
    assert "waiting for review" not in text_of(editor.get("/admin/"))
    assert client.get(f"/admin/articles/{article.id}/edit").status_code == 403


def test_a_writer_asking_to_publish_gets_a_draft_and_is_told_why(app, make_person):
    make_person("wanda", display_name="Wanda Writer")
    client = signed_in_client(app, "wanda")
    response = write(client, status="published", published_at="2026-01-01T10:00")
    article = db.session.execute(db.select(Article)).scalar_one()
    assert article.status == ArticleStatus.DRAFT and article.published_at is None
    told = text_of(client.get(response.headers["Location"]))
    assert "writers do not publish or schedule" in told
    assert app.test_client().get(f"/articles/{article.slug}").status_code == 404


def test_a_writer_edits_their_own_draft_but_not_anothers(app, make_person, make_article):
    writer = make_person("wanda", display_name="Wanda Writer")
    other = make_person("otto", display_name="Otto Other")
    mine = make_article("Mine", status=ArticleStatus.DRAFT, authors=(writer,))
    theirs = make_article("Theirs", status=ArticleStatus.DRAFT, authors=(other,))
    client = signed_in_client(app, "wanda")
    write(client, f"/admin/articles/{mine.id}/edit", title="Mine, better")
    refused = client.get(f"/admin/articles/{theirs.id}/edit")
    assert refused.status_code == 403 and "Not allowed" in text_of(refused)
    listing = client.get("/admin/").get_data(as_text=True)
    assert f"/admin/articles/{mine.id}/edit" in listing and f"/admin/articles/{theirs.id}/edit" not in listing
    db.session.expire_all()
    assert db.session.get(Article, mine.id).title == "Mine, better"
    # The byline stays as the editors set it, whatever a writer's form sends.
    write(client, f"/admin/articles/{mine.id}/edit", title="Mine, again", authors="Otto Other")
    db.session.expire_all()
    assert db.session.get(Article, mine.id).authors == [db.session.get(User, writer.id)]


# --- One's own account -----------------------------------------------------------------------------------------


def test_anyone_sets_their_byline_name_and_bio(app, make_person, make_article):
    person = make_person("wanda", display_name="Wanda Writer")
    make_article("Story", authors=(person,))
    client = signed_in_client(app, "wanda")
    token = csrf_token_of(client.get("/admin/account"))
    response = client.post("/admin/account", data={"csrf_token": token, "form": "profile",
                                                   "profile-display_name": "Wanda Wright",
                                                   "profile-bio": "Covers the harbour."})
    assert response.headers["Location"] == "/admin/account"
    author_page = text_of(app.test_client().get("/authors/wanda-wright"))
    assert "Wanda Wright" in author_page and "Covers the harbour." in author_page
    make_person("grace", display_name="Grace Hopper")
    taken = client.post("/admin/account", data={"csrf_token": token, "form": "profile",
                                                "profile-display_name": "Grace Hopper", "profile-bio": "Mine now"})
    assert taken.status_code == 400 and "Another account already signs as" in text_of(taken)
    assert 'Mine now' in taken.get_data(as_text=True)
