"""Absolute addresses, always built from SITE_URL: never from the Host header a request arrived with."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


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
