"""Password links: made by an admin on the people page, used once within 48 hours, withdrawn; reactivation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from content.text import token_digest
from models import AdminSession, Invitation, PasswordLink, Role, User, db
from newsroom.people import PASSWORD_LINK_LIFETIME, use_password_link
from tests.conftest import ADMIN_PASSWORD, csrf_token_of, sign_in, signed_in_client
from tests.test_people import NEW_PASSWORD, link_shown, make_invitation, text_of

DEAD = "This password link does not work"


@pytest.fixture
def wanda(make_person):
    """A writer whose password is to be set anew."""
    return make_person("wanda", Role.WRITER, "Wanda Writer")


def make_password_link(admin_client, person: User) -> str:
    """Make a password link for `person` on the people page as an admin; the path of the link shown."""
    return link_shown(admin_client, f"/admin/people/{person.id}/password-link", {}, "password-link")


def choose(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    """Fill the password link's form as its holder would."""
    token = csrf_token_of(client.get(path))
    return client.post(path, data={"csrf_token": token, "password": password, "confirm_password": confirm or password})


def withdraw(admin_client, path: str):
    """Press a Withdraw button on the people page."""
    token = csrf_token_of(admin_client.get("/admin/people"))
    return admin_client.post(path, data={"csrf_token": token})


def signs_in(app, username: str, password: str, address: str = "192.0.2.10") -> bool:
    """Whether a fresh browser signs in with this name and password."""
    return sign_in(app.test_client(), username, password, address=address).status_code == 302


# --- The whole flow -------------------------------------------------------------------------------------------


def test_a_password_link_sets_a_new_password_once_and_signs_the_account_out_everywhere(
        frozen_clock, app, admin_client, wanda, client):
    wandas_laptop = signed_in_client(app, "wanda")
    admins_own = AdminSession.user_id == User.by_username("editor").id
    path = make_password_link(admin_client, wanda)
    raw = path.rsplit("/", 1)[1]
    stored = db.session.execute(db.select(PasswordLink)).scalar_one()
    assert stored.token_hash == token_digest(raw) and raw not in stored.token_hash
    assert (stored.user_id, stored.made_by.username, stored.used_at) == (wanda.id, "editor", None)
    listed = text_of(admin_client.get("/admin/people"))
    assert "Open password links" in listed and "For Wanda Writer, made by editor just now" in listed
    assert raw not in admin_client.get("/admin/people").get_data(as_text=True)  # shown once only

    form = client.get(path)
    assert form.status_code == 200 and "who signs in as wanda" in text_of(form)
    response = choose(client, path)
    assert response.headers["Location"] == "/admin/login"
    assert "Your new password is set" in text_of(client.get("/admin/login"))
    # Every session of the account ended; the admin's own did not.
    assert wandas_laptop.get("/admin/").headers["Location"] == "/admin/login?next=/admin/"
    assert db.session.execute(db.select(AdminSession).filter_by(user_id=wanda.id)).first() is None
    assert db.session.execute(db.select(AdminSession).where(admins_own)).first() is not None
    assert not signs_in(app, "wanda", ADMIN_PASSWORD) and signs_in(app, "wanda", NEW_PASSWORD)
    assert "Open password links" not in text_of(admin_client.get("/admin/people"))

    # Used: the link opens nothing, and sending its form again changes nothing.
    again = client.get(path)
    assert again.status_code == 404 and DEAD in text_of(again) and "used already" in text_of(again)
    token = csrf_token_of(client.get("/admin/login"))
    resent = client.post(path, data={"csrf_token": token, "password": "a third long password",
                                      "confirm_password": "a third long password"})
    assert resent.status_code == 404 and not signs_in(app, "wanda", "a third long password")


@pytest.mark.parametrize(("sent_after", "works"), [(PASSWORD_LINK_LIFETIME - timedelta(seconds=1), True),
                                                   (PASSWORD_LINK_LIFETIME, False)])
