"""Admin accounts: passwords, sign-in with lockout, server-side sessions, and their pages."""

from __future__ import annotations

import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from content.text import now_utc, slugify, token_digest, unique_slug
from models import AdminSession, Role, User, db
from newsroom import keptforms
from newsroom.roles import refuse_below_role
from web import limiter
from web.csrf import Verdict, csrf_failed, csrf_verdict
from web.forms import PASSWORD_MIN_LENGTH, AccountForm, ProfileForm, SignInForm
from web.settings import Rule

IDLE_LIMIT = timedelta(hours=2)
SESSION_LIMIT = timedelta(hours=12)
# Writing last_seen_at on every admin request is wasteful; this precision is plenty for a 2-hour limit.
LAST_SEEN_PRECISION = timedelta(minutes=1)
# Five failures for one account name or one address within 15 minutes lock it for 15 minutes.
SIGN_IN_FAILURES = Rule(limit=5, period=15 * 60)
SIGN_IN_FAILED = "The name or password is not right."
USERNAME_MAX = 80
SESSION_ENDED = "Your session ended, so nothing was changed. Sign in and try again."
FORM_AGED = "This form had been open too long to be accepted, so nothing was changed. Please try again."

login_manager = LoginManager()
# Sessions are checked on the server (AdminSession rows); Flask-Login's own protection would
# only write an extra key into every reader's cookie.
login_manager.session_protection = None
bp = Blueprint("auth", __name__, url_prefix="/admin")

# Checked against when the name is unknown, so a wrong name costs the same time as a wrong password.
_UNKNOWN_USER_HASH = generate_password_hash(secrets.token_hex(16))


class AccountError(ValueError):
    """An account change that the rules refuse; the message says why."""


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"The password must have at least {PASSWORD_MIN_LENGTH} characters."
    return None


def create_account(username: str, password: str, role: str, display_name: str | None = None) -> User:
    """Add an account (not committed); AccountError for a taken name or a weak password.

    The display name defaults to the sign-in name, as `create-admin` gives no other.
    """
    username = username.strip()
    display_name = " ".join((display_name or username).split())
    if not username or len(username) > USERNAME_MAX:
        raise AccountError(f"A name needs 1 to {USERNAME_MAX} characters.")
    if User.by_username(username):
        raise AccountError(f"An account named {username!r} already exists.")
    if problem := display_name_problem(display_name):
        raise AccountError(problem)
    if problem := password_problem(password):
        raise AccountError(problem)
    user = User(username=username, password_hash=generate_password_hash(password), role=role,
                display_name=display_name, slug=author_slug(display_name))
    db.session.add(user)
    return user


def create_admin(username: str, password: str) -> User:
    """Add an admin account; AccountError for a taken name or a weak password."""
    user = create_account(username, password, Role.ADMIN)
    db.session.commit()
    return user


def display_name_problem(name: str, own_id: int | None = None) -> str | None:
    """Why a byline name is refused, or None."""
    if not slugify(name):
        return "A display name needs at least one letter or digit."
    if User.display_name_taken(name, own_id):
        return f"Another account already signs as “{name}”."
    return None


def author_slug(display_name: str, own_id: int | None = None) -> str:
    """The author-page slug for a display name, unique among accounts."""
    return unique_slug(display_name, lambda slug: User.slug_taken(slug, own_id), fallback="author")


def update_profile(user: User, display_name: str, bio: str) -> None:
    """Set the byline name and bio; the author page's address follows the name. AccountError if taken."""
    display_name = " ".join(display_name.split())
    if problem := display_name_problem(display_name, user.id):
        raise AccountError(problem)
    if display_name != user.display_name:
        user.slug = author_slug(display_name, user.id)
    user.display_name, user.bio = display_name, bio
    db.session.commit()


def set_password(username: str, password: str) -> User:
    """Change a password, end every session of the account and lift its sign-in lock."""
    user = User.by_username(username)
    if user is None:
        raise AccountError(f"There is no account named {username!r}.")
    if problem := password_problem(password):
        raise AccountError(problem)
    user.password_hash = generate_password_hash(password)
    db.session.execute(delete(AdminSession).where(AdminSession.user_id == user.id))
    limiter.forget(name_key(username))
    db.session.commit()
    return user


def name_key(username: str) -> str:
    """The limiter key for sign-in failures under one account name, existing or not."""
    return f"sign-in-name:{username.strip().casefold()}"


def start_session(user: User) -> None:
    """A fresh session for this browser: old cookie contents dropped, a new server-side row."""
    token = secrets.token_urlsafe(32)
    forget_expired_sessions()
    db.session.add(AdminSession(token_hash=token_digest(token), user_id=user.id))
    db.session.commit()
    user.session_token = token
    kept_key = keptforms.key_for_account(user.id)
    session.clear()
    login_user(user)
    keptforms.hold_key(kept_key)


