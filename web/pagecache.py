"""Shared pages: the same bytes for every reader, kept until the site changes, answered before Flask once kept.

A view joins with one line, `@shared_page`. Its answer is rendered for whoever asks first, session or
not, and carries nothing of any one reader's: what is a reader's own (their held comments, the
newsroom's bar) arrives by `GET /me` (readers/me.py) once the page shows. A page is rendered once per
site version (and again when a relative time on it would read differently), kept in this process (a
bounded LRU) and sent with `Cache-Control: public` and an ETag, with no `Vary: Cookie`, so any cache
may serve it to anyone. `KeptPages`, a WSGI layer in front of Flask, answers a GET or HEAD of a kept,
current page (or its 304) with the headers Flask would send; anything else goes on to Flask unchanged.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property

from flask import Flask, Response, current_app, g, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Request

from content.text import AtMostEvery, now_utc
from models import SiteVersion
from web.conditional import client_has_current_copy

PUBLIC_CACHE_CONTROL = "public, max-age=10, stale-while-revalidate=30"
PRIVATE_CACHE_CONTROL = "private, no-store"
# Says who answered a shared page: the layer from a kept copy, or Flask rendering it.
SERVED_HEADER = "X-Page-Cache"
# The query parameters that change a shared page; any other is left out of its key.
KNOWN_PARAMETERS = ("after", "before", "comments", "page")
# At least the 1,000 most recent pages; a page of the site is 10-40 KB, so this is tens of MB at most.
PAGES_KEPT = 2000
# Each process reads the site version at most this often: a change reaches every process within it.
VERSION_CHECK_INTERVAL = timedelta(seconds=1)

VersionReader = Callable[[], "tuple[int, datetime | None]"]


def shared_page(view):
    """Mark a view whose answer is the same for every reader: the one line a page needs to be kept."""
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
    content_type: str
    etag: str
    # When a relative time on the page ("5 minutes ago") next reads differently; None if it has none.
    holds_until: datetime | None = None
    # The headers every response carries (web.security.response_headers), as the app was configured.
    always: tuple[tuple[str, str], ...] = ()

    def headers(self, served: str) -> list[tuple[str, str]]:
        """Every header of this page but its length: the same from the layer and from Flask."""
        return [("Cache-Control", PUBLIC_CACHE_CONTROL), ("ETag", f'"{self.etag}"'), (SERVED_HEADER, served),
                *self.always]

    @cached_property
    def kept_answer(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The layer's headers for the page and for its 304, built once per kept page."""
        common = self.headers("hit")
        return [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))), *common], common

    def current_copy_held(self, environ) -> bool:
        """True when the request's If-None-Match names this page: a 304. The ETag alone decides, since a
        page can be rendered twice in one second, which a Last-Modified could not tell apart."""
        return client_has_current_copy(self.etag, environ=environ)

    def response(self) -> Response:
        """Flask's answer with the page just rendered, as the layer will send it later (or a 304)."""
        headers = self.headers("miss")
        if self.current_copy_held(request.environ):
            return Response(status=304, headers=headers)
        return Response(self.body, content_type=self.content_type, headers=headers)

    def answer(self, environ, start_response):
        """The layer's answer, straight to the WSGI server: the kept bytes (none for a HEAD), or a 304."""
        page_headers, not_modified_headers = self.kept_answer
        if self.current_copy_held(environ):
            start_response("304 NOT MODIFIED", not_modified_headers)
            return []
        start_response("200 OK", page_headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [self.body]


class PageCache:
    """The pages of one app in one process, and the site version it last read."""

    def __init__(self, size: int = PAGES_KEPT):
        self.size = size
        self.pages: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()
        self.version: int | None = None
        self.next_publication: datetime | None = None
        self.checks = AtMostEvery(VERSION_CHECK_INTERVAL)

    def generation(self, read_version: VersionReader) -> Generation:
        """The current generation; reads the database at most once a second, or when a scheduled article is due."""
        if self.next_publication is not None and now_utc() >= self.next_publication:
            self.checks.forget()
        if self.checks.due():
            self.version, self.next_publication = read_version()
        return Generation(self.version, self.next_publication)

    def last_generation(self) -> Generation:
        """The generation as last read, for when the database cannot be asked."""
        return Generation(self.version, self.next_publication)

    def reread_version(self) -> None:
        """Read the site version afresh at the next page: this process just committed a change (the write pipeline)."""
        self.checks.forget()

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


def page_key(environ) -> str:
    """The path and the known query parameters, in a fixed order: what a cache keys a shared page on.

    Read from the WSGI environ as Werkzeug reads a request's path and arguments, so the layer in front
    of Flask and Flask itself always find the same key.
    """
    path = "/" + wsgi_text(environ.get("PATH_INFO") or "").lstrip("/")
    if not environ.get("QUERY_STRING"):
        return path
    args = Request(environ).args
    known = [f"{name}={args[name]}" for name in KNOWN_PARAMETERS if name in args]
    return path + ("?" + "&".join(known) if known else "")


def wsgi_text(text: str) -> str:
    """A WSGI string (bytes as latin-1) read as UTF-8, bad bytes replaced: what Werkzeug does for `request.path`."""
    return text.encode("latin1").decode(errors="replace")


def rendering_shared() -> bool:
    """True while a page is rendered for every reader: it must carry nothing of this reader's."""
    return g.get("page_audience") == "shared"


def mark_shared() -> None:
    """Before a shared page's view: render it for everyone, keyed by its address and this generation."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method in ("GET", "HEAD") and getattr(view, "shared_page", False):
        cache: PageCache = current_app.extensions["pagecache"]
        g.page_audience, g.page_slot = "shared", (page_key(request.environ), cache.generation(SiteVersion.current))


def keep(response: Response) -> Response:
    """After a shared page's view: keep the page, and send it as every later copy is sent (or a 304)."""
    if not rendering_shared() or response.status_code != 200:
        return response
    if "Set-Cookie" in response.headers:  # nothing should set one here; if it did, the page is one reader's
        response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
    body = response.get_data()
    key, generation = g.page_slot
    entry = Entry(generation, body, response.content_type, hashlib.blake2b(body, digest_size=12).hexdigest(),
                  g.get("page_holds_until"), current_app.config["RESPONSE_HEADERS"])
    current_app.extensions["pagecache"].put(key, entry)
    return entry.response()


class KeptPages:
    """In front of Flask: a GET or HEAD of a kept page, answered without Flask's request machinery.

    The cache holds only pages Flask answered 200 for that address, so a key found here is a shared
    page's; a redirect, a 404 or anything else was never kept and goes on to Flask.
    """

    def __init__(self, app: Flask, inner) -> None:
        self.app, self.inner = app, inner
        self.cache: PageCache = app.extensions["pagecache"]

    def read_version(self) -> tuple[int, datetime | None]:
        """The site version, read in an app context of its own (at most once a second)."""
        with self.app.app_context():
            return SiteVersion.current()

    def __call__(self, environ, start_response):
        """Answer a kept, current page; pass anything else on."""
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            key = page_key(environ)
            # Only an address with a kept page asks for the generation (and so, at most once a second, the database).
            if key in self.cache.pages:
                try:
                    generation = self.cache.generation(self.read_version)
                except SQLAlchemyError:
                    # The database does not answer: the page as last known beats an error; Flask says 503 for the rest.
                    generation = self.cache.last_generation()
                entry = self.cache.get(key, generation)
                if entry is not None:
                    return entry.answer(environ, start_response)
        return self.inner(environ, start_response)


def init_app(app: Flask) -> None:
    """Give the app its page cache and the hooks around shared pages."""
    app.extensions["pagecache"] = PageCache()
    app.before_request(mark_shared)
    app.after_request(keep)


def answer_before_flask(app: Flask) -> None:
    """Put the layer that answers kept pages in front of whatever the app's WSGI callable is now."""
    app.wsgi_app = KeptPages(app, app.wsgi_app)
