"""Admin accounts: the commands, sign-in and its lockout, sessions that really end, access rules."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models import AdminSession, Article, ArticleStatus, Comment, User, db
from newsroom.guard import NO_SESSION_FORMS
from readers.article_page import OWN_COMMENTS
from tests.conftest import ADMIN_PASSWORD, BROWSER_AGENT, csrf_token_of, sign_in
from tests.test_reader import text_of

# --- The commands -----------------------------------------------------------------------------------


def test_create_admin_reads_the_password_from_stdin_and_stores_only_a_salted_hash(runner):
    result = runner.invoke(args=["create-admin", "editor", "--display-name", "Eda Stone", "--password-stdin"],
                           input=ADMIN_PASSWORD + "\n")
    assert result.exit_code == 0 and "Created the admin account 'editor', signing as 'Eda Stone'." in result.output
    user = User.by_username("editor")
    assert user.password_hash.startswith("scrypt:") and ADMIN_PASSWORD not in user.password_hash


def test_create_admin_asks_twice_and_refuses_a_mismatch(runner):
    result = runner.invoke(args=["create-admin", "editor"], input=f"Eda Stone\n{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0 and User.by_username("editor").display_name == "Eda Stone"
    mismatch = runner.invoke(args=["create-admin", "other"], input=f"Oli Other\n{ADMIN_PASSWORD}\nsomething else\n")
    assert mismatch.exit_code != 0 and User.by_username("other") is None


@pytest.mark.parametrize(("name", "password", "message"), [
    ("editor", "short", "Error: The password must have at least 12 characters."),
    ("taken", ADMIN_PASSWORD, "Error: An account named 'taken' already exists."),
])
def test_create_admin_refuses_short_passwords_and_taken_names(runner, make_admin, name, password, message):
    make_admin("taken")
    result = runner.invoke(args=["create-admin", name, "--display-name", "Some Body", "--password-stdin"],
                           input=password + "\n")
    assert result.exit_code == 1 and message in result.output
    assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 1


def test_no_account_exists_until_one_is_created(client):
    assert db.session.execute(db.select(db.func.count(User.id))).scalar_one() == 0
    response = sign_in(client, "admin", "admin")
    assert response.status_code == 400


def test_set_password_changes_it_and_ends_every_session(app, runner, admin_client):
    result = runner.invoke(args=["set-password", "editor", "--password-stdin"], input="a brand new passphrase\n")
    assert result.exit_code == 0
    assert admin_client.get("/admin/").status_code == 302  # the old session is over
    fresh = app.test_client()
    assert sign_in(fresh, password=ADMIN_PASSWORD).status_code == 400
    assert sign_in(fresh, password="a brand new passphrase").status_code == 302


def test_set_password_refuses_unknown_names_and_short_passwords(runner, make_admin):
    make_admin()
    unknown = runner.invoke(args=["set-password", "nobody", "--password-stdin"], input=ADMIN_PASSWORD + "\n")
    short = runner.invoke(args=["set-password", "editor", "--password-stdin"], input="tiny\n")
    assert unknown.exit_code == short.exit_code == 1
    assert "Error: There is no account named 'nobody'." in unknown.output
    assert "at least 12 characters" in short.output


# --- Signing in ---------------------------------------------------------------------------------------


def test_sign_in_leads_to_next_and_a_new_session(app, make_admin):
    make_admin()
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["planted"] = "by someone else"
    response = sign_in(browser, next_path="/admin/comments")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/comments"
    with browser.session_transaction() as session:
        assert "planted" not in session
    assert "Comments" in text_of(browser.get("/admin/comments"))


@pytest.mark.parametrize("next_path", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                       "javascript:alert(1)", "evil.example"])
def test_next_only_leads_to_a_path_on_this_site(app, make_admin, next_path):
    make_admin()
    response = sign_in(app.test_client(), next_path=next_path)
    assert response.headers["Location"] == "/admin/"


def test_unknown_names_and_wrong_passwords_get_the_same_answer_and_the_same_work(app, make_admin, monkeypatch):
    from newsroom import signin as auth

    make_admin()
    checked = []
    real_check = auth.check_password_hash
    monkeypatch.setattr(auth, "check_password_hash", lambda *args: checked.append(1) or real_check(*args))
    unknown = sign_in(app.test_client(), "nobody", ADMIN_PASSWORD)
    wrong = sign_in(app.test_client(), "editor", "not the password at all")
    assert unknown.status_code == wrong.status_code == 400
    assert "The name or password is not right." in text_of(unknown)
    assert text_of(unknown).replace("nobody", "editor") == text_of(wrong).replace("nobody", "editor")
    assert checked == [1, 1]  # a password hash is checked for the unknown name too


def test_the_sixth_try_is_refused_even_with_the_right_password_until_15_minutes_pass(frozen_clock, app, make_admin):
    make_admin()
    for attempt in range(5):
        assert sign_in(app.test_client(), password=f"wrong guess {attempt}").status_code == 400
    refused = sign_in(app.test_client(), password=ADMIN_PASSWORD)
    assert refused.status_code == 429
    assert "Sign-in is locked; try again in 15 minutes." in text_of(refused)
    frozen_clock.shift(timedelta(minutes=14))
    assert sign_in(app.test_client(), password=ADMIN_PASSWORD).status_code == 429
    frozen_clock.shift(timedelta(minutes=1, seconds=1))
    assert sign_in(app.test_client(), password=ADMIN_PASSWORD).status_code == 302


def test_an_unknown_name_locks_the_same_way(frozen_clock, app):
    for attempt in range(5):
        sign_in(app.test_client(), "ghost", f"guess {attempt}", address=f"198.51.100.{attempt}")
    response = sign_in(app.test_client(), "ghost", "guess 6", address="198.51.100.77")
    assert response.status_code == 429 and "Sign-in is locked" in text_of(response)


def test_one_address_trying_many_names_is_locked(frozen_clock, app, make_admin):
    make_admin()
    for attempt in range(5):
        sign_in(app.test_client(), f"name{attempt}", "wrong", address="203.0.113.50")
    assert sign_in(app.test_client(), "editor", ADMIN_PASSWORD, address="203.0.113.50").status_code == 429
    assert sign_in(app.test_client(), "editor", ADMIN_PASSWORD, address="203.0.113.51").status_code == 302


def test_set_password_lifts_the_lock(frozen_clock, app, runner, make_admin):
    make_admin()
    for attempt in range(5):
        sign_in(app.test_client(), password=f"wrong {attempt}", address=f"198.51.100.{attempt}")
    assert sign_in(app.test_client(), address="198.51.100.99").status_code == 429
    runner.invoke(args=["set-password", "editor", "--password-stdin"], input="another long passphrase\n")
    assert sign_in(app.test_client(), password="another long passphrase", address="198.51.100.99").status_code == 302


# --- Sessions ----------------------------------------------------------------------------------------


def copy_of_cookie(client) -> str:
    """The session cookie's value, as someone who copied it would keep it."""
    return client.get_cookie("session").value


