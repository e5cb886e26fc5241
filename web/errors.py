"""Error pages in the site's layout; never a stack trace to a reader."""

from __future__ import annotations

import contextlib

from flask import Flask, g, render_template
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from models import db

# What a reader is told for each error the site answers with.
MESSAGES = {
    400: ("Bad request", "The request could not be understood. Please go back, reload the page and try again."),
    403: ("Not allowed", "Your role in the newsroom does not allow this, so nothing was changed. "
                         "Ask an editor or an admin if it needs doing."),
    404: ("Page not found", "There is no page at this address. It may have moved, or never existed."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this site accepts. Please shorten it and try again."),
    429: ("Too many requests", "You have sent too many requests. Please wait a little and try again."),
    500: ("Something went wrong", "The page could not be shown because of an error on our side. Please try again."),
    503: ("Back in a moment", "The site cannot reach its database just now. Please try again in a minute. If you "
                              "were sending something, go back: your browser still has what you typed."),
}
# A reader's browser or a proxy may ask again after this many seconds.
RETRY_AFTER_SECONDS = 30


def render_error(code: int, message: str | None = None, back: tuple[str, str] | None = None):
    """The error page for a status code, in the site's layout; `back` is a (path, text) link to offer."""
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    page = render_template("errors/error.html", code=code, title=title, message=message or default_message, back=back)
    return page, code


def handle_http_error(error: HTTPException):
    """Any HTTP error the code raised (abort(404), a bad method, a body too large)."""
    if error.code not in MESSAGES:
        return error
    # abort(400, "...") passes a message meant for the reader; Werkzeug's own defaults are not.
    own_message = error.description if error.description != type(error).description else None
    return render_error(error.code, own_message)


def handle_server_error(error: Exception):
    """An unexpected failure: undo the half-done transaction, show the 500 page."""
    db.session.rollback()
    return render_error(500)


def handle_database_unavailable(error: OperationalError):
    """The database does not answer (stopped, unreachable, or SQLite's file busy past its timeout): a 503.

    The page is drawn without the menu and footer, which come from the database.
    """
    g.database_unavailable = True
    with contextlib.suppress(SQLAlchemyError):  # the connection may be gone; the session ends with the request
        db.session.rollback()
    page, code = render_error(503)
    return page, code, {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    """Route every error the site can answer to its page."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(InternalServerError, handle_server_error)
