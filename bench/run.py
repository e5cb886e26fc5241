"""Throughput of the home and article pages as a share of a bare Flask constant, in one run.

Usage: .venv/bin/python bench/run.py [seconds per URL]. Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare_instance(folder: Path) -> dict:
    """A migrated database with the demo content, and the settings to serve it."""
    config = {"INSTANCE_PATH": str(folder), "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/news.sqlite3"}
    from app import create_app

    app = create_app(config)
    runner = app.test_cli_runner()
    for command in ("init-db", "demo"):
        assert runner.invoke(args=[command]).exit_code == 0
    return config


def requests_per_second(url: str, seconds: int) -> float:
    """wrk's measured rate for one URL (2 threads, 16 connections)."""
    output = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", url], capture_output=True, text=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main(seconds: int = 5) -> None:
    """Serve with gunicorn, measure each URL, print rates and ratios."""
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    config = prepare_instance(folder)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = os.environ | {"BENCH_CONFIG": json.dumps(config), "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--workers", "1", "--bind",
                               f"127.0.0.1:{port}", "bench_app:create_bench_app()"], cwd=ROOT, env=env,
                              stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                home = urllib.request.urlopen(base + "/").read().decode()
                break
            except OSError:
                time.sleep(0.1)
        article = re.search(r'class="item-title"><a href="([^"]+)"', home).group(1)
        urls = {"constant": "/bench/constant", "home": "/", "article": article}
        rates = {name: requests_per_second(base + path, seconds) for name, path in urls.items()}
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(folder)
    for name, rate in rates.items():
        print(f"{name:9} {rate:9.0f} req/s  {rate / rates['constant']:6.1%} of the constant")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
