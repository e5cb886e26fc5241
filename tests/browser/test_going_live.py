"""From trying the site to running it for real, in Chromium, as a new newsroom does it."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from app import create_app
from models import Role, db
from newsroom.accounts import create_account
from tests import postgresql
from tests.browser.conftest import live_settings, serving
from tests.conftest import ADMIN_PASSWORD
from tests.databases import new_database_url

STORY = "Harbour master retires after forty years"
NEW_PASSWORD = "a password chosen by link"
postgresql_server, postgresql_database = postgresql.postgresql_server, postgresql.postgresql_database


@pytest.fixture
def new_site(tmp_path, migrated_database):
    """A brand-new site of its own: its database, its server, its command line."""
    app = create_app(live_settings(tmp_path, SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, template=migrated_database)))
    with serving(app) as address:
        yield app, address, app.test_cli_runner()


def test_a_newsroom_goes_from_the_demo_to_its_own_site_on_postgresql(browser, new_site, postgresql_database,
                                                                      tmp_path, screenshot_dir):
    app, address, runner = new_site
    assert "Added 12 demo articles." in runner.invoke(args=["demo", "--first-run"]).output
    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reader.goto(address + "/")
    assert reader.locator("h1, h2").filter(has_text="Calderwick").count() > 0
    removed = runner.invoke(args=["remove-demo"]).output
    assert removed.startswith("Removed 12 demo articles, 15 comments, 3 demo reporters")
    assert runner.invoke(args=["demo", "--first-run"]).output == ""  # the next `make run`: it stays away
    result = runner.invoke(args=["create-admin", "newsdesk-7", "--display-name", "Ruth Okafor", "--password-stdin"],
                           input=ADMIN_PASSWORD + "\n")
    assert result.exit_code == 0, result.output

    newsroom = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    newsroom.goto(address + "/admin/login")
    newsroom.get_by_label("Name").fill("newsdesk-7")
    newsroom.get_by_label("Password").fill(ADMIN_PASSWORD)
    newsroom.get_by_role("button", name="Sign in").click()
    newsroom.wait_for_url(address + "/admin/")
    newsroom.goto(address + "/admin/articles/new")
    newsroom.get_by_label("Title").fill(STORY)
    newsroom.get_by_label("Category").fill("Local")
    newsroom.get_by_label("Body (Markdown)").fill("Captain Ida Marsh hands over the harbour office on Friday.")
    newsroom.get_by_label("Published").check()
    newsroom.get_by_role("button", name="Save").click()
    # The demo took its categories with it: the first story's category is new, and the form asks first.
    newsroom.get_by_label("Create it as a new category").check()
    newsroom.get_by_role("button", name="Save").click()
    newsroom.wait_for_url(re.compile(r"/admin/articles/\d+/edit$"))
    assert "Saved. The article is published." in newsroom.locator(".flashes").inner_text()

    # Another reader: the first one's browser may keep the front page it saw for its 10 seconds.
    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    reader.goto(address + "/")
    reader.get_by_role("link", name=STORY).first.click()
    assert reader.locator("h1").inner_text() == STORY
    assert reader.locator(".byline").inner_text() == "By Ruth Okafor"
    assert "newsdesk-7" not in reader.content()  # the sign-in name stays private
    reader.goto(address + "/")
    reader.screenshot(path=screenshot_dir / "going-live-first-story.png", full_page=True)

    # The newsroom's own About page: a draft on every new site, written and published.
    newsroom.goto(address + "/admin/pages/")
    newsroom.get_by_role("link", name="About").click()
    newsroom.get_by_label("Body (Markdown)").fill("The Harbour Gazette is written by a newsroom of four.\n\n"
                                                  "## Contact us\n\nWrite to news@example.org.")
    newsroom.get_by_label("Published: readers see it at its address").check()
    newsroom.get_by_role("button", name="Save").click()
    newsroom.wait_for_load_state()
    about = browser.new_context().new_page()
    about.goto(address + "/")
    about.locator("footer").get_by_role("link", name="About").click()
    about.wait_for_url(address + "/about")
    assert about.locator("h1").inner_text() == "About"
    assert "written by a newsroom of four" in about.locator("main").inner_text()

    # A writer forgot their password: the admin makes a link, the writer sets a new one and signs in.
    with app.app_context():
        create_account("harbour-writer", ADMIN_PASSWORD, Role.WRITER, "Ben Quayle")
        db.session.commit()
    newsroom.goto(address + "/admin/people")
    newsroom.get_by_role("button", name="Make a password link for Ben Quayle").click()
    link = newsroom.locator("#password-link").inner_text()
    writer = browser.new_context().new_page()
    writer.goto(address + urlsplit(link).path)  # the link names SITE_URL; this server has its own port
    writer.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    writer.get_by_label("New password again").fill(NEW_PASSWORD)
    writer.get_by_role("button", name="Set my password").click()
    writer.wait_for_url(re.compile(r"/admin/login$"))
    writer.get_by_label("Name").fill("harbour-writer")
    writer.get_by_label("Password").fill(NEW_PASSWORD)
    writer.get_by_role("button", name="Sign in").click()
    writer.wait_for_url(re.compile(r"/admin/$"))

    # Readers multiply: the site moves to PostgreSQL and is served from there.
    copied = runner.invoke(args=["copy-site", "--to", postgresql_database])
    assert copied.exit_code == 0, copied.output
    moved = create_app(live_settings(tmp_path / "on-postgresql", SQLALCHEMY_DATABASE_URI=postgresql_database))
    with serving(moved) as moved_address:
        reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        reader.goto(moved_address + "/")
        reader.get_by_role("link", name=STORY).first.click()
        assert reader.locator(".byline").inner_text() == "By Ruth Okafor"
        signed_in = browser.new_context().new_page()
        signed_in.goto(moved_address + "/admin/login")
        signed_in.get_by_label("Name").fill("harbour-writer")
        signed_in.get_by_label("Password").fill(NEW_PASSWORD)
        signed_in.get_by_role("button", name="Sign in").click()
        signed_in.wait_for_url(re.compile(r"/admin/$"))
