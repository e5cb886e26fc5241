"""The shipped nginx site in front of two real gunicorns on one PostgreSQL: caching, counting, limits, uploads, failures.

Everything is real and on loopback: Debian's nginx on deploy/nginx/ledger.conf (made a test server by
tests/nginx.py's one substitution), two gunicorns started with deploy/gunicorn.conf.py (one worker each),
a PostgreSQL cluster of this module's own (the last test stops it, so it is never the suite's), and the
system Chromium. The last two tests stop an app server and then the database, so they run last. Since the
database is the module's own either way, it runs in the SQLite run only (`make test`), not again in `make test-pg`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import http.client
import io
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.pool import NullPool

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.conftest import ADMIN_PASSWORD, BROWSER_AGENT, settings_for_tests
from tests.databases import on_postgresql
from tests.nginx import NGINX, Loopback, free_port, running_nginx
from tests.postgresql import throwaway_cluster

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
# The articles the tests read. A count, a title or a comment limit a test checks is on an article no other test
# changes, so the order of the tests changes no figure.
SLUGS = ("kept-while-down", "kept-once", "twenty-readers", "comments-here", "edited-later")
COMMENTS_PER_MINUTE = 2
# The article page's script counts a read at /reads/<id>.
COUNTING = re.compile(r"/reads/\d+$")

if not NGINX.exists() and not os.environ.get("CI"):
    pytest.skip(f"{NGINX} is missing: install it with `apt-get install nginx-light`", allow_module_level=True)
if on_postgresql():
    # CI's time is short, and this module never touches the suite's database: a second run would repeat it exactly.
    pytest.skip("runs once, in the SQLite run (`make test`): it starts a PostgreSQL cluster of its own whatever "
                "the suite's database, since its last test stops it", allow_module_level=True)


@dataclass
class Answer:
    """One response as nginx sent it."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def cache(self) -> str | None:
        """What nginx's cache did (X-Cache-Status); None when nginx sent a file itself, no app asked."""
        return self.headers.get("X-Cache-Status")


@dataclass
class Visitor:
    """A browser-like client on one loopback address (nginx tells 127.0.0.1 and 127.0.0.2 apart): keeps its
    cookies, follows no redirect."""

    port: int
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Answer:
        """Send one request from this visitor's address."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        sent = {"User-Agent": BROWSER_AGENT} | (headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body, sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            connection.close()
        for cookie in answer.headers.get_all("Set-Cookie") or []:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        return answer

    def get(self, path: str, **headers) -> Answer:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: dict, **headers) -> Answer:
        """POST a form, urlencoded as a browser sends it."""
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"} | headers)


@dataclass
class Site:
    """The running servers and what the tests need of them."""

    port: int
    redirect_port: int
    database: str
    ids: dict[str, int]
    app_servers: list[subprocess.Popen]
    app_ports: list[int]
    stop_database: Callable[[], None]
    kept_at: float  # when nginx first kept the pages kept-while-down and edited-later (time.monotonic)
    kept_for: int  # their max-age, as the app sent it
    nginx_log: Path

    def visitor(self, source: str = "127.0.0.1") -> Visitor:
        return Visitor(self.port, source)

    def reads(self, slug: str) -> int:
        """The read count in the database."""
        from models import Article

        engine = create_engine(self.database, poolclass=NullPool)
        with engine.connect() as connection:
            count = connection.execute(select(Article.reads).where(Article.slug == slug)).scalar_one()
        engine.dispose()
        return count

    def comments(self, slug: str) -> list[str]:
        """The text of an article's stored comments, in the order they came."""
        from models import Article, Comment

        engine = create_engine(self.database, poolclass=NullPool)
        with engine.connect() as connection:
            bodies = connection.execute(select(Comment.body_html).join(Article).where(Article.slug == slug)
                                        .order_by(Comment.id)).scalars().all()
        engine.dispose()
        return [re.sub(r"<[^>]+>", "", body) for body in bodies]