def forget_expired_sessions() -> None:
    """Remove the rows of browsers that went idle or grew too old, so the table does not grow forever."""
    now = now_utc()
    db.session.execute(delete(AdminSession).where(
        or_(AdminSession.last_seen_at < now - IDLE_LIMIT, AdminSession.created_at < now - SESSION_LIMIT)))


@login_manager.user_loader
def load_signed_in_admin(token: str) -> User | None:
    """The admin whose live session row matches the cookie's token; expired rows are removed."""
    # The account comes in the same query: every page an editor opens asks for it.
    query = select(AdminSession).where(AdminSession.token_hash == token_digest(token)).options(joinedload(AdminSession.user))
    row = db.session.execute(query).scalar()
    if row is None:
        return None
    now = now_utc()
    if now - row.last_seen_at > IDLE_LIMIT or now - row.created_at > SESSION_LIMIT or not row.user.active:
        db.session.delete(row)
        db.session.commit()
        return None
    if now - row.last_seen_at > LAST_SEEN_PRECISION:
        row.last_seen_at = now
        db.session.commit()
    row.user.session_token = token
    return row.user


def end_session() -> None:
    """Delete this browser's session row, so no copy of its cookie opens anything again."""
    if current_user.is_authenticated:
        token_hash = token_digest(current_user.session_token)
        db.session.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash))
        db.session.commit()
    logout_user()
    session.clear()


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path on this site, never another host."""
    default = url_for("admin.articles")
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in target):
        return default  # a line break would split the Location header
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target


def require_sign_in() -> Response | None:
    """Before every admin view: anonymous visitors go to the sign-in page, with where they were going."""
    if current_user.is_authenticated:
        return None
    if request.method == "POST":
        return ended_session_answer()
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=target))


def page_sent_from() -> str | None:
    """The path of the page a form was sent from, when that page was one of ours."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path:
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def ended_session_answer() -> Response:
    """A newsroom form sent after its session ended or its token aged: nothing changes, and the editor is told."""
    if request.is_json:  # the form's script asking for tag suggestions: no page, and no message left waiting
        return jsonify(error=SESSION_ENDED), 401
    if current_user.is_authenticated:
        flash(FORM_AGED, "error")
        return redirect(page_sent_from() or url_for("admin.articles"), 303)
    flash(SESSION_ENDED, "error")
    return redirect(url_for("auth.login", next=page_sent_from()), 303)


def csrf_failed_in_newsroom(error: CSRFError):
    """A form this site issued whose token or session aged: told so, nothing changed; a forged one: the 400 page."""
    # Sign-in and joining have no session to have ended: their aged forms get the plain 400 page.
    if request.endpoint not in ("auth.login", "people.join_by_invitation") and csrf_verdict() is Verdict.STALE:
        return ended_session_answer()
    return csrf_failed(error)


def no_store(response: Response) -> Response:
    """Admin pages are never kept by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


def sign_in_lock_wait(username: str, address: str) -> int:
    """Seconds until sign-in is allowed again for this name and address (0: allowed)."""
    period = SIGN_IN_FAILURES.period
    return max(limiter.locked_for(name_key(username), period), limiter.locked_for(f"sign-in-address:{address}", period))


def check_credentials(username: str, password: str) -> User | None:
    """The active account if the password is right; the same work is done for an unknown name."""
    user = User.by_username(username.strip())
    valid = check_password_hash(user.password_hash if user else _UNKNOWN_USER_HASH, password)
    return user if user and valid and user.active else None


def record_failure(username: str, address: str) -> None:
    """Count a failed sign-in against the name and the address, locking either at the limit."""
    limiter.count_failure(name_key(username), SIGN_IN_FAILURES)
    limiter.count_failure(f"sign-in-address:{address}", SIGN_IN_FAILURES)
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


def init_app(app) -> None:
    """Bind Flask-Login to the app."""
    login_manager.init_app(app)


def guard_newsroom(blueprint: Blueprint, gate=require_sign_in) -> None:
    """Make a blueprint the newsroom's: `gate` before every view, pages never stored, and a form whose
    session ended answered with the sign-in page rather than an error."""
    blueprint.before_request(gate)
    blueprint.before_request(refuse_below_role)
    blueprint.after_request(no_store)
    blueprint.register_error_handler(CSRFError, csrf_failed_in_newsroom)


def require_admin_except_on_sign_in() -> Response | None:
    """The sign-in page is open to everyone; signing out works whether or not the session already ended."""
    return None if request.endpoint in ("auth.login", "auth.logout") else require_sign_in()


guard_newsroom(bp, require_admin_except_on_sign_in)
