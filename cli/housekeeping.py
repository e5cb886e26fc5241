"""Housekeeping, run by a timer: rows that outlived their use, and pictures no article uses.

Each kind of row is removed by the module that owns it, by its own rule; this only runs them in turn
and counts. Nothing a reader or the newsroom still needs is touched: used invitations and password
links stay as the record of who joined or reset through whose link.
"""

from __future__ import annotations

from datetime import timedelta

from content.text import now_utc
from models import Invitation, KeptForm, PasswordLink, db
from newsroom import accounts, keptforms
from services import media
from web import limiter
from web.templating import plural


def sweep(picture_grace: timedelta) -> tuple[list[str], list[str]]:
    """Remove what outlived its use, committed; a line per kind of row (in words) and the files removed."""
    counts = [
        plural(accounts.forget_expired_sessions(), "ended session"),
        plural(KeptForm.forget_kept_before(now_utc() - keptforms.KEEP_FOR), "kept form"),
        plural(limiter.remove_old_windows(), "rate-limit window"),
        plural(Invitation.forget_lapsed(), "lapsed invitation"),
        plural(PasswordLink.forget_lapsed(), "lapsed password link"),
    ]
    db.session.commit()
    files = media.collect_garbage(picture_grace)
    return counts + [plural(len(files), "unused picture file")], files
