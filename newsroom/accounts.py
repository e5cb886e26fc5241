"""Newsroom accounts: creating them, passwords, byline names, and server-side sessions.

The sign-in page, the people page, `create-admin`, `set-password` and the demo all change accounts
through these functions; none of them is a view.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import session
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.security import generate_password_hash

from content.text import now_utc, slugify, token_digest, unique_slug
from models import AdminSession, PasswordLink, Role, User, db
from newsroom import keptforms
from newsroom.forms import PASSWORD_MIN_LENGTH
from web import limiter

IDLE_LIMIT = timedelta(hours=2)
SESSION_LIMIT = timedelta(hours=12)
# Writing last_seen_at on every admin request is wasteful; this precision is plenty for a 2-hour limit.
LAST_SEEN_PRECISION = timedelta(minutes=1)

login_manager = LoginManager()
# Sessions are checked on the server (AdminSession rows); Flask-Login's own protection would
# only write an extra key into every reader's cookie.
login_manager.session_protection = None


class AccountError(ValueError):
    """An account change that the rules refuse; the message says why."""


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < PASSWORD_MIN_LENGTH:
        return f"The password must have at least {PASSWORD_MIN_LENGTH} characters."
    return None


def create_account(username: str, password: str, role: str, display_name: str | None = None) -> User:
    """Add an account (not committed); AccountError for a taken name or a weak password.

    Without a display name the sign-in name stands in; `create-admin` and invitations always ask for one.
    """
    username = username.strip()
    display_name = " ".join((display_name or username).split())
    if not username or len(username) > User.USERNAME_MAX:
        raise AccountError(f"A name needs 1 to {User.USERNAME_MAX} characters.")
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


def create_admin(username: str, password: str, display_name: str | None = None) -> User:
    """Add an admin account; AccountError for a taken name or a weak password."""
    user = create_account(username, password, Role.ADMIN, display_name)
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
    if display_name != user.display_name and (slug := author_slug(display_name, user.id)) != user.slug:
        user.move_address(slug)
    user.display_name, user.bio = display_name, bio
    db.session.commit()


def set_password(username: str, password: str) -> User:
    """Change a password, end every session of the account, lift its sign-in lock, withdraw its password links.

    However the password changes (`set-password`, one's own account page, a password link), it comes here.
    """
    user = User.by_username(username)
    if user is None:
        raise AccountError(f"There is no account named {username!r}.")
    if problem := password_problem(password):
        raise AccountError(problem)
    user.password_hash = generate_password_hash(password)
    end_every_session(user)
    PasswordLink.withdraw_all_of(user.id)
    limiter.forget(name_key(username))
    db.session.commit()
    return user


def end_every_session(user: User) -> None:
    """Delete every session row of the account (not committed): each browser signed in to it is signed out."""
    db.session.execute(delete(AdminSession).where(AdminSession.user_id == user.id))


def address_key(address: str) -> str:
    """The limiter key for sign-in failures from one client address."""
    return f"sign-in-address:{address}"


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


def forget_expired_sessions() -> int:
    """Remove the rows of browsers that went idle or grew too old, so the table does not grow forever; how many."""
    now = now_utc()
    return db.session.execute(delete(AdminSession).where(
        or_(AdminSession.last_seen_at < now - IDLE_LIMIT, AdminSession.created_at < now - SESSION_LIMIT))).rowcount


@login_manager.user_loader
def load_signed_in_account(token: str) -> User | None:
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


def init_app(app) -> None:
    """Bind Flask-Login to the app."""
    login_manager.init_app(app)
