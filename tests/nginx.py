"""The shipped nginx site (deploy/nginx/ledger.conf) as a loopback test server: one substitution, one runner.

`loopback_configuration` is the one place the shipped file is changed for tests and the benchmark: ports,
folders, TLS off. Each change must find its text exactly as often as expected, so a reshaped shipped
file fails here loudly instead of being tested half-substituted. `running_nginx` starts Debian's nginx on
the result, unprivileged, in a folder of its own, and stops it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX = Path("/usr/sbin/nginx")
SHIPPED = ROOT / "deploy" / "nginx" / "ledger.conf"
START_SECONDS = 10


@dataclass(frozen=True)
class Loopback:
    """What the test configuration is pointed at: its ports, the app servers' ports and its folders."""

    port: int  # the site, over plain HTTP, where the shipped file listens on 443 with TLS
    redirect_port: int  # the shipped port-80 server that redirects to HTTPS
    app_ports: tuple[int, int]
    cache: Path
    media: Path
    static_parent: Path = ROOT  # the folder holding static/, as /srv/ledger holds it


def loopback_configuration(shipped: str, to: Loopback) -> str:
    """The shipped site with its ports, folders and TLS replaced for a loopback server; nothing else changed.

    - `listen 443 ssl http2` becomes plain HTTP on 127.0.0.1:port, and the ssl_* lines and the IPv6
      listens go (a test has no certificate, and a machine may have no IPv6);
    - `listen 80` becomes 127.0.0.1:redirect_port, so the redirect to HTTPS can be asked;
    - the upstream's 127.0.0.1:8001 and :8002 become the two app servers' ports;
    - the cache, media and static folders become the given ones.
    """
    replacements = [
        (r"^ *listen \[::\]:(80|443)[^;]*;\n", "", 2),
        (r"^ *ssl_[a-z_]+ [^;]*;\n", "", 5),
        (r"listen 443 ssl http2;", f"listen 127.0.0.1:{to.port};", 1),
        (r"listen 80;", f"listen 127.0.0.1:{to.redirect_port};", 1),
        (r"server 127\.0\.0\.1:8001;", f"server 127.0.0.1:{to.app_ports[0]};", 1),
        (r"server 127\.0\.0\.1:8002;", f"server 127.0.0.1:{to.app_ports[1]};", 1),
        (r"proxy_cache_path /var/cache/nginx/ledger ", f"proxy_cache_path {to.cache} ", 1),
        (r"root /srv/ledger/instance/media;", f"root {to.media};", 1),
        (r"root /srv/ledger;", f"root {to.static_parent};", 1),
    ]
    text = shipped
    for pattern, replacement, expected in replacements:
        text, found = re.subn(pattern, lambda _match, new=replacement: new, text, flags=re.MULTILINE)
        if found != expected:
            raise ValueError(f"{SHIPPED.name}: {pattern!r} found {found} times, expected {expected}")
    return text


def main_configuration(site: Path, prefix: Path) -> str:
    """An nginx.conf around the site, as Debian's includes it, with every file nginx writes under prefix."""
    # As root (CI) nginx's workers would run as nobody, who cannot read a test's private folders.
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                          "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log warn;\n"
            "events { worker_connections 512; }\n"
            f"http {{\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
            f"    access_log off;\n    sendfile on;\n{temp}\n    include {site};\n}}\n")


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_nginx(to: Loopback, prefix: Path) -> Iterator[str]:
    """nginx on the shipped site turned into `to`'s, in the foreground; its base URL, and stopped on the way out."""
    prefix.mkdir(parents=True, exist_ok=True)
    site, main = prefix / "ledger.conf", prefix / "nginx.conf"
    site.write_text(loopback_configuration(SHIPPED.read_text(), to))
    main.write_text(main_configuration(site, prefix))
    server = subprocess.Popen([str(NGINX), "-c", str(main), "-p", str(prefix), "-e", str(prefix / "error.log"),
                               "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_listening(to.port, server, prefix / "error.log")
        yield f"http://127.0.0.1:{to.port}"
    finally:
        server.terminate()  # nginx's fast shutdown
        server.wait(timeout=10)
        server.stderr.close()


def wait_until_listening(port: int, server: subprocess.Popen, log: Path) -> None:
    """Block until nginx accepts connections on port, or raise with what it said."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            said = server.stderr.read().decode() + (log.read_text() if log.exists() else "")
            raise RuntimeError(f"nginx stopped at start: {said}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)  # polling a real server until it is up
    raise RuntimeError(f"nginx did not listen on {port}")
