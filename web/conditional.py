"""Conditional GET for pages and feeds: does the client already hold the current copy?

Werkzeug decides (`is_resource_modified`): If-None-Match, when sent, decides alone with the weak
comparison; otherwise If-Modified-Since against the Last-Modified given, to the second (RFC 9110).
Callers ask before they render, so a 304 costs no body.
"""

from __future__ import annotations

from datetime import datetime

from flask import request
from werkzeug.http import is_resource_modified


def client_has_current_copy(etag: str, last_modified: datetime | None = None) -> bool:
    """True when this request's validators match the ETag (unquoted) or, without If-None-Match, the Last-Modified."""
    return not is_resource_modified(request.environ, etag=etag, last_modified=last_modified)
