"""Pages that read like news: the article header, "Updated", the front page's lead, numbered pages, the menu."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

from content.text import now_utc
from models import Article, db
from tests.conftest import BROWSER_AGENT
from tests.test_admin import submit
from tests.test_reader import article_titles, link, text_of


def stored(slug: str) -> Article:
    """The article as the database holds it now."""
    db.session.expire_all()
    return db.session.execute(db.select(Article).filter_by(slug=slug)).scalar_one()


# --- "Updated" is true -------------------------------------------------------------------------


def test_a_hundred_reads_move_no_timestamp(app, make_article, frozen_clock):
    article = make_article("Read a lot", age=timedelta(days=2))
    before = stored("read-a-lot")
    stamps = (before.created_at, before.published_at, before.updated_at)
    for _ in range(100):
        frozen_clock.shift(timedelta(minutes=1))
        browser = app.test_client()
        browser.get("/articles/read-a-lot", headers={"User-Agent": BROWSER_AGENT})
        browser.get(f"/reads/{article.id}", headers={"User-Agent": BROWSER_AGENT})  # the page's script
    after = stored("read-a-lot")
    assert after.reads == 100
    assert (after.created_at, after.published_at, after.updated_at) == stamps
    assert not after.was_updated and article.id == after.id
    assert "Updated" not in text_of(app.test_client().get("/articles/read-a-lot"))


def test_an_imported_or_demo_article_dates_its_content_from_its_publication(make_article):
    article = make_article("Old news", age=timedelta(weeks=3))
    assert stored("old-news").updated_at == article.published_at


def test_an_edit_after_publication_shows_as_updated(frozen_clock, admin_client, client):
    submit(admin_client, "/admin/articles/new", title="Bridge reopens", summary="It is open.")
    article = stored("bridge-reopens")
    assert not article.was_updated
    frozen_clock.shift(timedelta(hours=1))
    submit(admin_client, f"/admin/articles/{article.id}/edit", title="Bridge reopens", summary="It is open again.")
    edited = stored("bridge-reopens")
    assert edited.updated_at == now_utc() and edited.published_at == article.published_at
    frozen_clock.shift(timedelta(hours=2))
    page = text_of(client.get("/articles/bridge-reopens"))
    assert "Published 3 hours ago · 10 March 2026 Updated 2 hours ago 0 Reads" in page


def test_saving_without_a_content_change_is_no_update(frozen_clock, admin_client):
    submit(admin_client, "/admin/articles/new", title="Bridge reopens")
    article = stored("bridge-reopens")
    frozen_clock.shift(timedelta(hours=1))
    submit(admin_client, f"/admin/articles/{article.id}/edit", title="Bridge reopens", tags="bridges")
    assert stored("bridge-reopens").updated_at == article.updated_at


def test_edits_before_publication_are_no_update(frozen_clock, admin_client):
    submit(admin_client, "/admin/articles/new", title="Draft story", status="draft")
    draft = stored("draft-story")
    frozen_clock.shift(timedelta(hours=1))
    submit(admin_client, f"/admin/articles/{draft.id}/edit", title="Draft story", summary="Changed, then published.")
    published = stored("draft-story")
    assert published.published_at == now_utc() and not published.was_updated


# --- Dates in listings ---------------------------------------------------------------------------


def test_listings_say_how_long_ago_for_a_week_then_the_date(client, make_article, frozen_clock):
    make_article("Recent", age=timedelta(days=6, hours=23))
    make_article("Older", age=timedelta(days=8))
    page = text_of(client.get("/"))
    assert "Recent Politics 6 days ago" in page
    assert "Older Politics 2 March 2026" in page


# --- The front page and numbered pages ------------------------------------------------------------


def test_the_newest_article_leads_the_front_page_only(client, make_article, frozen_clock):
    for number in range(25):
        make_article(f"Story {number:02d}", age=timedelta(hours=number + 1), summary=f"Standfirst {number}.")
    first = client.get("/")
    html = first.get_data(as_text=True)
    leads = re.findall(r'<article class="item lead">\s*<h2 class="item-title"><a [^>]*>([^<]*)</a>', html)
    assert leads == ["Story 00"] and html.count("item lead") == 1
    assert "Story 00 Politics 1 hour ago 0 Reads 0 Comments Standfirst 0." in text_of(first)
    assert "item lead" not in client.get(link(first, "next")).get_data(as_text=True)
    assert "item lead" not in client.get("/categories/politics").get_data(as_text=True)


def test_later_pages_say_their_number_in_the_heading_and_title(client, make_article, frozen_clock):
    for number in range(45):
        make_article(f"Story {number:02d}", age=timedelta(hours=number + 1))
    first = client.get("/")
    second = client.get(link(first, "next"))
    third = client.get(link(second, "next"))
    assert "<title>The Valley Ledger</title>" in first.get_data(as_text=True)
    for response, number in ((second, 2), (third, 3)):
        html = response.get_data(as_text=True)
        assert f'<h1 class="page-title">Latest news — Page {number}</h1>' in html
        assert f"<title>Latest news — Page {number} · The Valley Ledger</title>" in html
    back = client.get(link(third, "prev"))
    assert "Latest news — Page 2" in text_of(back) and article_titles(back) == article_titles(second)
    assert link(back, "prev") == "/"  # the first page has one address
    category_second = client.get(link(client.get("/categories/politics"), "next"))
    assert "<title>Politics — Page 2 · The Valley Ledger</title>" in category_second.get_data(as_text=True)


def test_a_cursor_from_before_pages_were_numbered_still_pages(client, make_article, frozen_clock):
    for number in range(25):
        make_article(f"Story {number:02d}", age=timedelta(hours=number + 1))
    story = stored("story-19")
    micros = int(story.published_at.timestamp() * 1_000_000)
    old_cursor = base64.urlsafe_b64encode(f"{micros}:{story.id}".encode()).decode().rstrip("=")
    response = client.get(f"/?before={old_cursor}")
    assert article_titles(response) == [f"Story {n:02d}" for n in range(20, 25)]
    assert '<h1 class="page-title">Latest news</h1>' in response.get_data(as_text=True)


def test_a_forged_page_number_is_a_404(client, make_article):
    story = make_article("Only one")
    micros = int(story.published_at.timestamp() * 1_000_000)
    for page in (0, 1, 99999999):
        cursor = base64.urlsafe_b64encode(f"{micros}:{story.id}:{page}".encode()).decode().rstrip("=")
        assert client.get(f"/?before={cursor}").status_code == 404


# --- The header menu marks where the reader is -------------------------------------------------------


def nav_links(response) -> dict[str, str | None]:
    """Each header menu link's text with its aria-current value."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', response.get_data(as_text=True), re.S)[0]
    return {text: current for _, current, text in
            re.findall(r'<a href="([^"]+)"(?: aria-current="(\w+)")?>([^<]+)</a>', nav)}


