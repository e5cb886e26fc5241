"""A password link in Chromium: an admin makes one for a writer, who sets a new password and signs in."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from models import Role, db
from newsroom.accounts import create_account
from tests.conftest import ADMIN_PASSWORD

NEW_PASSWORD = "a password chosen by link"


def test_an_admin_makes_a_password_link_and_the_writer_signs_in_with_the_new_password(browser, live_app, live_server,
                                                                                      admin_state):
    with live_app.app_context():
        create_account("link-writer", ADMIN_PASSWORD, Role.WRITER, "Lina Linkwriter")
        db.session.commit()
    admin = browser.new_context(storage_state=admin_state).new_page()
    admin.goto(live_server + "/admin/people")
    admin.get_by_role("button", name="Make a password link for Lina Linkwriter").click()
    link = admin.locator("#password-link").inner_text()
    admin.context.close()

    writer = browser.new_context().new_page()
    writer.goto(live_server + urlsplit(link).path)  # the link names SITE_URL; the test server has its own port
    writer.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    writer.get_by_label("New password again").fill(NEW_PASSWORD)
    writer.get_by_role("button", name="Set my password").click()
    writer.wait_for_url(re.compile(r"/admin/login$"))
    assert "Your new password is set" in writer.locator(".flashes").inner_text()
    writer.get_by_label("Name").fill("link-writer")
    writer.get_by_label("Password").fill(NEW_PASSWORD)
    writer.get_by_role("button", name="Sign in").click()
    writer.wait_for_url(re.compile(r"/admin/$"))
    assert "Lina Linkwriter" in writer.locator("body").inner_text()
    writer.context.close()
