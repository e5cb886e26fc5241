"""Two real gunicorn processes on one database: headers as sent, comments, the limit and kept forms shared."""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html import unescape
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD, BROWSER_AGENT, settings_for_tests
from tests.databases import drop_database, new_database_url

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    """Block until the server accepts connections (or fail with its output)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode())
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"gunicorn did not listen on {port}")


@pytest.fixture(scope="module")
def servers(tmp_path_factory, migrated_database):
    """Two gunicorn servers, separate processes, sharing one database and key."""
    instance = tmp_path_factory.mktemp("gunicorn-instance")
    database = new_database_url(instance, template=migrated_database)
    settings = settings_for_tests(instance, TESTING=False, COMMENT_RATE_LIMIT="5 per minute",
                                  SECRET_KEY="shared-by-both-servers", SQLALCHEMY_DATABASE_URI=database)
    seed = subprocess.run([sys.executable, "-c", (
        "from app import create_app; from tests.conftest import *; import models;"
        f"app = create_app({settings!r});"
        "ctx = app.app_context(); ctx.push();"
        "a = models.Article(title='Shared', slug='shared', status='published', category=models.Category.get_or_create('Local'),"
        " published_at=__import__('content.text', fromlist=['x']).now_utc()); a.set_body('Body.'); models.db.session.add(a); models.db.session.commit();"
        "__import__('newsroom.accounts', fromlist=['x']).create_admin('editor', ADMIN_PASSWORD)"
    )], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert seed.returncode == 0, seed.stderr
    ports, processes = [free_port(), free_port()], []
    for port in ports:
        processes.append(subprocess.Popen(
            [str(GUNICORN), "--workers", "1", "--no-control-socket", "--bind", f"127.0.0.1:{port}",
             f"app:create_app({settings!r})"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        ))
    for port, process in zip(ports, processes, strict=True):
        wait_until_listening(port, process)
    yield [f"http://127.0.0.1:{port}" for port in ports]
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()
    drop_database(database)


class Browser:
    """A cookie-keeping HTTP client, like one browser session."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def get(self, url: str):
        return self.open(urllib.request.Request(url, headers={"User-Agent": BROWSER_AGENT}))

    def post(self, url: str, data: dict):
        body = urllib.parse.urlencode(data).encode()
        return self.open(urllib.request.Request(url, data=body, headers={"User-Agent": BROWSER_AGENT}))

    def open(self, request):
        try:
            response = self.opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        return response.status, dict(response.headers), response.read().decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_comment(server: str, body: str) -> int:
    """Open the article in a fresh browser on this server and send its form as drawn (no token: none is needed)."""
    browser = Browser()
    _, _, html = browser.get(server + "/articles/shared")
    fields = dict(re.findall(r'<input id="\w+" name="(\w+)" type="hidden" value="([^"]*)"', html))
    data = {name: unescape(value) for name, value in fields.items()} | {"name": "Ann", "body": body}
    status, _, _ = browser.post(server + "/articles/shared/comments", data)
    return status


