"""Requests through trusted proxies: the one place that reads X-Forwarded-For and X-Forwarded-Proto.

Behind nginx every request arrives from the proxy's address over plain http. With TRUSTED_PROXIES set,
a request whose peer is one of them is rewritten, before anything else sees it, as the proxy saw it:
REMOTE_ADDR becomes the client's address and `wsgi.url_scheme` the scheme the client used. The limiter,
cookies and every address Flask builds then read the request as usual. A peer that is not a trusted
proxy wrote its forwarded headers itself, so they are ignored.
"""

from __future__ import annotations

import ipaddress

from flask import Flask

# Where the proxy's own address is kept once REMOTE_ADDR names the client.
PEER_KEY = "ledger.proxy_address"
SCHEMES = ("http", "https")


def trusted(address: str, proxies: tuple) -> bool:
    """True when address parses and lies in one of the trusted networks."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def without_port(hop: str) -> str:
    """'192.0.2.1:5678' and '[2001:db8::1]:443' without their ports (some proxies add them)."""
    if hop.startswith("["):
        return hop[1:].split("]", 1)[0]
    return hop.split(":", 1)[0] if hop.count(":") == 1 else hop


def client_address(peer: str, forwarded_for: str, proxies: tuple) -> str:
    """The client behind a trusted peer: the rightmost X-Forwarded-For entry that is not a trusted proxy.

    Entries to its left were written by whoever sent the request first, so they prove nothing.
    """
    hops = [without_port(part.strip()) for part in forwarded_for.split(",") if part.strip()]
    for hop in reversed(hops):
        if not trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer


def forwarded_scheme(header: str) -> str | None:
    """The scheme the last proxy saw ('https'), or None when the header names none we know."""
    last = header.rsplit(",", 1)[-1].strip().lower()
    return last if last in SCHEMES else None


class BehindProxies:
    """WSGI: a request from a trusted proxy carries the client's address and scheme from here on."""

    def __init__(self, inner, proxies: tuple) -> None:
        self.inner, self.proxies = inner, proxies

    def __call__(self, environ, start_response):
        """Rewrite a trusted proxy's request; pass every request on."""
        peer = environ.get("REMOTE_ADDR") or ""
        if trusted(peer, self.proxies):
            environ[PEER_KEY] = peer
            environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR", ""), self.proxies)
            scheme = forwarded_scheme(environ.get("HTTP_X_FORWARDED_PROTO", ""))
            if scheme:
                environ["wsgi.url_scheme"] = scheme
        return self.inner(environ, start_response)


def init_app(app: Flask) -> None:
    """Outermost of all: every layer behind it, and Flask, sees the client as the proxy saw it."""
    if app.config["TRUSTED_PROXY_NETWORKS"]:
        app.wsgi_app = BehindProxies(app.wsgi_app, app.config["TRUSTED_PROXY_NETWORKS"])
