"""Conditional GET for pages and feeds: does the client already hold the current copy?

Werkzeug decides (`is_resource_modified`): If-None-Match, when sent, decides alone with the weak
comparison; otherwise If-Modified-Since against the Last-Modified given, to the second (RFC 9110).
Callers ask before they render, so a 304 costs no body.
"""

from __future__ import annotations

from datetime import datetime

from flask import request
from werkzeug.http import is_resource_modified


def client_has_current_copy(etag: str, last_modified: datetime | None = None, environ: dict | None = None) -> bool:
    """True when the request's validators match the ETag (unquoted) or, without If-None-Match, the Last-Modified.

    The request is Flask's, or the WSGI environ of one answered before Flask (web/pagecache.py).
    """
    environ = request.environ if environ is None else environ
    if last_modified is None and "HTTP_IF_NONE_MATCH" not in environ:
        return False  # nothing to compare: most requests, answered without parsing a header
    return not is_resource_modified(environ, etag=etag, last_modified=last_modified)
