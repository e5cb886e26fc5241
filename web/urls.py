"""Absolute addresses, always built from SITE_URL: never from the Host header a request arrived with."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, url_for
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect, UnicodeConverter


def absolute_url(endpoint: str, **values) -> str:
    """The public address of an endpoint: SITE_URL and the path url_for gives (a forged Host never shows)."""
    return current_app.config["SITE_URL"] + url_for(endpoint, **values)


def site_host() -> str:
    """The host name of SITE_URL, without port: the authority of the site's tag: URIs."""
    return urlsplit(current_app.config["SITE_URL"]).hostname


# Letters only, so url_for passes it through unquoted and it can be found again.
_PLACEHOLDER = "zzvalleyledgerplaceholderzz"


def absolute_urls(endpoint: str, argument: str, values: list[str]) -> list[str]:
    """absolute_url for many values of one argument (a sitemap's 50,000 slugs): the address is built once,
    and each value is quoted as the route's own converter quotes it."""
    prefix, suffix = absolute_url(endpoint, **{argument: _PLACEHOLDER}).split(_PLACEHOLDER)
    converter = current_app.url_map.converters["default"](current_app.url_map)
    return [prefix + converter.to_url(value) + suffix for value in values]


def route_words() -> set[str]:
    """The first part of every route's path that starts with fixed text: 'admin', 'articles', 'feed.xml' ..."""
    words = {rule.rule.split("/")[1] for rule in current_app.url_map.iter_rules()}
    return {word for word in words if word and "<" not in word}


def taken_by_a_route(slug: str, own_endpoint: str) -> bool:
    """True when /<slug> belongs to another route than `own_endpoint`, or is the start of another's addresses.

    Read from the app's URL map, so a route added later reserves its word without anyone listing it.
    """
    if slug in route_words():
        return True
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match("/" + slug, method="GET")
    except (RequestRedirect, MethodNotAllowed):
        return True  # another route's address with a slash added, or one that only takes a form
    except NotFound:
        return False
    return endpoint != own_endpoint


class PathText(UnicodeConverter):
    """A route's text part (a slug, a file name): any character but a slash or a control character.

    No address of the site holds a control character, and PostgreSQL refuses a NUL in any text it is
    sent: such an address matches no route and is a 404 before any view or query.
    """

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's own name for it
        super().__init__(map, *args, **kwargs)
        self.regex = r"[^/\x00-\x1f\x7f-\x9f]+"  # UnicodeConverter sets its own in __init__


def init_app(app: Flask) -> None:
    """Every `<name>` in a route is PathText: set before any route is added."""
    app.url_map.converters["default"] = app.url_map.converters["string"] = PathText
