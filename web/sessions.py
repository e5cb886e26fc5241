"""The session cookie: never on a shared page, and told to the page's script by a cookie it may read.

A shared page is the same bytes for everyone, so rendering one neither sets nor refreshes the
session cookie, nor adds `Vary: Cookie`. The session cookie itself stays HttpOnly; beside it goes
`me=1`, which says only that this browser has a session, so static/reader.js asks `/me` for what is
its own, and readers without one make no such request.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Request

from web.pagecache import rendering_shared

# Readable by the page's script; it holds nothing but "1".
MARKER_COOKIE = "me"


def has_session(req: Request | None = None) -> bool:
    """True when the request (this one by default) carries the session cookie: a commenter or an editor."""
    return current_app.config["SESSION_COOKIE_NAME"] in (req or request).cookies


class SessionsOffSharedPages(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, saved by every answer but a shared page, with the marker beside them."""

    def save_session(self, app: Flask, session, response) -> None:
        """Save as Flask does, and set or clear the marker with the cookie; on a shared page, do nothing."""
        if rendering_shared():
            return
        super().save_session(app, session, response)
        options = {"path": self.get_cookie_path(app), "domain": self.get_cookie_domain(app),
                   "secure": self.get_cookie_secure(app), "samesite": self.get_cookie_samesite(app)}
        if not session:
            if session.modified:
                response.delete_cookie(MARKER_COOKIE, **options)
        elif self.should_set_cookie(app, session):
            response.set_cookie(MARKER_COOKIE, "1", httponly=False, **options)


def init_app(app: Flask) -> None:
    """Use these sessions."""
    app.session_interface = SessionsOffSharedPages()