def test_a_password_link_lasts_48_hours_to_the_second(frozen_clock, app, admin_client, wanda, client,
                                                      sent_after, works):
    path = make_password_link(admin_client, wanda)
    frozen_clock.shift(PASSWORD_LINK_LIFETIME - timedelta(seconds=1))
    token = csrf_token_of(client.get(path))  # the form opens a second before the end
    frozen_clock.shift(sent_after - (PASSWORD_LINK_LIFETIME - timedelta(seconds=1)))
    response = client.post(path, data={"csrf_token": token, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    if works:
        assert response.headers["Location"] == "/admin/login"
    else:
        assert response.status_code == 404 and "more than 48 hours old" in text_of(response)
        assert client.get(path).status_code == 404
        assert "Open password links" not in text_of(admin_client.get("/admin/people"))
    assert signs_in(app, "wanda", NEW_PASSWORD) is works
    assert signs_in(app, "wanda", ADMIN_PASSWORD) is not works


def test_a_password_link_lifts_the_sign_in_lock(frozen_clock, app, admin_client, wanda, client):
    for _ in range(5):
        sign_in(app.test_client(), "wanda", "wrong guess at it", address="198.51.100.1")
    elsewhere = sign_in(app.test_client(), "wanda", ADMIN_PASSWORD, address="198.51.100.2")
    assert elsewhere.status_code == 429 and "Sign-in is locked" in text_of(elsewhere)
    choose(client, make_password_link(admin_client, wanda))
    assert signs_in(app, "wanda", NEW_PASSWORD, address="198.51.100.2")


def test_the_new_password_follows_the_same_rules_and_a_refusal_keeps_the_link(admin_client, wanda, client, app):
    path = make_password_link(admin_client, wanda)
    short = choose(client, path, password="too short")
    assert short.status_code == 400 and "at least 12 characters" in text_of(short)
    differ = choose(client, path, confirm="not the same one at all")
    assert differ.status_code == 400 and "The two passwords differ." in text_of(differ)
    assert signs_in(app, "wanda", ADMIN_PASSWORD)
    assert choose(client, path).headers["Location"] == "/admin/login"


def test_a_link_spent_meanwhile_sets_nothing(admin_client, wanda, app):
    path = make_password_link(admin_client, wanda)
    link = PasswordLink.open_by_token(path.rsplit("/", 1)[1])
    assert use_password_link(link, NEW_PASSWORD).username == "wanda"
    assert use_password_link(link, "a second form sent at once") is None  # the same link, a request later
    assert signs_in(app, "wanda", NEW_PASSWORD) and not signs_in(app, "wanda", "a second form sent at once")


# --- Dead and forged links --------------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [lambda t: t[:-1], lambda t: t + "x", lambda t: t.upper(), lambda t: "x" * len(t),
                                   lambda t: "é" * 3])
def test_a_forged_link_opens_nothing_and_names_no_one(admin_client, wanda, client, change):
    prefix, token = make_password_link(admin_client, wanda).rsplit("/", 1)
    response = client.get(f"{prefix}/{change(token)}")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and DEAD in text_of(response) and "Ask an admin" in text_of(response)
    assert 'class="site-header"' in page and "wanda" not in page.lower()
    csrf = csrf_token_of(client.get("/admin/login"))
    sent = client.post(f"{prefix}/{change(token)}", data={"csrf_token": csrf, "password": NEW_PASSWORD,
                                                           "confirm_password": NEW_PASSWORD})
    assert sent.status_code == 404


def test_used_withdrawn_and_forged_links_get_the_same_page(app, admin_client, wanda, make_person, client):
    used = make_password_link(admin_client, wanda)
    choose(client, used)
    other = make_person("otto", display_name="Otto Other")
    withdrawn = make_password_link(admin_client, other)
    link_id = db.session.execute(db.select(PasswordLink.id).filter_by(user_id=other.id)).scalar_one()
    withdraw(admin_client, f"/admin/people/password-links/{link_id}/withdraw")
    pages = {text_of(app.test_client().get(path)) for path in (used, withdrawn, "/admin/password/made-up")}
    assert len(pages) == 1 and DEAD in pages.pop()


