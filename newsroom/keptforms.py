"""Article forms sent after their session ended: held an hour for their editor, opened once after sign-in.

Several app servers share the database, so the fields live in a table; the browser holds only a
random key, in its session cookie, and the table only that key's hash.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import session

from content.text import now_utc, token_digest
from models import KeptForm, db

SESSION_KEY = "kept_form"
KEEP_FOR = timedelta(hours=1)


def keep_form(user_id: int, article_id: int | None, fields: dict[str, str]) -> None:
    """Hold what was sent for this account under a fresh one-time key, kept in this browser's session."""
    KeptForm.forget_kept_before(now_utc() - KEEP_FOR)
    key = secrets.token_urlsafe(32)
    db.session.add(KeptForm(key_hash=token_digest(key), user_id=user_id, article_id=article_id, fields=fields))
    db.session.commit()
    session[SESSION_KEY] = key


def waiting_form() -> KeptForm | None:
    """The form this browser's key names, if it was kept within the last hour."""
    key = session.get(SESSION_KEY)
    if not isinstance(key, str):
        return None
    return KeptForm.by_key_hash(token_digest(key), now_utc() - KEEP_FOR)


def key_for_account(user_id: int) -> str | None:
    """This browser's key when the form it names is this account's: only that one survives signing in."""
    kept = waiting_form()
    return session[SESSION_KEY] if kept is not None and kept.user_id == user_id else None


def hold_key(key: str | None) -> None:
    """Put a carried key back into a session that was just started afresh."""
    if key:
        session[SESSION_KEY] = key


def take_form(user_id: int, article_id: int | None) -> dict[str, str] | None:
    """The fields kept for this account and article, removed as they are handed out: a key opens them once."""
    kept = waiting_form()
    if kept is None or kept.user_id != user_id or kept.article_id != article_id:
        return None
    fields = kept.fields
    db.session.delete(kept)
    db.session.commit()
    session.pop(SESSION_KEY, None)
    return fields
