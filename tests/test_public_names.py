"""People's public names: the sign-in name stays private, and a renamed author's old address leads on."""

from __future__ import annotations

from models import User, db
from tests.conftest import ADMIN_PASSWORD, csrf_token_of, signed_in_client


def test_the_first_admin_is_asked_for_the_name_bylines_show(runner):
    result = runner.invoke(args=["create-admin", "chief-login"], input=f"Ruth Okafor\n{ADMIN_PASSWORD}\n{ADMIN_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Display name, as bylines show it" in result.output
    assert "Created the admin account 'chief-login', signing as 'Ruth Okafor'." in result.output
    assert (User.by_username("chief-login").display_name, User.by_username("chief-login").slug) == ("Ruth Okafor", "ruth-okafor")


def test_a_password_on_standard_input_needs_the_display_name_on_the_command_line(runner):
    result = runner.invoke(args=["create-admin", "chief-login", "--password-stdin"], input=ADMIN_PASSWORD + "\n")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: give --display-name with --password-stdin: standard input holds the password."
    assert User.by_username("chief-login") is None


def test_no_page_a_reader_can_reach_names_the_admin_by_the_sign_in_name(app, runner, client, make_article):
    runner.invoke(args=["create-admin", "rokafor-login", "--display-name", "Ruth Okafor", "--password-stdin"],
                  input=ADMIN_PASSWORD + "\n")
    make_article("Harbour dues rise", authors=(User.by_username("rokafor-login"),))
    pages = ["/articles/harbour-dues-rise", "/authors/ruth-okafor", "/", "/feed.xml", "/categories/politics",
             "/sitemap.xml"]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "rokafor-login" not in response.get_data(as_text=True), path
    assert "Ruth Okafor" in client.get("/articles/harbour-dues-rise").get_data(as_text=True)
    assert client.get("/authors/rokafor-login").status_code == 404


def rename(client, display_name: str):
    """Save a new byline name on one's own account page."""
    token = csrf_token_of(client.get("/admin/account"))
    return client.post("/admin/account", data={"csrf_token": token, "form": "profile",
                                               "profile-display_name": display_name, "profile-bio": ""})


def test_a_renamed_author_s_old_addresses_answer_301_to_the_page_now(app, client, make_person, make_article):
    writer = make_person("jo-login", display_name="Jo Bloggs")
    make_article("Quay repairs", authors=(writer,))
    browser = signed_in_client(app, "jo-login")
    assert rename(browser, "Joanna Bloggs").status_code == 302
    first = client.get("/authors/jo-bloggs")
    assert (first.status_code, first.headers["Location"]) == (301, "/authors/joanna-bloggs")
    assert "Joanna Bloggs" in client.get("/authors/joanna-bloggs").get_data(as_text=True)
    rename(browser, "Jo Bloggs-Hart")
    for old in ("/authors/jo-bloggs", "/authors/joanna-bloggs"):  # every former address leads to the page now
        response = client.get(old)
        assert (response.status_code, response.headers["Location"]) == (301, "/authors/jo-bloggs-hart"), old
    rename(browser, "Jo Bloggs")  # back to the first name: its address is the page again, not a redirect
    assert client.get("/authors/jo-bloggs").status_code == 200
    assert client.get("/authors/jo-bloggs-hart").headers["Location"] == "/authors/jo-bloggs"


def test_a_removed_account_takes_its_former_addresses_with_it(app, client, make_person):
    writer = make_person("jo-login", display_name="Jo Bloggs")
    writer.move_address("jo-bloggs-hart")
    db.session.commit()
    db.session.delete(writer)
    db.session.commit()
    assert client.get("/authors/jo-bloggs").status_code == 404
