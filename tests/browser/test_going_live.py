"""From trying the site to running it for real, in Chromium, as a new newsroom does it."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests.browser.conftest import serving
from tests.conftest import ADMIN_PASSWORD, settings_for_tests
from tests.databases import new_database_url

STORY = "Harbour master retires after forty years"


@pytest.fixture
def new_site(tmp_path, migrated_database):
    """A brand-new site of its own: its database, its server, its command line."""
    app = create_app(settings_for_tests(tmp_path, SQLALCHEMY_DATABASE_URI=new_database_url(tmp_path, template=migrated_database)))
    with serving(app) as address:
        yield app, address, app.test_cli_runner()


def test_a_newsroom_tries_the_demo_removes_it_and_publishes_its_first_story(browser, new_site, screenshot_dir):
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
