"""A live server with the demo content, and the system Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.pool import NullPool
from werkzeug.serving import make_server

from app import create_app
from cli.demo import load_demo
from tests.conftest import settings_for_tests
from tests.databases import new_database_url

CHROMIUM = "/usr/bin/chromium"
# Without the networking flags Chromium stalls on this closed network, calling home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Skip browser tests without Chromium, with how to install it; on CI its absence is a failure."""
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install it with `apt-get install chromium`")
    for item in items:
        if "browser" in item.nodeid.split("/"):
            item.add_marker(skip)


def live_settings(instance: Path, **overrides) -> dict:
    """Settings for an app a browser reaches over HTTP: a connection closes when its request is done.

    The server's threads may still be answering a page's last requests (a read count, /me) when a test
    ends and its engines are disposed; a pooled connection handed back after that lands in a pool no
    longer used, and psycopg warns when the collector finds it open, in whichever test runs then.
    """
    return settings_for_tests(instance, SQLALCHEMY_ENGINE_OPTIONS={"poolclass": NullPool}, **overrides)


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, migrated_database):
    """An app on a copy of the migrated database, with the demo newsroom loaded."""
    instance = tmp_path_factory.mktemp("live-instance")
    database = new_database_url(instance, template=migrated_database)
    app = create_app(live_settings(instance, COMMENT_MODERATION="links", SQLALCHEMY_DATABASE_URI=database))
    with app.app_context():
        load_demo()
        give_the_newest_article_a_lead_picture()
    return app


def closing_responses(app):
    """The app, with each response closed as soon as it is sent.

    Werkzeug's development server reads what is left of a request after sending the response and
    only then closes it; when the browser has dropped the connection (a favicon on a busy machine)
    that read fails first, and the open static file surfaces later as a ResourceWarning.
    """

    def wsgi(environ, start_response):
        response = app(environ, start_response)
        try:
            yield from response
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


def landscape_photo() -> bytes:
    """A photograph-like picture drawn with Pillow: sky, sun, hills and a river, 2400 × 1350 JPEG."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (2400, 1350))
    draw = ImageDraw.Draw(image)
    for y in range(1350):  # a sky that pales towards the horizon
        shade = min(255, 120 + y // 6)
        draw.line([(0, y), (2400, y)], fill=(shade - 60, shade - 20, 255))
    draw.ellipse((1700, 180, 1950, 430), fill=(255, 220, 120))
    draw.polygon([(0, 900), (500, 620), (1000, 860), (1500, 640), (2400, 900), (2400, 1350), (0, 1350)], fill=(60, 110, 60))
    draw.polygon([(900, 1350), (1150, 950), (1300, 950), (1700, 1350)], fill=(70, 120, 180))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def give_the_newest_article_a_lead_picture() -> None:
    """Upload a picture as the newsroom would and make it the lead of the newest article (the front page's lead)."""
    import io

    from sqlalchemy import select

    from models import Article, db
    from services.media import Upload, store_upload

    picture, _ = store_upload(Upload(io.BytesIO(landscape_photo()), "The valley from the north ridge at dawn",
                                     "The valley from the north ridge.", "Photo: Ledger staff"))
    newest = db.session.execute(select(Article).where(Article.is_published())
                                .order_by(Article.published_at.desc()).limit(1)).scalar_one()
    newest.lead_picture = picture
    db.session.commit()


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app served over HTTP on a free loopback port, for the browser."""
    with serving(live_app) as address:
        yield address


@contextmanager
def serving(app):
    """Serve the app on a free loopback port for as long as the block runs; its address."""
    server = make_server("127.0.0.1", 0, closing_responses(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def browser():
    """The system Chromium, headless."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing on CI: .ci/run must install Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser context and page at a desktop width."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """Where screenshots go: an ignored folder, or docs/screenshots for `make screenshots`."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or ARTIFACTS / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def admin_state(live_app, live_server, browser, tmp_path_factory):
    """A signed-in admin's cookies, saved for new browser contexts."""
    from newsroom.accounts import create_admin
    from tests.conftest import ADMIN_PASSWORD

    with live_app.app_context():
        create_admin("checker", ADMIN_PASSWORD)
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/admin/login")
    page.get_by_label("Name").fill("checker")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/admin/")
    state = tmp_path_factory.mktemp("admin-state") / "state.json"
    context.storage_state(path=str(state))
    context.close()
    return str(state)
