"""`GET /healthz`: whether this app server can serve, for a load balancer or a monitor to ask.

`200 ok` when the database answers a trivial query and its schema is the one this code expects;
`503` with one line saying what is wrong otherwise. Answered in front of Flask, like the read count:
no session, no cookie, no hooks, no rate limit, no page cache, never counted, never stored.
"""

from __future__ import annotations

from functools import cached_property

from alembic.script import ScriptDirectory
from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from models import db

HEALTH_PATH = "/healthz"
# PostgreSQL gives up on the check's query after this long, so a stuck database is a 503, not a hang.
STATEMENT_TIMEOUT_MS = 1000


def first_line(error: Exception) -> str:
    """The driver's own message, first line only: what failed, never a traceback (and never a password,
    which no driver puts in its messages)."""
    found = getattr(error, "orig", None) or error
    return (str(found).strip().splitlines() or [type(found).__name__])[0]


class HealthCheck:
    """In front of the app: a GET or HEAD of /healthz, answered from one query."""

    def __init__(self, app: Flask, inner) -> None:
        self.app, self.inner = app, inner

    @cached_property
    def expected_revision(self) -> str:
        """The newest migration this code ships, read from the migrations folder once per process."""
        return ScriptDirectory.from_config(self.app.extensions["migrate"].migrate.get_config()).get_current_head()

    def problem(self) -> str | None:
        """Why this server cannot serve, in one line; None when it can."""
        with self.app.app_context():
            expected = self.expected_revision
            try:
                with db.engine.connect() as connection:
                    if connection.dialect.name == "postgresql":
                        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
                    revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
            except SQLAlchemyError as error:
                return f"the database does not answer: {first_line(error)}"
        if revision != expected:
            return (f"the database schema is at {revision or 'no revision'}, this code expects {expected}: "
                    "run `flask --app app init-db`")
        return None

    def __call__(self, environ, start_response):
        """Answer /healthz; pass anything else on."""
        if environ.get("PATH_INFO") != HEALTH_PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.inner(environ, start_response)
        problem = self.problem()
        body = b"ok\n" if problem is None else f"{problem}\n".encode()
        start_response("200 OK" if problem is None else "503 SERVICE UNAVAILABLE", [
            ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"), *self.app.config["RESPONSE_HEADERS"]])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]


def init_app(app: Flask) -> None:
    """Put the check in front of whatever the app's WSGI callable is now."""
    app.wsgi_app = HealthCheck(app, app.wsgi_app)