def test_the_password_form_needs_its_csrf_token(admin_client, wanda, client, app):
    path = make_password_link(admin_client, wanda)
    client.get(path)
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(path, data={**data, "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
        assert response.status_code == 400 and "did not come from this site" in text_of(response)
    assert signs_in(app, "wanda", ADMIN_PASSWORD) and client.get(path).status_code == 200


# --- The people page: the lists, withdrawing, one link per account -------------------------------------------------


def test_open_links_are_listed_and_each_is_withdrawn_by_its_button(frozen_clock, admin_client, wanda, client):
    invitation = make_invitation(admin_client, "editor")
    password = make_password_link(admin_client, wanda)
    page = text_of(admin_client.get("/admin/people"))
    assert "An editor, invited by editor just now" in page and "For Wanda Writer, made by editor just now" in page
    assert page.count("; expires 12 March 2026, 12:00 UTC") == 2
    assert "Withdraw the invitation for an editor" in page and "Withdraw the password link for Wanda Writer" in page

    invitation_id = db.session.execute(db.select(Invitation.id)).scalar_one()
    link_id = db.session.execute(db.select(PasswordLink.id)).scalar_one()
    withdraw(admin_client, f"/admin/people/invitations/{invitation_id}/withdraw")
    page = text_of(admin_client.get("/admin/people"))
    assert "The invitation is withdrawn; its link no longer works." in page and "Open invitations" not in page
    withdraw(admin_client, f"/admin/people/password-links/{link_id}/withdraw")
    page = text_of(admin_client.get("/admin/people"))
    assert "The password link is withdrawn; its link no longer works." in page and "Open password links" not in page
    assert client.get(invitation).status_code == 404 and client.get(password).status_code == 404
    assert db.session.execute(db.select(PasswordLink)).first() is None

    again = withdraw(admin_client, f"/admin/people/password-links/{link_id}/withdraw")
    assert again.headers["Location"] == "/admin/people"
    assert "already used, withdrawn or expired" in text_of(admin_client.get("/admin/people"))


def test_a_new_link_for_an_account_replaces_its_open_one(admin_client, wanda, client):
    first = make_password_link(admin_client, wanda)
    second = make_password_link(admin_client, wanda)
    assert client.get(first).status_code == 404 and client.get(second).status_code == 200
    assert text_of(admin_client.get("/admin/people")).count("For Wanda Writer") == 1


def test_set_password_on_the_server_ends_the_accounts_sessions_and_withdraws_its_link(app, runner, admin_client,
                                                                                    wanda, client):
    wandas_laptop = signed_in_client(app, "wanda")
    path = make_password_link(admin_client, wanda)
    result = runner.invoke(args=["set-password", "wanda", "--password-stdin"], input="set on the server now\n")
    assert result.exit_code == 0, result.output
    assert wandas_laptop.get("/admin/").status_code == 302
    assert admin_client.get("/admin/").status_code == 200  # another account's session goes on
    assert client.get(path).status_code == 404


def test_changing_ones_own_password_withdraws_ones_password_link(app, admin_client, wanda, client):
    path = make_password_link(admin_client, wanda)
    client = signed_in_client(app, "wanda")
    other_browser = signed_in_client(app, "wanda")
    token = csrf_token_of(client.get("/admin/account"))
    client.post("/admin/account", data={"csrf_token": token, "current_password": ADMIN_PASSWORD,
                                        "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert client.get("/admin/").status_code == 200 and other_browser.get("/admin/").status_code == 302
    assert client.get(path).status_code == 404


# --- Deactivation and reactivation -----------------------------------------------------------------------------------


def test_deactivating_withdraws_links_and_reactivating_opens_the_account_again(app, admin_client, wanda, client):
    path = make_password_link(admin_client, wanda)
    withdraw(admin_client, f"/admin/people/{wanda.id}/deactivate")
    assert client.get(path).status_code == 404
    refused = withdraw(admin_client, f"/admin/people/{wanda.id}/password-link")
    assert refused.headers["Location"] == "/admin/people"
    page = admin_client.get("/admin/people").get_data(as_text=True)
    assert "Wanda Writer&#39;s account is closed: reactivate it first." in page and 'id="password-link"' not in page
    assert db.session.execute(db.select(PasswordLink)).first() is None
    assert f'/admin/people/{wanda.id}/reactivate' in page and not signs_in(app, "wanda", ADMIN_PASSWORD)

    withdraw(admin_client, f"/admin/people/{wanda.id}/reactivate")
    assert "Wanda Writer's account is open again, as a writer" in text_of(admin_client.get("/admin/people"))
    db.session.expire_all()
    assert db.session.get(User, wanda.id).active and db.session.get(User, wanda.id).role == Role.WRITER
    assert signs_in(app, "wanda", ADMIN_PASSWORD)


# --- Only admins ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.WRITER, Role.EDITOR])
def test_writers_and_editors_can_neither_make_nor_withdraw_links_nor_reactivate(app, admin_client, make_person,
                                                                                wanda, role):
    make_invitation(admin_client)
    make_password_link(admin_client, wanda)
    closed = make_person("otto", display_name="Otto Other")
    withdraw(admin_client, f"/admin/people/{closed.id}/deactivate")
    make_person("someone", role, "Someone")
    client = signed_in_client(app, "someone")
    token = csrf_token_of(client.get("/admin/account"))
    invitation_id = db.session.execute(db.select(Invitation.id)).scalar_one()
    link_id = db.session.execute(db.select(PasswordLink.id)).scalar_one()
    assert client.get("/admin/people").status_code == 403
    for path in (f"/admin/people/{wanda.id}/password-link", f"/admin/people/invitations/{invitation_id}/withdraw",
                 f"/admin/people/password-links/{link_id}/withdraw", f"/admin/people/{closed.id}/reactivate"):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 403 and "Not allowed" in text_of(response), path
    db.session.expire_all()
    assert db.session.execute(db.select(PasswordLink.id)).scalars().all() == [link_id]
    assert db.session.execute(db.select(Invitation.used_at)).scalar_one() is None
    assert not db.session.get(User, closed.id).active