def test_sign_out_is_a_post_and_a_saved_copy_of_the_cookie_opens_nothing_afterwards(app, admin_client):
    saved = copy_of_cookie(admin_client)
    assert admin_client.get("/admin/logout").status_code == 405
    token = csrf_token_of(admin_client.get("/admin/"))
    response = admin_client.post("/admin/logout", data={"csrf_token": token})
    assert response.headers["Location"] == "/admin/login"
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/admin/").status_code == 302
    assert db.session.execute(db.select(db.func.count(AdminSession.token_hash))).scalar_one() == 0


def test_changing_ones_password_ends_other_sessions_but_keeps_this_one(app, admin_client):
    other_browser = app.test_client()
    sign_in(other_browser)
    saved = copy_of_cookie(admin_client)
    page = admin_client.get("/admin/account")
    response = admin_client.post("/admin/account", data={
        "csrf_token": csrf_token_of(page), "current_password": ADMIN_PASSWORD,
        "new_password": "the next long passphrase", "confirm_password": "the next long passphrase"})
    assert response.status_code == 302
    assert admin_client.get("/admin/").status_code == 200
    assert other_browser.get("/admin/").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/admin/").status_code == 302


def test_changing_ones_password_needs_the_current_one(admin_client):
    page = admin_client.get("/admin/account")
    response = admin_client.post("/admin/account", data={
        "csrf_token": csrf_token_of(page), "current_password": "not it at all",
        "new_password": "the next long passphrase", "confirm_password": "the next long passphrase"})
    assert response.status_code == 400 and "This is not your current password." in text_of(response)


