"""deploy/: the systemd units, gunicorn's settings and the nginx site read as their programs read them."""

from __future__ import annotations

import configparser
import difflib
import os
import re
import runpy
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.nginx import NGINX, SHIPPED, Loopback, loopback_configuration, main_configuration

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "deploy" / "systemd"
# Where the units expect the code; the tests put the repository there.
SERVED_FROM = "/srv/ledger"


def unit(name: str) -> configparser.ConfigParser:
    """A unit file read as INI (systemd's syntax is a superset; these files stay within INI)."""
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def in_repository(path: str) -> Path:
    """A path under /srv/ledger, as it is in this repository."""
    assert path.startswith(SERVED_FROM + "/"), path
    return ROOT / path.removeprefix(SERVED_FROM + "/")


@pytest.mark.parametrize("name", ["ledger@.service", "ledger-housekeeping.service"])
def test_each_service_runs_a_program_and_files_the_repository_has(name):
    service = unit(name)["Service"]
    program, *arguments = shlex.split(service["ExecStart"])
    assert os.access(in_repository(program), os.X_OK)
    assert service["WorkingDirectory"] == SERVED_FROM and service["User"] == "ledger"
    assert service["EnvironmentFile"] == "/etc/ledger/env"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "true"
    assert in_repository(service["ReadWritePaths"]) == ROOT / "instance"  # the media folder's default parent
    if "-c" in arguments:
        assert (ROOT / arguments[arguments.index("-c") + 1]).is_file()


def test_the_app_server_unit_is_one_template_for_every_port_and_reloads_gracefully():
    server = unit("ledger@.service")
    service = server["Service"]
    assert service["Environment"] == "LEDGER_BIND=127.0.0.1:%i"
    assert shlex.split(service["ExecStart"])[-1] == "app:create_app()"
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID" and service["Restart"] == "on-failure"
    settings = gunicorn_settings({"LEDGER_BIND": "127.0.0.1:8002"})
    assert settings["bind"] == "127.0.0.1:8002"
    assert int(service["TimeoutStopSec"]) > settings["graceful_timeout"]  # systemd waits out a graceful stop


def test_housekeeping_runs_daily_by_its_timer():
    assert shlex.split(unit("ledger-housekeeping.service")["Service"]["ExecStart"])[1:] == [
        "--app", "app", "housekeeping"]
    timer = unit("ledger-housekeeping.timer")["Timer"]
    assert re.fullmatch(r"\*-\*-\* \d\d:\d\d:\d\d", timer["OnCalendar"]) and timer["Persistent"] == "true"


def gunicorn_settings(environment: dict[str, str]) -> dict:
    """deploy/gunicorn.conf.py's settings as gunicorn reads them (it runs the file) under this environment."""
    saved = dict(os.environ)
    for name in ("WEB_CONCURRENCY", "RUNTIME_DIRECTORY", "LEDGER_BIND"):
        os.environ.pop(name, None)
    os.environ.update(environment)
    try:
        return runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_gunicorn_takes_its_workers_from_the_cpus_and_logs_for_journald():
    settings = gunicorn_settings({})
    assert settings["workers"] == min(2 * os.cpu_count() + 1, 12)
    assert gunicorn_settings({"WEB_CONCURRENCY": "1"})["workers"] == 1
    assert (settings["accesslog"], settings["errorlog"]) == ("-", "-")
    assert settings["bind"] == "127.0.0.1:8001" and settings["graceful_timeout"] > 0


def test_each_instance_has_a_control_socket_of_its_own_or_none():
    assert unit("ledger@.service")["Service"]["RuntimeDirectory"] == "ledger-%i"
    under_systemd = gunicorn_settings({"RUNTIME_DIRECTORY": "/run/ledger-8002"})
    assert under_systemd["control_socket"] == "/run/ledger-8002/gunicorn.ctl"
    assert gunicorn_settings({})["control_socket_disable"] is True  # never one shared path in the user's home


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is missing (the systemd package); the INI checks above still ran")
    for path in UNITS.iterdir():
        name = path.name.replace("@.service", "@8001.service")  # an instance of the template
        (tmp_path / name).write_text(path.read_text().replace(SERVED_FROM, str(ROOT)))
    units = sorted(str(path) for path in tmp_path.iterdir())
    checked = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert (checked.returncode, checked.stdout + checked.stderr) == (0, "")


def loopback(tmp_path: Path) -> Loopback:
    return Loopback(18080, 18081, (18001, 18002), tmp_path / "cache", tmp_path / "media")


def test_the_loopback_configuration_changes_only_ports_folders_and_tls(tmp_path):
    shipped = SHIPPED.read_text()
    changed = [line[2:].strip() for line in difflib.ndiff(shipped.splitlines(), loopback_configuration(
        shipped, loopback(tmp_path)).splitlines()) if line.startswith("- ")]
    allowed = re.compile(r"listen .*|ssl_\w+ .*|server 127\.0\.0\.1:800[12];|proxy_cache_path .*|root /srv/ledger.*;")
    assert [line for line in changed if not allowed.fullmatch(line)] == []
    assert len(changed) == 14


def test_a_reshaped_shipped_file_is_refused_not_half_substituted(tmp_path):
    with pytest.raises(ValueError, match="listen 80"):
        loopback_configuration(SHIPPED.read_text().replace("listen 80;", "listen 8080;"), loopback(tmp_path))


def test_the_shipped_site_with_a_certificate_passes_nginx_t(tmp_path):
    if not NGINX.exists() or shutil.which("openssl") is None:
        pytest.skip(f"{NGINX} or openssl is missing: `apt-get install nginx-light openssl`")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=news.example.org", "-keyout", tmp_path / "privkey.pem", "-out", tmp_path / "fullchain.pem"],
                   check=True, capture_output=True, timeout=60)
    # Only the certificate's folder and the cache (which nginx -t creates) move: TLS, HTTP/2 and ports as shipped.
    site = SHIPPED.read_text().replace("/etc/letsencrypt/live/news.example.org", str(tmp_path)).replace(
        "/var/cache/nginx/ledger", str(tmp_path / "cache"))
    (tmp_path / "ledger.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(main_configuration(tmp_path / "ledger.conf", tmp_path))
    checked = subprocess.run([str(NGINX), "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path),
                              "-e", str(tmp_path / "error.log")], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr


def test_the_cache_obeys_the_app_alone():
    directives = [line.split()[0] for line in SHIPPED.read_text().splitlines() if line.strip() and
                  not line.strip().startswith("#")]
    # No lifetime of nginx's own, and Set-Cookie and Cache-Control are never ignored: an answer carrying a
    # cookie, or private or no-store, is never kept.
    assert {"proxy_cache_valid", "proxy_ignore_headers", "proxy_hide_header"}.isdisjoint(directives)
    assert "proxy_cache" in directives


def test_files_nginx_sends_itself_carry_the_apps_security_headers():
    from web.security import response_headers
    from web.settings import DEFAULTS

    # The site is served over https, so the app's answers carry HSTS too: nginx's own files must as well.
    https_site = dict(response_headers({"SITE_URL": "https://news.example.org", "HSTS_SECONDS": DEFAULTS["HSTS_SECONDS"]}))
    assert "Strict-Transport-Security" in https_site

    site = SHIPPED.read_text()
    for location in ("location /static/ {", "location ~ \"^/media/"):
        block = site[site.index(location):].split("\n    }", 1)[0]  # to the block's own closing brace
        added = dict(re.findall(r'add_header ([\w-]+) "?(.*?)"? always;', block))
        assert https_site.items() <= added.items(), location  # one owner: web.security; this copy follows it
