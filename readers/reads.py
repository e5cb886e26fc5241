"""Counting reads: the small request an article page makes once it is really shown.

Every reader of every article makes it, so it is the site's most frequent request and its most
frequent write. Nearly all of them come without a session, and `ReadCounter`, a WSGI layer in front
of Flask, answers those with only what a count needs. The rest (a commenter or someone from the
newsroom, who has a session; a HEAD; an address of nothing published, which gets the site's 404
page) go on to the routes in readers/pages.py. Both answer through `answer_count`, so the rules are one.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from functools import cached_property

from flask import Flask
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.http import dump_cookie, parse_cookie

from models import MAX_ID, count_read, db, published_reads
from web.templating import plural

# The reads cookie is sent to the counting address only, so it never reaches a page or a cache.
READS_COOKIE = "reads"
READS_PATH = "/reads/"
READS_COOKIE_DAYS = 365
# How many article ids the reads cookie remembers; the oldest drop off first.
READS_REMEMBERED = 100
# The routes' addresses, /reads/<id> and /reads/<id>.gif: the ids an INTEGER column can hold.
COUNTING_ADDRESS = re.compile(rf"{re.escape(READS_PATH)}([1-9][0-9]{{0,{len(str(MAX_ID)) - 1}}})(\.gif)?")
# A transparent 1x1 GIF: the answer to the counting image of readers without JavaScript.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")

# User-Agents that fetch pages for machines, not for a person reading: crawlers, link
# previews, AI agents and HTTP libraries. Many of them carry no "bot" in their name.
NON_READER_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|scrape|archiver|preview|facebookexternalhit|whatsapp|embedly|"
    r"quora link|vkshare|chatgpt|claude|anthropic|perplexity|bytespider|ccbot|cohere|diffbot|"
    r"yandex|baidu|google-extended|googleother|headless|phantomjs|lighthouse|pagespeed|"
    r"curl|wget|httpie|python-requests|python-urllib|aiohttp|httpx|go-http-client|okhttp|"
    r"java/|libwww|lwp::|node-fetch|axios|undici|postman|insomnia|monitor|uptime|check_http",
    re.IGNORECASE,
)


def should_count_read(environ) -> bool:
    """True when this request is a person opening the article, not a machine, a prefetch or a HEAD."""
    if environ.get("REQUEST_METHOD") != "GET":
        return False
    purpose = (environ.get("HTTP_SEC_PURPOSE", "") + " " + environ.get("HTTP_PURPOSE", "")).lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return False
    return not is_machine_agent(environ.get("HTTP_USER_AGENT", "").strip())


@functools.lru_cache(maxsize=1024)
def is_machine_agent(agent: str) -> bool:
    """True for no User-Agent or a machine's; a few browsers' strings make most requests, so answers are kept."""
    return not agent or NON_READER_AGENTS.search(agent) is not None


@functools.lru_cache(maxsize=8)
def reads_serializer(secret_key: str) -> URLSafeSerializer:
    """Signs the reads cookie with the app's key, apart from every other signed value; built once per key."""
    return URLSafeSerializer(secret_key, salt="reads-cookie")


def articles_read(cookie: str, secret_key: str) -> list[int]:
    """The article ids a signed reads cookie names; none if it is missing or forged."""
    if not cookie:  # a first read, the most common: nothing to check
        return []
    try:
        read = reads_serializer(secret_key).loads(cookie)
    except BadSignature:
        return []
    return [item for item in read if isinstance(item, int)] if isinstance(read, list) else []


def reads_cookie(read: list[int], config) -> str:
    """The Set-Cookie value remembering these reads, scoped to the counting path."""
    return dump_cookie(READS_COOKIE, signed_reads(tuple(read[-READS_REMEMBERED:]), config["SECRET_KEY"]),
                       path=READS_PATH, max_age=READS_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                       secure=config["SESSION_COOKIE_SECURE"])


@functools.lru_cache(maxsize=4096)
def signed_reads(read: tuple[int, ...], secret_key: str) -> str:
    """The reads cookie's signed value. Most readers come with none and read one article, so the values
    of first reads repeat, and each is signed once."""
    return reads_serializer(secret_key).dumps(list(read))


@dataclass(frozen=True)
class Count:
    """The answer to a counting address, as plain parts: the layer sends them as they are, the routes in a Response."""

    body: bytes
    headers: list[tuple[str, str]]


def answer_count(config, environ, cookies, article_id: int, pixel: bool, signed_in: bool, engine=None) -> Count | None:
    """Count a reader's first read of a published article; the fresh count (or the pixel), or None if unpublished.

    Never stored by a cache; a counted read is remembered in the reads cookie. The newsroom reading
    its own site (`signed_in`) is no reader. `engine` is the app's, for a caller outside an app context.
    """
    read = articles_read(cookies.get(READS_COOKIE, ""), config["SECRET_KEY"])
    counting = article_id not in read and not signed_in and should_count_read(environ)
    reads = count_read(article_id, engine) if counting else published_reads(article_id, engine)
    if reads is None:
        return None
    if pixel:
        body, content_type = PIXEL, "image/gif"
    else:
        body, content_type = json.dumps({"reads": reads, "label": plural(reads, "Read")}).encode(), "application/json"
    headers = [("Content-Type", content_type), ("Cache-Control", "no-store")]
    if counting:
        headers.append(("Set-Cookie", reads_cookie(read + [article_id], config)))
    return Count(body, headers)


class ReadCounter:
    """In front of Flask: a count for a request without a session, answered as plain WSGI.

    A bare count costs less than Flask's request context, routing, hooks and session would, and
    less than Werkzeug's Request and Response objects: this layer reads the environ and sends a list
    of headers. Whatever it does not answer goes on to Flask unchanged.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.flask = app.wsgi_app

    @cached_property
    def engine(self):
        """The app's database engine, the same for its whole life; read once, so no count needs an app context."""
        with self.app.app_context():
            return db.engine

    def __call__(self, environ, start_response):
        """Answer a session-less GET of the counting address; pass anything else on."""
        found = COUNTING_ADDRESS.fullmatch(environ.get("PATH_INFO", ""))
        if found is not None and environ.get("REQUEST_METHOD") == "GET" and int(found[1]) <= MAX_ID:
            config = self.app.config
            cookies = parse_cookie(environ.get("HTTP_COOKIE"))
            answer = None if config["SESSION_COOKIE_NAME"] in cookies else answer_count(
                config, environ, cookies, int(found[1]), found[2] is not None, False, self.engine)
            if answer is not None:
                start_response("200 OK", [*answer.headers, ("Content-Length", str(len(answer.body))),
                                          *config["RESPONSE_HEADERS"]])
                return [answer.body]
        return self.flask(environ, start_response)


def init_app(app: Flask) -> None:
    """Put the counter in front of the app."""
    app.wsgi_app = ReadCounter(app)
