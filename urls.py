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
