"""The newsroom's own pages: written by editors, at /<slug> for readers once published, in the footer and the sitemap."""

from __future__ import annotations

import re

import pytest
from flask_migrate import downgrade, upgrade

from app import create_app
from content.text import render_markdown
from models import Role, SitePage, db
from tests.conftest import csrf_token_of, settings_for_tests, signed_in_client
from tests.html_checks import dangerous_markup
from tests.test_previews import head_of, link_hrefs, one
from tests.test_sitemaps import SITE, sitemap_urls

STARTER_PAGES = [("about", "About"), ("contact", "Contact"), ("corrections-policy", "Corrections policy"),
                 ("privacy", "Privacy")]


@pytest.fixture
def editor(app, make_person):
    """A browser signed in as an editor."""
    make_person("edna", Role.EDITOR, "Edna Editor")
    return signed_in_client(app, "edna")


def send_page(client, path: str, **fields):
    """Fill and send a page form as an editor would: the form's token, then the fields given."""
    token = csrf_token_of(client.get(path))
    data = {"csrf_token": token, "title": "", "slug": "", "body": "", "footer_place": ""} | fields
    return client.post(path, data=data)


def page_called(title: str) -> SitePage:
    """The stored page with this title."""
    db.session.expire_all()
    return db.session.execute(db.select(SitePage).filter_by(title=title)).scalar_one()


def footer_links(html: str) -> list[tuple[str, str]]:
    """(href, text) of the footer's links, in order."""
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', html, re.S)[1]
    return re.findall(r'<a href="([^"]+)">([^<]+)</a>', footer)


def body_of(html: str) -> str:
    """The page's body as the newsroom wrote it: the part of the page a Markdown source becomes."""
    return re.search(r'<div class="body">(.*?)</div>\s*</article>', html, re.S)[1]


def test_a_new_site_has_the_four_pages_as_drafts_readers_cannot_see(client):
    pages = SitePage.for_newsroom()
    assert [(page.slug, page.title) for page in pages] == STARTER_PAGES
    assert all(not page.published and page.body_source.startswith("Replace this") for page in pages)
    home = client.get("/").get_data(as_text=True)
    assert footer_links(home) == []
    for slug, _ in STARTER_PAGES:
        answer = client.get(f"/{slug}")
        assert answer.status_code == 404 and 'class="site-header"' in answer.get_data(as_text=True)
    assert not any(slug in url for url in sitemap_urls(client.get("/sitemap.xml")) for slug, _ in STARTER_PAGES)


def test_an_editor_writes_and_publishes_pages_readers_see_at_their_address_and_in_the_footer(client, editor):
    assert footer_links(client.get("/").get_data(as_text=True)) == []  # kept for every reader now
    response = send_page(editor, "/admin/pages/new", title="Masthead", body="Who **we** are.", footer_place="2",
                         published="y")
    masthead = page_called("Masthead")
    assert response.status_code == 303 and response.headers["Location"] == f"/admin/pages/{masthead.id}"
    assert "“Masthead” is created: published at /masthead." in editor.get(response.headers["Location"]).get_data(as_text=True)
    about = page_called("About")
    send_page(editor, f"/admin/pages/{about.id}", title="About us", slug="about", body="The valley's paper since 1921.",
              footer_place="1", published="y")
    page = client.get("/about")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1 class=\"page-title\">About us</h1>" in html
    assert "<p>The valley's paper since 1921.</p>" in html
    assert "<p>Who <strong>we</strong> are.</p>" in client.get("/masthead").get_data(as_text=True)
    # The home page kept before the change is drawn afresh: the footer lists both, in the newsroom's order.
    assert footer_links(client.get("/").get_data(as_text=True)) == [("/about", "About us"), ("/masthead", "Masthead")]
    send_page(editor, f"/admin/pages/{masthead.id}", title="Masthead", slug="masthead", body="Who we are.",
              footer_place="1", published="y")
    send_page(editor, f"/admin/pages/{about.id}", title="About us", slug="about", body="Ours.", footer_place="3",
              published="y")
    assert footer_links(client.get("/tags").get_data(as_text=True)) == [("/masthead", "Masthead"), ("/about", "About us")]


