"""Rendered anonymous pages: the same bytes for every reader without a session, kept until the site changes.

A view joins with one line, `@shared_page`. Without the session cookie its answer is rendered once
per site version (and again when a relative time on it would read differently), kept in this process
(a bounded LRU), sent with `Cache-Control: public`
and an ETag, and a matching `If-None-Match` gets a 304 without rendering. With the session cookie
(a commenter, an editor) the page is rendered for that reader and marked `private, no-store`.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, Response, current_app, g, request, session
from werkzeug.wrappers import Request

from content.text import now_utc
from models import SiteVersion
from web.conditional import client_has_current_copy

PUBLIC_CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=30"
PRIVATE_CACHE_CONTROL = "private, no-store"
# The query parameters that change a shared page; any other is left out of its key.
KNOWN_PARAMETERS = ("after", "before", "page")
# At least the 1,000 most recent pages; a page of the site is 10-40 KB, so this is tens of MB at most.
PAGES_KEPT = 2000
# Each process reads the site version at most this often: a change reaches every process within it.
VERSION_CHECK_INTERVAL = timedelta(seconds=1)


def shared_page(view):
    """Mark a view whose anonymous answer is the same for every reader: the one line a page needs to be cached."""
    view.shared_page = True
    return view


@dataclass(frozen=True)
class Generation:
    """What every shared page depends on besides its address: the site version and the next publication."""

    version: int
    next_publication: datetime | None


@dataclass(frozen=True)
class Entry:
    """One rendered page, kept with the generation it was rendered in and the headers it is sent with."""

    generation: Generation
    body: bytes
    mimetype: str
    etag: str
    # When a relative time on the page ("5 minutes ago") next reads differently; None if it has none.
    holds_until: datetime | None = None

    @property
    def headers(self) -> dict[str, str]:
        """What every copy of this page says to caches; a browser that signs in or comments asks again, with its cookie."""
        return {"Cache-Control": PUBLIC_CACHE_CONTROL, "Vary": "Cookie", "ETag": f'"{self.etag}"'}

    def response(self) -> Response:
        """The kept bytes, or a 304 when the browser or cache already holds them; built without rendering."""
        # The ETag alone: a page can be rendered twice in one second, which a Last-Modified could not tell apart.
        if client_has_current_copy(self.etag):
            return Response(status=304, headers=self.headers)
        return Response(self.body, mimetype=self.mimetype, headers=self.headers)


class PageCache:
    """The pages of one app in one process, and the site version it last read."""

    def __init__(self, size: int = PAGES_KEPT):
        self.size = size
        self.pages: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.version: int | None = None
        self.next_publication: datetime | None = None
        self.checked_at: datetime | None = None

    def generation(self) -> Generation:
        """The current generation; reads the database at most once a second, or when a scheduled article is due."""
        now = now_utc()
        due = self.next_publication is not None and now >= self.next_publication
        if self.checked_at is None or due or not (self.checked_at <= now < self.checked_at + VERSION_CHECK_INTERVAL):
            self.version, self.next_publication = SiteVersion.current()
            self.checked_at = now
        return Generation(self.version, self.next_publication)

    def reread_version(self) -> None:
        """Read the site version afresh at the next page: this process just committed a change (the write pipeline)."""
        self.checked_at = None

    def get(self, key: str, generation: Generation) -> Entry | None:
        """The kept page for this key if it was rendered in this generation."""
        with self.lock:
            entry = self.pages.get(key)
            if entry is None or entry.generation != generation:
                return None
            if entry.holds_until is not None and now_utc() >= entry.holds_until:
                return None
            self.pages.move_to_end(key)
            return entry

    def put(self, key: str, entry: Entry) -> None:
        """Keep a page, dropping the least recently used past the bound."""
        with self.lock:
            self.pages[key] = entry
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)


def page_key() -> str:
    """The path and the known query parameters, in a fixed order: what a cache keys a shared page on."""
    known = [f"{name}={request.args[name]}" for name in KNOWN_PARAMETERS if name in request.args]
    return request.path + ("?" + "&".join(known) if known else "")


def has_session(req: Request | None = None) -> bool:
    """True when the request (this one by default) carries the session cookie: a commenter or an editor."""
    return current_app.config["SESSION_COOKIE_NAME"] in (req or request).cookies


def rendering_shared() -> bool:
    """True while a page is rendered for every anonymous reader: it must carry nothing of this reader's."""
    return g.get("page_audience") == "shared"


def answer_from_cache() -> Response | None:
    """Before a shared page's view: answer from the kept page (or 304) when this reader has no session."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method not in ("GET", "HEAD") or not getattr(view, "shared_page", False):
        return None
    if has_session():
        g.page_audience = "private"
        return None
    cache: PageCache = current_app.extensions["pagecache"]
    g.page_audience, g.page_slot = "shared", (page_key(), cache.generation())
    entry = cache.get(*g.page_slot)
    if entry is None:
        return None
    g.page_from_cache = True
    return entry.response()


def keep_or_mark(response: Response) -> Response:
    """After a shared page's view: keep a freshly rendered anonymous page; mark a reader's own page private."""
    audience = g.get("page_audience")
    if audience == "private":
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    elif audience == "shared" and not g.get("page_from_cache") and response.status_code == 200:
        if "Set-Cookie" in response.headers or session.modified:  # a page that names a reader is nobody else's
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
            return response
        body = response.get_data()
        key, generation = g.page_slot
        entry = Entry(generation, body, response.mimetype, hashlib.blake2b(body, digest_size=12).hexdigest(),
                      g.get("page_holds_until"))
        current_app.extensions["pagecache"].put(key, entry)
        return entry.response()  # the same bytes and headers every later copy carries, or a 304
    return response


def init_app(app: Flask) -> None:
    """Give the app its page cache and the hooks around shared pages."""
    app.extensions["pagecache"] = PageCache()
    app.before_request(answer_from_cache)
    app.after_request(keep_or_mark)
