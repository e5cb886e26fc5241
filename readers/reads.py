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

from flask import Flask, current_app
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Request, Response

from models import MAX_ID, count_read, published_reads
from web.security import SECURITY_HEADERS
from web.sessions import has_session
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


def should_count_read(req: Request) -> bool:
    """True when this request is a person opening the article, not a machine, a prefetch or a HEAD."""
    if req.method != "GET":
        return False
    purpose = (req.headers.get("Sec-Purpose", "") + " " + req.headers.get("Purpose", "")).lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return False
    return not is_machine_agent(req.headers.get("User-Agent", "").strip())


@functools.lru_cache(maxsize=1024)
def is_machine_agent(agent: str) -> bool:
    """True for no User-Agent or a machine's; a few browsers' strings make most requests, so answers are kept."""
    return not agent or NON_READER_AGENTS.search(agent) is not None


def reads_serializer() -> URLSafeSerializer:
    """Signs the reads cookie with the app's key, apart from every other signed value."""
    return serializer_for(current_app.config["SECRET_KEY"])


@functools.lru_cache(maxsize=8)
def serializer_for(secret_key: str) -> URLSafeSerializer:
    """One reads-cookie serializer per key, built once rather than on every counted read."""
    return URLSafeSerializer(secret_key, salt="reads-cookie")


def articles_read(req: Request) -> list[int]:
    """The article ids this browser's signed reads cookie names; none if it is missing or forged."""
    try:
        read = reads_serializer().loads(req.cookies.get(READS_COOKIE, ""))
    except BadSignature:
        return []
    return [item for item in read if isinstance(item, int)] if isinstance(read, list) else []


def remember_read(response: Response, read: list[int]) -> None:
    """Set the reads cookie, scoped to the counting path."""
    response.set_cookie(READS_COOKIE, reads_serializer().dumps(read[-READS_REMEMBERED:]), path=READS_PATH,
                        max_age=READS_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


def answer_count(req: Request, article_id: int, pixel: bool, signed_in: bool) -> Response | None:
    """Count a reader's first read of a published article; the fresh count (or the pixel), or None if unpublished.

    Never stored by a cache; a counted read is remembered in the reads cookie. The newsroom reading
    its own site (`signed_in`) is no reader.
    """
    read = articles_read(req)
    counting = article_id not in read and not signed_in and should_count_read(req)
    reads = count_read(article_id) if counting else published_reads(article_id)
    if reads is None:
        return None
    if pixel:
        response = Response(PIXEL, mimetype="image/gif")
    else:
        response = Response(json.dumps({"reads": reads, "label": plural(reads, "Read")}), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    if counting:
        remember_read(response, read + [article_id])
    return response


class ReadCounter:
    """In front of Flask: a count for a request without a session, answered without Flask's request machinery.

    Flask's request context, routing, hooks and session would cost as much again as the count itself.
    Whatever this layer does not answer goes on to Flask unchanged.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.flask = app.wsgi_app

    def __call__(self, environ, start_response):
        """Answer a session-less GET of the counting address; pass anything else on."""
        found = COUNTING_ADDRESS.fullmatch(environ.get("PATH_INFO", ""))
        if found is not None and environ.get("REQUEST_METHOD") == "GET" and int(found[1]) <= MAX_ID:
            req = Request(environ)
            with self.app.app_context():
                response = None if has_session(req) else answer_count(req, int(found[1]), found[2] is not None, False)
            if response is not None:
                response.headers.update(SECURITY_HEADERS)
                return response(environ, start_response)
        return self.flask(environ, start_response)


def init_app(app: Flask) -> None:
    """Put the counter in front of the app."""
    app.wsgi_app = ReadCounter(app)