@pytest.mark.parametrize(("idle", "expected"), [(timedelta(hours=1, minutes=59), 200), (timedelta(hours=2, seconds=1), 302)])
def test_sessions_end_after_two_idle_hours(frozen_clock, admin_client, idle, expected):
    frozen_clock.shift(idle)
    assert admin_client.get("/admin/").status_code == expected


def test_sessions_end_after_twelve_hours_however_busy(frozen_clock, admin_client):
    for _ in range(11):
        frozen_clock.shift(timedelta(hours=1))
        assert admin_client.get("/admin/").status_code == 200
    frozen_clock.shift(timedelta(hours=1, seconds=1))
    assert admin_client.get("/admin/").status_code == 302


def test_session_cookie_flags(app, make_admin):
    make_admin()
    browser = app.test_client()
    sign_in(browser)
    cookie = browser.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    app.config["SESSION_COOKIE_SECURE"] = True
    secure_browser = app.test_client()
    response = sign_in(secure_browser)
    assert "Secure" in response.headers["Set-Cookie"]


def test_admin_pages_are_not_cached(admin_client):
    assert admin_client.get("/admin/").headers["Cache-Control"] == "no-store"
    assert admin_client.get("/admin/login").headers["Cache-Control"] == "no-store"


def test_an_admin_reading_the_site_is_not_a_read(admin_client, make_article):
    make_article("Own story", reads=3)
    admin_client.get("/articles/own-story")
    db.session.expire_all()
    assert db.session.execute(db.select(Article.reads)).scalar_one() == 3


# --- Access rules over every admin route ------------------------------------------------------------------


def admin_rules(app):
    """Every /admin URL rule but sign-in and the pages one-time links open, with sample values for its arguments."""
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/admin") and rule.endpoint not in NO_SESSION_FORMS]
    assert len(rules) >= 8
    return [(rule, re.sub(r"<[^>]+>", "1", rule.rule)) for rule in rules]


def test_every_admin_get_sends_anonymous_visitors_to_sign_in(app, client, make_article):
    make_article("Existing")
    for rule, path in admin_rules(app):
        if "GET" not in rule.methods:
            continue
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == f"/admin/login?next={path}", path


def test_every_admin_post_with_a_valid_token_but_no_sign_in_changes_nothing(app, client, make_article, make_comment):
    article = make_article("Existing")
    make_comment(article, "Still here")
    with client.session_transaction() as session:
        session[OWN_COMMENTS] = [999]  # a reader who has commented: their page's script gets a token from /me
    own = client.get(f"/me?article={article.id}").get_json()
    answer = {"csrf_token": own["csrf_token"], "issued": own["issued"]}
    for rule, path in admin_rules(app):
        if "POST" not in rule.methods:
            continue
        response = client.post(path, data={**answer, "action": "delete", "ids": "1", "one": "delete:1",
                                           "title": "Hacked", "category": "X", "body": "Hacked", "status": "draft"})
        assert response.status_code in (302, 303) and response.headers["Location"] == "/admin/login", path
        told = "You are signed out." if path == "/admin/logout" else "Your session ended, so nothing was changed."
        assert told in text_of(client.get("/admin/login")), path
    db.session.expire_all()
    assert db.session.execute(db.select(Article.title, Article.status)).one() == ("Existing", ArticleStatus.PUBLISHED)
    assert db.session.execute(db.select(db.func.count(Comment.id))).scalar_one() == 1


def test_every_admin_post_without_a_csrf_token_gets_the_400_page(app, admin_client):
    for rule, path in admin_rules(app):
        if "POST" not in rule.methods:
            continue
        response = admin_client.post(path, data={"title": "x"})
        assert response.status_code == 400, path
        assert "did not come from this site" in text_of(response), path


def test_the_sign_in_form_itself_needs_a_csrf_token(app, make_admin):
    make_admin()
    response = app.test_client().post("/admin/login", data={"username": "editor", "password": ADMIN_PASSWORD},
                                      headers={"User-Agent": BROWSER_AGENT})
    assert response.status_code == 400 and "did not come from this site" in text_of(response)


def test_signing_in_clears_rows_of_sessions_that_expired(frozen_clock, app, admin_client):
    frozen_clock.shift(timedelta(hours=3))
    sign_in(app.test_client())
    rows = db.session.execute(db.select(AdminSession)).scalars().all()
    assert len(rows) == 1 and rows[0].created_at == rows[0].last_seen_at