@pytest.mark.parametrize("path", ["/", "/articles/shared", "/static/site.css", "/no-such-page"])
def test_every_response_carries_the_security_headers_and_no_server_version(servers, path):
    status, headers, _ = Browser().get(servers[0] + path)
    assert status in (200, 404)
    csp = headers["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
                      "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert not re.search(r"\d", headers.get("Server", ""))


def test_comments_through_both_servers_are_all_stored_and_the_sixth_in_a_minute_is_refused(servers):
    statuses = [post_comment(servers[number % 2], f"Comment number {number}") for number in range(5)]
    assert statuses == [302] * 5
    assert post_comment(servers[1], "The sixth") == 429
    assert post_comment(servers[0], "The seventh") == 429
    html = eventually(servers[1] + "/articles/shared", lambda page: "Comment number 4" in page)
    assert [f"Comment number {n}" for n in range(5)] == re.findall(r"Comment number \d", html)
    assert "The sixth" not in html and "The seventh" not in html


def hidden_fields(html: str) -> dict[str, str]:
    """A page's hidden inputs (the CSRF token, the article form's editor stamp)."""
    return {name: unescape(value) for name, value in re.findall(
        r'<input id="\w+" name="(\w+)" type="hidden" value="([^"]*)"', html)}


def test_an_article_form_kept_by_one_server_is_restored_by_the_other(servers):
    first, second = servers
    browser = Browser()  # cookies ignore the port: one browser, two servers behind one name
    _, _, login = browser.get(first + "/admin/login")
    browser.post(first + "/admin/login", hidden_fields(login) | {"username": "editor", "password": ADMIN_PASSWORD})
    _, _, form = browser.get(first + "/admin/articles/new")
    browser.post(second + "/admin/logout", hidden_fields(form))  # signed out in another tab
    typed = {"title": "Kept across servers", "category": "Local", "body": "Typed on one, kept by the other.",
             "status": "draft", "action": "save"}
    status, headers, _ = browser.post(second + "/admin/articles/new", hidden_fields(form) | typed)
    assert status == 303 and headers["Location"] == "/admin/login?next=/admin/articles/new"
    _, _, login = browser.get(first + "/admin/login")
    assert "Your session ended. Sign in to continue; your changes are kept." in login
    status, headers, _ = browser.post(first + "/admin/login",
                                      hidden_fields(login) | {"username": "editor", "password": ADMIN_PASSWORD})
    assert headers["Location"] == "/admin/articles/new"
    _, _, restored = browser.get(first + "/admin/articles/new")
    assert 'value="Kept across servers"' in restored and "Typed on one, kept by the other.</textarea>" in restored


def eventually(url: str, shows, seconds: float = 10) -> str:
    """The page at url once `shows(page)` holds for an anonymous reader; the promise is a second, this allows ten."""
    deadline = time.monotonic() + seconds
    while True:
        _, _, html = Browser().get(url)
        if shows(html) or time.monotonic() > deadline:
            return html
        time.sleep(0.05)


def test_anonymous_pages_are_kept_and_a_change_on_one_server_reaches_the_other(servers):
    first, second = servers
    answers = [Browser().get(first + "/articles/shared") for _ in range(3)]
    assert len({headers["ETag"] for _, headers, _ in answers}) == 1
    for _, headers, _ in answers:
        assert headers["Cache-Control"] == "public, max-age=10, stale-while-revalidate=30"
        assert "Set-Cookie" not in headers
    etag = answers[0][1]["ETag"]
    request = urllib.request.Request(first + "/articles/shared", headers={"If-None-Match": etag})
    assert Browser().open(request)[0] == 304
    editor = Browser()
    _, _, login = editor.get(second + "/admin/login")
    editor.post(second + "/admin/login", hidden_fields(login) | {"username": "editor", "password": ADMIN_PASSWORD})
    article_id = re.search(r'data-count-url="/reads/(\d+)"', answers[0][2])[1]
    _, _, form = editor.get(f"{second}/admin/articles/{article_id}/edit")
    published_at = re.search(r'name="published_at" type="datetime-local" value="([^"]*)"', form)[1]
    typed = {"title": "Shared, then retitled", "slug": "shared", "category": "Local", "body": "Body.",
             "status": "published", "published_at": published_at, "action": "save"}
    assert editor.post(f"{second}/admin/articles/{article_id}/edit", hidden_fields(form) | typed)[0] in (302, 303)
    _, headers, own = editor.get(second + "/articles/shared")  # the editor sees it at once, on the shared page
    assert "Shared, then retitled" in own and headers["Cache-Control"] == "public, max-age=10, stale-while-revalidate=30"
    html = eventually(first + "/articles/shared", lambda page: "Shared, then retitled" in page)
    assert "Shared, then retitled" in html


def test_reads_counted_on_both_servers_add_up(servers):
    _, _, html = Browser().get(servers[0] + "/articles/shared")
    url = re.search(r'data-count-url="([^"]+)"', html)[1]
    counts = [json.loads(Browser().get(servers[number % 2] + url)[2])["reads"] for number in range(6)]
    assert counts == list(range(counts[0], counts[0] + 6))
    browser = Browser()
    status, headers, _ = browser.get(servers[0] + url)
    assert status == 200 and "Path=/reads/" in headers["Set-Cookie"] and headers["Cache-Control"] == "no-store"
    again = json.loads(browser.get(servers[1] + url)[2])["reads"]
    assert again == counts[-1] + 1  # the same browser on the other server: not counted twice
