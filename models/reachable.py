"""Binding the app to its database, and one line saying why a database cannot be reached.

Start-up opens one connection: a wrong host, password or database name stops the app there, in one
line naming the host and database (never the password), instead of a traceback at the first request.
The connection goes back to the pool, so the first request uses it and a good database costs nothing more.
"""

from __future__ import annotations

import os
import re
import weakref
from pathlib import Path

from flask import Flask
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError, NoSuchModuleError

from models.base import db

# libpq repeats where it was connecting before the reason: 'connection to server at "h" (::1), port 5 failed: '.
LIBPQ_PREFIX = re.compile(r'^(connection failed: )?(connection to server (at|on) .*? failed: )?(FATAL: +)?')
_checked: weakref.WeakSet[Engine] = weakref.WeakSet()


class DatabaseUnreachable(Exception):
    """A database that cannot be opened; its message is the one line shown."""


def open_database(app: Flask) -> None:
    """Bind `db` to the app and open one connection, or raise DatabaseUnreachable saying why."""
    try:
        db.init_app(app)
    except (NoSuchModuleError, ImportError) as error:
        raise DatabaseUnreachable(f"DATABASE_URL names a database driver that is not installed ({error})") from None
    with app.app_context():
        check_connection(db.engine)


def check_connection(engine: Engine) -> None:
    """Open and return one connection to `engine`, or raise DatabaseUnreachable naming where and why."""
    try:
        with engine.connect():
            pass
    except DBAPIError as error:
        raise DatabaseUnreachable(f"cannot open the database {where(engine.url)}: {reason(engine.url, error)}") from None
    _checked.add(engine)


def where(url: URL) -> str:
    """The database as a person names it: 'news on db.example.org:5432', or a SQLite file's path."""
    if url.get_backend_name() == "sqlite":
        return url.database or "in memory"
    return f"{url.database} on {url.host or 'the local socket'}{f':{url.port}' if url.port else ''}"


def reason(url: URL, error: DBAPIError) -> str:
    """The driver's reason as one line, without the password or libpq's restatement of the address."""
    if url.get_backend_name() == "sqlite":
        return sqlite_reason(url, error)
    lines = [line.strip() for line in str(error.orig).splitlines() if line.strip()]
    # Several addresses tried (localhost as ::1, then 127.0.0.1): the last attempt's reason is the one to act on.
    attempts = [line for line in lines if " failed: " in line] or lines or ["no reason given"]
    text = LIBPQ_PREFIX.sub("", attempts[-1].lstrip("- "))
    text = text.split(" failed: ")[-1] if "connection to server" in text else text
    if url.password:
        text = text.replace(url.password, "***")
    return text.rstrip(".")


def sqlite_reason(url: URL, error: DBAPIError) -> str:
    """Why a SQLite file cannot be opened, naming its folder when the folder is the cause."""
    folder = Path(url.database or ".").parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable by this user"
    return str(error.orig)


def _forget_connections_after_fork() -> None:
    """A forked worker opens its own connections instead of sharing its parent's checked one."""
    for engine in list(_checked):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_connections_after_fork)