def test_the_menu_marks_the_current_section(client, make_article):
    make_article("Budget", category="Politics", tags=("housing",))
    make_article("Derby", category="Sport")
    assert nav_links(client.get("/")) == {"Politics": "", "Sport": "", "Tags": ""}
    assert nav_links(client.get("/categories/sport")) == {"Politics": "", "Sport": "page", "Tags": ""}
    assert nav_links(client.get("/articles/budget")) == {"Politics": "true", "Sport": "", "Tags": ""}
    assert nav_links(client.get("/tags")) == {"Politics": "", "Sport": "", "Tags": "page"}
    assert nav_links(client.get("/tags/housing")) == {"Politics": "", "Sport": "", "Tags": "true"}


# --- Small fixes ---------------------------------------------------------------------------------------


def test_a_signed_in_editor_sees_the_pending_count_on_reader_pages_too(admin_client, make_article, make_comment):
    from models import CommentStatus

    article = make_article("Bridge reopens")
    make_comment(article, "Wait for me", status=CommentStatus.PENDING)
    bars = [admin_client.get("/admin/").get_data(as_text=True)]  # the newsroom's pages draw it
    for path in ("/me", f"/me?article={article.id}"):  # reader pages get it by their script
        bars.append(admin_client.get(path).get_json()["bar"])
    for html in bars:
        bar = re.search(r'<nav class="admin-bar".*?</nav>', html, re.S)[0]
        assert "1 pending" in bar
    for path in ("/", "/articles/bridge-reopens"):  # shared: the same for everyone, so no bar of anyone's
        assert "admin-bar" not in admin_client.get(path).get_data(as_text=True)


def test_the_comment_form_in_a_preview_is_visibly_off(admin_client):
    from tests.test_admin import article_fields, csrf_token_of

    token = csrf_token_of(admin_client.get("/admin/articles/new"))
    preview = admin_client.post("/admin/articles/new", data={"csrf_token": token, "action": "preview",
                                                             **article_fields()})
    html = preview.get_data(as_text=True)
    assert "Comments are off in preview." in text_of(preview)
    form = re.search(r'<form class="form comment-form".*?</form>', html, re.S)[0]
    assert '<fieldset class="form-fields" disabled>' in form and "Post comment" in form


def test_the_comment_form_for_readers_is_not_disabled(client, make_article):
    make_article("Bridge reopens")
    html = client.get("/articles/bridge-reopens").get_data(as_text=True)
    assert '<fieldset class="form-fields">' in html and "Comments are off" not in html
