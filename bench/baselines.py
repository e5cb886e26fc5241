"""What the site is measured against: a bare Flask app (the constant) and a raw WSGI callable (the limit).

Each is served by its own gunicorn with the site's settings, as `baselines:bare_flask()` and
`baselines:raw_page()`; bench/run.py starts them.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask


def bare_flask() -> Flask:
    """Flask's hello world: one route returning "ok", no extensions, no hooks."""
    app = Flask(__name__)
    app.add_url_rule("/", "hello", lambda: "ok")
    return app


def raw_page():
    """A WSGI callable answering every request with the saved article page (BENCH_PAGE, BENCH_PAGE_TYPE)."""
    body = Path(os.environ["BENCH_PAGE"]).read_bytes()
    headers = [("Content-Type", os.environ["BENCH_PAGE_TYPE"]), ("Content-Length", str(len(body)))]

    def app(environ, start_response):
        """The article page's bytes with nothing in front: the most any view could reach on this server."""
        start_response("200 OK", headers)
        return [body]

    return app