def test_a_page_unpublished_or_deleted_leaves_its_address_the_footer_and_the_sitemap(client, editor):
    contact = page_called("Contact")
    send_page(editor, f"/admin/pages/{contact.id}", title="Contact", slug="contact", body="Write to us.",
              footer_place="1", published="y")
    assert client.get("/contact").status_code == 200
    assert SITE + "/contact" in sitemap_urls(client.get("/sitemap.xml"))
    response = send_page(editor, f"/admin/pages/{contact.id}", title="Contact", slug="contact", body="Write to us.",
                         footer_place="1")
    assert "“Contact” is saved: a draft readers cannot see." in editor.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get("/contact").status_code == 404
    assert footer_links(client.get("/").get_data(as_text=True)) == []
    assert SITE + "/contact" not in sitemap_urls(client.get("/sitemap.xml"))
    token = csrf_token_of(editor.get(f"/admin/pages/{contact.id}"))
    deleted = editor.post(f"/admin/pages/{contact.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303 and deleted.headers["Location"] == "/admin/pages/"
    assert db.session.get(SitePage, contact.id) is None


def test_an_editor_previews_a_draft_that_readers_cannot_open(client, editor):
    privacy = page_called("Privacy")
    preview = editor.get(f"/admin/pages/{privacy.id}/preview")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and preview.headers["Cache-Control"] == "no-store"
    assert "This page is a draft: readers cannot see it yet." in html and privacy.body_html in html
    assert client.get("/privacy").status_code == 404
    assert client.get(f"/admin/pages/{privacy.id}/preview").headers["Location"].startswith("/admin/login")


def test_the_longer_address_and_a_capitalised_one_lead_to_the_page(client, editor):
    about = page_called("About")
    send_page(editor, f"/admin/pages/{about.id}", title="About", slug="about", body="Us.", published="y")
    longer = client.get("/pages/about")
    assert longer.status_code == 301 and longer.headers["Location"] == "/about"
    capitalised = client.get("/About")
    assert capitalised.status_code == 301 and capitalised.headers["Location"] == "/about"


def test_a_page_describes_itself_to_link_previews(client, editor):
    about = page_called("About")
    send_page(editor, f"/admin/pages/{about.id}", title="About the Ledger", slug="about",
              body="## Who we are\n\nAn independent newsroom in the valley.", published="y")
    head = head_of(client.get("/about?utm_source=x"))
    assert link_hrefs(head, "canonical") == [SITE + "/about"] and one(head, "og:url") == SITE + "/about"
    assert one(head, "og:title") == "About the Ledger" and one(head, "og:type") == "website"
    assert one(head, "og:description") == one(head, "description") == "An independent newsroom in the valley."
    assert one(head, "twitter:card") == "summary"


def test_a_writer_is_refused_the_pages(app, make_person):
    make_person("wren", Role.WRITER, "Wren Writer")
    writer = signed_in_client(app, "wren")
    token = csrf_token_of(writer.get("/admin/account"))
    assert writer.get("/admin/pages/").status_code == 403
    assert writer.post("/admin/pages/new", data={"csrf_token": token, "title": "Mine", "body": "B",
                                                 "published": "y"}).status_code == 403
    assert writer.post("/admin/pages/1", data={"csrf_token": token, "title": "Taken", "body": "B",
                                               "published": "y"}).status_code == 403
    assert [(page.slug, page.title) for page in SitePage.for_newsroom()] == STARTER_PAGES


@pytest.mark.parametrize("slug", ["admin", "articles", "tags", "search", "me", "reads", "static", "media", "pages",
                                  "categories", "authors"])
def test_an_address_of_the_sites_own_is_a_form_error(editor, slug):
    response = send_page(editor, "/admin/pages/new", title="Ours", slug=slug, body="B", published="y")
    assert response.status_code == 400
    assert f"The address /{slug} is one of the site&#39;s own; choose another." in response.get_data(as_text=True)
    assert len(SitePage.for_newsroom()) == len(STARTER_PAGES)


def test_a_route_added_later_reserves_its_address_without_a_list(app, make_person):
    # Before any request, as every route is added; then an editor signs in and asks for its address.
    app.add_url_rule("/corrections", endpoint="corrections", view_func=lambda: "every correction")
    make_person("edna", Role.EDITOR, "Edna Editor")
    response = send_page(signed_in_client(app, "edna"), "/admin/pages/new", title="Corrections", body="B")
    assert "The address /corrections is one of the site&#39;s own" in response.get_data(as_text=True)


def test_a_title_that_makes_an_address_of_the_sites_own_is_a_form_error(editor):
    response = send_page(editor, "/admin/pages/new", title="Search", body="B")
    assert response.status_code == 400 and "The address /search is one of the site&#39;s own" in response.get_data(as_text=True)


@pytest.mark.parametrize("fields", [{"title": "About", "slug": ""}, {"title": "Who we are", "slug": "about"}])
def test_an_address_another_page_has_is_a_form_error(editor, fields):
    response = send_page(editor, "/admin/pages/new", body="B", **fields)
    assert response.status_code == 400
    assert "The page “About” already has the address /about; choose another." in response.get_data(as_text=True)
    assert len(SitePage.for_newsroom()) == len(STARTER_PAGES)


def test_a_page_keeps_its_own_address_when_saved_again(editor):
    about = page_called("About")
    response = send_page(editor, f"/admin/pages/{about.id}", title="About", slug="about", body="Again.")
    assert response.status_code == 303 and page_called("About").body_source == "Again."


@pytest.mark.parametrize(("fields", "message"), [
    ({"title": "   ", "body": "B"}, "Please give a title."),
    ({"title": "Masthead", "body": ""}, "Please write the page."),
    ({"title": "Masthead", "body": "B", "slug": "Mast Head"}, "Use lowercase words joined by hyphens, such as &#39;mast-head&#39;."),
    ({"title": "Masthead", "body": "B", "footer_place": "first"}, "Give a whole number from 1 to 99, or leave it empty."),
    ({"title": "Masthead", "body": "B", "footer_place": "0"}, "Give a place from 1 to 99, or leave it empty."),
    ({"title": "???", "body": "B"}, "Give an address: the title has no letter or digit to make one from."),
])
def test_bad_input_is_a_form_error_and_stores_nothing(editor, fields, message):
    response = send_page(editor, "/admin/pages/new", **fields)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert len(SitePage.for_newsroom()) == len(STARTER_PAGES)


def test_hostile_markdown_is_sanitized_as_an_article_body_is(client, editor):
    body = ("<script>alert(1)</script>\n\n[click](javascript:alert(2)) and [site](https://example.org)\n\n"
            '<img src=x onerror="alert(3)">\n\n![pixel](data:image/svg+xml,<svg onload=alert(4)>)')
    send_page(editor, "/admin/pages/new", title="Hostile", body=body, published="y")
    html = body_of(client.get("/hostile").get_data(as_text=True))
    assert dangerous_markup(html) == []
    assert "<script" not in html and 'href="https://example.org"' in html and "&lt;script&gt;" in html


def test_a_site_upgraded_from_before_the_pages_gets_the_four_drafts_once(tmp_path):
    app = create_app(settings_for_tests(tmp_path))  # an empty database of the run's kind
    with app.app_context():
        upgrade(revision="0016")
        db.session.execute(db.text("INSERT INTO categories (name, slug, position) VALUES ('Politics', 'politics', 0)"))
        db.session.commit()
        upgrade()
        assert [(page.slug, page.title, page.published) for page in SitePage.for_newsroom()] == [
            (slug, title, False) for slug, title in STARTER_PAGES]
        # The placeholders' HTML, written by the migration, is what the page's own rule makes of them.
        assert all(page.body_html == render_markdown(page.body_source)[0] for page in SitePage.for_newsroom())
        db.session.remove()  # its open transaction would hold the table the downgrade drops
        downgrade(revision="0016")
        assert "site_pages" not in db.inspect(db.engine).get_table_names()
        db.engine.dispose()