def seed(settings: dict) -> dict[str, int]:
    """The schema, one published article per test and an editor, written as the site writes them; {slug: id}."""
    from app import create_app
    from content.text import now_utc
    from models import Article, Category, db
    from newsroom.accounts import create_admin

    app = create_app(settings)
    result = app.test_cli_runner().invoke(args=["init-db", "--without-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        try:
            local = Category.get_or_create("Local")
            articles = [Article(title=f"Story {slug}", slug=slug, status="published", published_at=now_utc(),
                                category=local) for slug in SLUGS]
            for article in articles:
                article.set_body(f"The body of {article.slug}.")
            db.session.add_all(articles)
            db.session.commit()
            create_admin("editor", ADMIN_PASSWORD)
            return {article.slug: article.id for article in articles}
        finally:
            db.session.remove()
            db.engine.dispose()  # before this module's own test stops the server


@contextlib.contextmanager
def app_servers(settings: dict, ports: list[int], logs: Path):
    """Two gunicorns as deploy/systemd's unit starts them (the shipped config, the port from LEDGER_BIND),
    with one worker each to spare the machine's CPUs; stopped on the way out."""
    servers = []
    for port in ports:
        with (logs / f"gunicorn-{port}.log").open("wb") as log:
            servers.append(subprocess.Popen(
                [str(GUNICORN), "-c", "deploy/gunicorn.conf.py", f"app:create_app({settings!r})"], cwd=ROOT,
                env=os.environ | {"LEDGER_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"},
                stdout=subprocess.DEVNULL, stderr=log))
    try:
        for port, server in zip(ports, servers, strict=True):
            wait_until_answering(port, server, logs / f"gunicorn-{port}.log")
        yield servers
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def wait_until_answering(port: int, server: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Block until the app server answers /healthz, or fail with its log."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        with contextlib.suppress(OSError):
            if Visitor(port).get("/healthz").status == 200:
                return
        time.sleep(0.05)  # polling a real server until it is up
    raise AssertionError(f"gunicorn on {port} did not start:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """nginx on the shipped site, two gunicorns, one PostgreSQL cluster of this module's own, one media folder."""
    if not NGINX.exists():
        pytest.fail(f"{NGINX} is missing on CI: .ci/run must install Debian's nginx-light package")
    folder = tmp_path_factory.mktemp("nginx-site")
    with contextlib.ExitStack() as stack:
        database, stop_database = stack.enter_context(throwaway_cluster(folder))
        settings = settings_for_tests(folder / "instance", TESTING=False, SECRET_KEY="shared-by-both-servers",
                                      SQLALCHEMY_DATABASE_URI=database, TRUSTED_PROXIES="127.0.0.1",
                                      COMMENT_RATE_LIMIT=f"{COMMENTS_PER_MINUTE} per minute")
        ids = seed(settings)
        ports = [free_port(), free_port()]
        servers = stack.enter_context(app_servers(settings, ports, folder))
        to = Loopback(free_port(), free_port(), tuple(ports), folder / "cache", Path(settings["MEDIA_ROOT"]))
        stack.enter_context(running_nginx(to, folder / "nginx"))  # nginx/error.log: what nginx says
        # Kept now, so the tests of an edit and of the database stopping find them kept for a while.
        kept, _ = [Visitor(to.port).get(f"/articles/{slug}") for slug in ("kept-while-down", "edited-later")]
        assert kept.cache == "MISS"
        yield Site(to.port, to.redirect_port, database, ids, servers, ports, stop_database, time.monotonic(), max_age(kept),
                   folder / "nginx" / "error.log")


def hidden_fields(html: str) -> dict[str, str]:
    """A form's hidden inputs (the CSRF token, the comment form's stamp, the article form's editor stamp)."""
    hidden = [tag for tag in re.findall(r"<input\b[^>]*>", html) if 'type="hidden"' in tag]
    return {re.search(r'name="(\w+)"', tag)[1]: unescape(re.search(r'value="([^"]*)"', tag)[1]) for tag in hidden}


def max_age(answer: Answer) -> int:
    """The lifetime the app gave a page, read from its Cache-Control."""
    return int(re.search(r"max-age=(\d+)", answer.headers["Cache-Control"])[1])


@pytest.fixture(scope="module")
def editor(site) -> Visitor:
    """The editor, signed in through nginx on the newsroom's own form."""
    visitor = site.visitor()
    login = visitor.get("/admin/login")
    answer = visitor.post("/admin/login", hidden_fields(login.text) | {"username": "editor", "password": ADMIN_PASSWORD})
    assert (answer.status, answer.headers["Location"]) == (302, "/admin/")
    assert "Signed in as editor" in visitor.get("/admin/account").text
    return visitor


def test_plain_http_is_sent_to_the_same_address_over_https(site):
    answer = Visitor(site.redirect_port).get("/articles/kept-once?page=2")
    assert (answer.status, answer.headers["Location"]) == (301, "https://127.0.0.1/articles/kept-once?page=2")


def test_a_shared_page_asked_twice_comes_from_the_cache_whoever_asks(site):
    first = site.visitor().get("/articles/kept-once")
    assert (first.status, first.cache) == (200, "MISS") and "Story kept-once" in first.text
    assert first.headers["Cache-Control"].startswith("public, max-age=") and "Set-Cookie" not in first.headers
    # A reader with cookies (a session, the reads cookie) is sent the same kept page.
    second = site.visitor("127.0.0.2").get("/articles/kept-once", Cookie="session=someone; reads=x")
    assert (second.status, second.cache, second.body) == (200, "HIT", first.body)
    assert second.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("path", ["/admin/login", "/admin/", "/admin/account", "/me", "/healthz"])
def test_the_newsroom_me_and_the_health_check_never_come_from_the_cache(site, editor, path):
    for visitor in (site.visitor(), editor):
        answers = [visitor.get(path) for _ in range(2)]
        assert [answer.cache for answer in answers] == ["BYPASS", "BYPASS"]


def test_every_count_reaches_the_app_through_the_cache(site):
    path = f"/reads/{site.ids['kept-once']}"
    counts = [Visitor(site.port).get(path) for _ in range(3)]  # three readers, none with a reads cookie yet
    assert [answer.cache for answer in counts] == ["BYPASS"] * 3
    assert [int(re.search(rb'"reads": (\d+)', answer.body)[1]) for answer in counts] == [1, 2, 3]


def test_nginx_sends_static_files_as_flask_would_and_compresses_text(site):
    css = site.visitor().get("/static/site.css")
    assert css.body == (ROOT / "static" / "site.css").read_bytes()
    assert css.cache is None  # from disk: no app was asked
    assert css.headers["Cache-Control"] == "no-cache" and css.headers["ETag"]
    assert css.headers["X-Content-Type-Options"] == "nosniff" and "frame-ancestors 'none'" in css.headers[
        "Content-Security-Policy"]
    again = site.visitor().get("/static/site.css", **{"If-None-Match": css.headers["ETag"]})
    assert again.status == 304
    for path, kind in (("/static/site.css", "text/css"), ("/static/reader.js", "application/javascript"),
                       ("/articles/kept-once", "text/html"), ("/feed.xml", "application/atom+xml")):
        packed = site.visitor().get(path, **{"Accept-Encoding": "gzip"})
        assert (packed.status, packed.headers["Content-Encoding"]) == (200, "gzip"), path
        assert packed.headers["Content-Type"].startswith(kind) and gzip.decompress(packed.body), path
    missing = site.visitor().get("/static/no-such-file.css")
    assert missing.status == 404 and "X-Cache-Status" in missing.headers  # the app's own 404 page


async def one_reader(chromium, url: str) -> tuple[int, str]:
    """A fresh browser context opens the article: the count its script was answered, and how nginx sent the page."""
    # A person's Chrome names itself so; the headless one would be taken for a machine, and not counted.
    context = await chromium.new_context(user_agent=BROWSER_AGENT)
    page = await context.new_page()
    async with page.expect_response(COUNTING) as counted:
        answer = await page.goto(url)
    count = (await (await counted.value).json())["reads"]
    await context.close()
    return count, answer.headers["x-cache-status"]


async def readers_arriving(url: str, readers: int) -> list[tuple[int, str]]:
    """`readers` fresh contexts of one Chromium opening the article at once, as readers arriving from one link."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            return await asyncio.gather(*(one_reader(chromium, url) for _ in range(readers)))
        finally:
            await chromium.close()


def test_twenty_fresh_browsers_through_nginx_add_exactly_twenty_reads(site):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing on CI: .ci/run must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing: install it with `apt-get install chromium`")
    url = f"http://127.0.0.1:{site.port}/articles/twenty-readers"
    # A thread of its own: asyncio there never meets the event loop of the browser tests' Playwright.
    with ThreadPoolExecutor(1) as thread:
        counts, sent = zip(*thread.submit(asyncio.run, readers_arriving(url, 20)).result(), strict=True)
    assert sorted(counts) == list(range(1, 21))
    assert site.reads("twenty-readers") == 20
    # One reader's request rendered the page (the others waited on proxy_cache_lock or came later); every other
    # was sent the kept copy (or, past its max-age, the kept copy while it is fetched anew). No count was kept.
    assert sent.count("MISS") == 1 and set(sent) <= {"MISS", "HIT", "STALE"}, sent


def post_comment(visitor: Visitor, slug: str, body: str, **headers) -> int:
    """Open the article and send its comment form as drawn; the status of the POST."""
    page = visitor.get(f"/articles/{slug}")
    return visitor.post(f"/articles/{slug}/comments", hidden_fields(page.text) | {"name": "Ann", "body": body},
                        **headers).status


def test_comments_from_two_addresses_are_limited_apart_and_a_forged_forwarded_for_is_not_believed(site):
    one, two = site.visitor("127.0.0.1"), site.visitor("127.0.0.2")
    assert [post_comment(one, "comments-here", f"From one, number {n}") for n in range(3)] == [302, 302, 429]
    assert post_comment(two, "comments-here", "From two, first") == 302  # its own allowance, not one's
    assert post_comment(two, "comments-here", "From two, second", **{"X-Forwarded-For": "198.51.100.7"}) == 302
    # A client that writes its own X-Forwarded-For is still counted at its own address: refused.
    assert post_comment(two, "comments-here", "From two, third", **{"X-Forwarded-For": "203.0.113.9"}) == 429


def ten_megabyte_picture() -> bytes:
    """A PNG of noise just over 10 MB: what a camera's picture weighs, and more than nginx's default limit of 1 MB."""
    from PIL import Image

    width, height = 2000, 1750
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG", compress_level=0)
    assert out.tell() > 10 * 2**20
    return out.getvalue()


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with one file, as a browser sends an upload form; and its Content-Type."""
    boundary = secrets.token_hex(16)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
             for key, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                 f"Content-Type: image/png\r\n\r\n".encode() + data + b"\r\n")
    return b"".join([*parts, f"--{boundary}--\r\n".encode()]), f"multipart/form-data; boundary={boundary}"


def test_a_ten_megabyte_picture_uploads_through_nginx_and_nginx_serves_its_files(site, editor):
    media = editor.get("/admin/media")
    assert media.cache == "BYPASS"
    fields = hidden_fields(media.text) | {"alt": "The weir in flood", "caption": "", "credit": "Staff"}
    body, kind = multipart(fields, "picture", "weir.png", ten_megabyte_picture())
    uploaded = editor.request("POST", "/admin/media", body, {"Content-Type": kind})
    assert uploaded.status == 302, re.sub(r"<[^>]+>|\s+", " ", uploaded.text)[-1500:]
    assert uploaded.headers["Location"].startswith("/admin/media#picture-")
    address = re.search(r"/media/[0-9a-f]{32}-960\.webp", editor.get("/admin/media").text)[0]
    served = site.visitor().get(address)
    assert served.status == 200 and served.headers["Content-Type"] == "image/webp"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # Every answer an app server gives through nginx carries X-Cache-Status; this one came from disk.
    assert served.cache is None and re.fullmatch(r'"[0-9a-f]+-[0-9a-f]+"', served.headers["ETag"])
    assert served.body[:4] == b"RIFF" and len(served.body) == int(served.headers["Content-Length"])
    assert site.visitor().get(address[:-len("960.webp")] + "961.webp").status == 404  # no such file: the app says so


def edit_title(editor: Visitor, article_id: int, slug: str, title: str) -> int:
    """Retitle a published article through the newsroom's form; the status of the save."""
    form = editor.get(f"/admin/articles/{article_id}/edit").text
    published_at = re.search(r'name="published_at" type="datetime-local" value="([^"]*)"', form)[1]
    typed = {"title": title, "slug": slug, "category": "Local", "body": f"The body of {slug}.", "status": "published",
             "published_at": published_at, "action": "save"}
    return editor.post(f"/admin/articles/{article_id}/edit", hidden_fields(form) | typed).status


def eventually(visitor: Visitor, path: str, shows: str, deadline: float) -> tuple[Answer, list[str]]:
    """Ask nginx for a page until it shows `shows` or the deadline passes: the last answer, and what the cache
    said each time. The page's lifetime is nginx's and the app's, not the test's, so time must pass for real."""
    said = []
    while True:
        answer = visitor.get(path)
        said.append(answer.cache)
        if shows in answer.text or time.monotonic() > deadline:
            return answer, said
        time.sleep(0.1)  # polling the real server until its kept copy expires


def test_an_edit_shows_through_nginx_within_the_pages_max_age_and_a_second(site, editor):
    # nginx kept the page when the servers started, so the edit finds a kept copy still fresh or expired.
    assert edit_title(editor, site.ids["edited-later"], "edited-later", "Retitled after the flood") == 302
    edited_at = time.monotonic()
    before = site.visitor().get("/articles/edited-later")
    assert before.cache in ("HIT", "STALE") and "Story edited-later" in before.text  # the kept copy, first
    answer, said = eventually(site.visitor(), "/articles/edited-later", "Retitled after the flood",
                              edited_at + site.kept_for + 1)
    assert "Retitled after the flood" in answer.text, said
    assert time.monotonic() - edited_at <= site.kept_for + 1


def test_with_one_app_server_stopped_pages_and_comments_still_work(site):
    stopped = site.app_servers[1]
    stopped.terminate()
    stopped.wait(timeout=30)
    # Addresses nginx has not kept, so each goes to an app server; half would go to the stopped one.
    pages = [site.visitor().get(f"/articles/kept-once?n={number}") for number in range(6)]
    assert [(page.status, page.cache) for page in pages] == [(200, "MISS")] * 6
    refused = [line for line in site.nginx_log.read_text().splitlines() if "(111: Connection refused)" in line]
    assert refused and all(f'upstream: "http://127.0.0.1:{site.app_ports[1]}/' in line for line in refused)
    # A POST is sent on to the other server too: it never reached the stopped one.
    visitor = site.visitor("127.0.0.3")
    assert [post_comment(visitor, "comments-here", f"With one server, {n}") for n in range(2)] == [302, 302]
    assert {"With one server, 0", "With one server, 1"} <= set(site.comments("comments-here"))


def test_with_the_database_stopped_the_health_check_fails_and_kept_pages_still_answer(site, editor):
    # A change no app server has rendered yet, so none holds a current copy of the kept page: all must ask the
    # database, which is about to be gone.
    assert edit_title(editor, site.ids["edited-later"], "edited-later", "Retitled once more") == 302
    site.stop_database()
    health = site.visitor().get("/healthz")
    assert (health.status, health.cache) == (503, "BYPASS")
    assert health.text.startswith("the database does not answer: ")
    unrendered = site.visitor().get("/search?q=story")  # no server holds it, and none can render it now
    assert unrendered.status == 503 and "Back in a moment" in unrendered.text
    said, deadline = [], site.kept_at + site.kept_for + 2
    while True:
        answer = site.visitor().get("/articles/kept-while-down")
        said.append(answer.cache)
        assert answer.status == 200 and "Story kept-while-down" in answer.text, said
        if answer.cache in ("STALE", "UPDATING") or time.monotonic() > deadline:
            break
        time.sleep(0.1)  # polling the real server until nginx's copy has expired
    # Past its max-age, the app unable to render it, and still answered from the cache.
    assert said[-1] in ("STALE", "UPDATING"), said
