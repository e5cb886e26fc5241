"""Headers every response carries, and the checks every POST passes: valid UTF-8 and CSRF (web/csrf.py)."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, Response, abort, current_app, request

from web import csrf

# No inline script and no eval anywhere: scripts come only from our own static files.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


def response_headers(config: dict) -> tuple[tuple[str, str], ...]:
    """The headers every response carries, from Flask and from the layers before it alike.

    An https site adds Strict-Transport-Security, so a browser that has seen it once never asks over http.
    """
    headers = dict(SECURITY_HEADERS)
    if config["SITE_URL"].startswith("https://") and config["HSTS_SECONDS"]:
        headers["Strict-Transport-Security"] = f"max-age={config['HSTS_SECONDS']}"
    return tuple(headers.items())


def add_security_headers(response: Response) -> Response:
    """Set the security headers on a page, an error page or a static file alike."""
    response.headers.update(current_app.config["RESPONSE_HEADERS"])
    return response


def refuse_invalid_utf8() -> None:
    """A form whose bytes are not UTF-8 is refused whole: browsers never send one, so it is not a person's text."""
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return  # multipart fields decode with U+FFFD, which the forms' validators refuse
    for pair in request.get_data(cache=True).split(b"&"):
        try:
            unquote_to_bytes(pair.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            abort(400, "The form contained bytes that are not valid text (UTF-8). Nothing was saved.")


def init_app(app: Flask) -> None:
    """Protect every POST with CSRF and put the headers on every response."""
    app.config["RESPONSE_HEADERS"] = response_headers(app.config)
    csrf.init_app(app)
    app.before_request(refuse_invalid_utf8)
    app.after_request(add_security_headers)
