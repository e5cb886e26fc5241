"""The benchmark's gunicorn servers: each on a free loopback port, all with the same settings, always stopped."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
# The one place the servers' settings are kept: the site, the constant and the limit all run with these.
# No control socket: its one default path per user would be shared by the three servers and any other run.
GUNICORN_FLAGS = ("--workers", "2", "--worker-class", "sync", "--no-control-socket")
START_SECONDS = 30
STOP_SECONDS = 10


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(app: str, env: dict, log: Path) -> Iterator[str]:
    """Serve `app` (gunicorn's "module:callable") on a free port and yield its base URL; stop it on the way out."""
    port = free_port()
    # bench/ on the path for baselines; the repository for app.
    paths = {"PYTHONPATH": os.pathsep.join((str(ROOT), str(ROOT / "bench")))}
    with log.open("wb") as output:
        server = subprocess.Popen([str(GUNICORN), *GUNICORN_FLAGS, "--bind", f"127.0.0.1:{port}", app], cwd=ROOT,
                                  env=os.environ | env | paths, stdout=output, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(base, server, log)
        yield base
    finally:
        stop(server)


def wait_until_answering(base: str, server: subprocess.Popen, log: Path) -> None:
    """Block until the server answers HTTP, or exit with the end of its log."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            urllib.request.urlopen(base + "/", timeout=5)
            return
        except urllib.error.HTTPError:
            return  # any status means a worker answered
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not start ({log}):\n" + log.read_text(errors="replace")[-2000:])


def stop(server: subprocess.Popen) -> None:
    """Stop gunicorn gracefully, or kill it if it hangs."""
    server.terminate()
    try:
        server.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
