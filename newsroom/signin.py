"""Signing in and out, with lockout after failures, and one's own account page."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from models import User, db
from newsroom import keptforms
from newsroom.accounts import (
    AccountError,
    address_key,
    end_session,
    name_key,
    set_password,
    start_session,
    update_profile,
)
from newsroom.forms import AccountForm, ProfileForm, SignInForm
from newsroom.guard import guard_newsroom, require_sign_in
from web import limiter
from web.settings import Rule

# Five failures for one account name or one address within 15 minutes lock it for 15 minutes.
SIGN_IN_FAILURES = Rule(limit=5, period=15 * 60)
SIGN_IN_FAILED = "The name or password is not right."

bp = Blueprint("auth", __name__, url_prefix="/admin")

# Checked against when the name is unknown, so a wrong name costs the same time as a wrong password.
_UNKNOWN_USER_HASH = generate_password_hash(secrets.token_hex(16))


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path on this site, never another host."""
    default = url_for("admin.articles")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
        return default  # a line break would split the Location header
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def sign_in_lock_wait(username: str, address: str) -> int:
    """Seconds until sign-in is allowed again for this name and address (0: allowed)."""
    period = SIGN_IN_FAILURES.period
    return max(limiter.locked_for(name_key(username), period), limiter.locked_for(address_key(address), period))


def check_credentials(username: str, password: str) -> User | None:
    """The active account if the password is right; the same work is done for an unknown name."""
    user = User.by_username(username.strip())
    valid = check_password_hash(user.password_hash if user else _UNKNOWN_USER_HASH, password)
    return user if user and valid and user.active else None


def record_failure(username: str, address: str) -> None:
    """Count a failed sign-in against the name and the address, locking either at the limit."""
    limiter.count_failure(name_key(username), SIGN_IN_FAILURES)
    limiter.count_failure(address_key(address), SIGN_IN_FAILURES)
    db.session.commit()


def locked_message(seconds: int) -> str:
    """What a locked-out admin is told."""
    minutes = max(1, -(-seconds // 60))
    return (f"Too many failed sign-ins for this account or from this address. "
            f"Sign-in is locked; try again in {minutes} minute{'s' if minutes != 1 else ''}.")


def render_login(form: SignInForm, status: int):
    """The sign-in page, saying so when an article form sent after the session ended is kept."""
    return render_template("newsroom/signin/login.html", form=form, form_kept=keptforms.waiting_form() is not None), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in page; five failures lock the name and the address for 15 minutes."""
    form = SignInForm()
    if not form.validate_on_submit():
        return render_login(form, 400 if form.is_submitted() else 200)
    address = limiter.requester_key()
    if wait := sign_in_lock_wait(form.username.data, address):
        form.form_errors.append(locked_message(wait))
        return render_login(form, 429)
    user = check_credentials(form.username.data, form.password.data)
    if user is None:
        record_failure(form.username.data, address)
        form.form_errors.append(SIGN_IN_FAILED)
        return render_login(form, 400)
    start_session(user)
    return redirect(kept_form_page(user) or safe_next(request.args.get("next")))


def kept_form_page(user: User) -> str | None:
    """The article form whose fields wait for this account after its session ended, if any."""
    kept = keptforms.waiting_form()
    if kept is None or kept.user_id != user.id:
        return None
    if kept.article_id is None:
        return url_for("admin.new_article")
    return url_for("admin.edit_article", article_id=kept.article_id)


@bp.post("/logout")
def logout():
    """Sign out: this browser's session ends on the server too."""
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
def account():
    """One's own byline name and bio, and password; a new password ends every other session of the account."""
    profile = ProfileForm(prefix="profile", obj=current_user if request.method == "GET" else None)
    form = AccountForm()
    sent = request.form.get("form")
    if sent == "profile" and profile.validate_on_submit():
        try:
            update_profile(current_user, profile.display_name.data, profile.bio.data or "")
        except AccountError as error:
            profile.display_name.errors.append(str(error))
        else:
            flash("Your byline name and bio are saved.", "info")
            return redirect(url_for("auth.account"))
    elif sent != "profile" and form.validate_on_submit():
        if not check_password_hash(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append("This is not your current password.")
        else:
            set_password(current_user.username, form.new_password.data)
            start_session(db.session.get(User, current_user.id))
            flash("Your password is changed. Other browsers signed in to this account are signed out.", "info")
            return redirect(url_for("auth.account"))
    status = 400 if form.errors or profile.errors else 200
    return render_template("newsroom/signin/account.html", form=form, profile=profile), status


def require_sign_in_except_to_sign_in() -> Response | None:
    """The sign-in page is open to everyone; signing out works whether or not the session already ended."""
    return None if request.endpoint in ("auth.login", "auth.logout") else require_sign_in()


guard_newsroom(bp, require_sign_in_except_to_sign_in)
