"""The site with one extra route, a bare constant, to measure pages against on the same server."""

from __future__ import annotations

import json
import os

from app import create_app


def create_bench_app():
    """The real app on the benchmark's instance folder, plus /bench/constant."""
    app = create_app(json.loads(os.environ["BENCH_CONFIG"]))
    app.add_url_rule("/bench/constant", "bench_constant", lambda: "ok")
    return app
