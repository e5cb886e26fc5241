"""Pages that read like news: the article header, "Updated", the front page's lead, numbered pages, the menu."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from html import unescape

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


def front_top(response) -> tuple[list[str], list[str]]:
    """The front page's lead (a list of one, or none) and the titles of the stories beside it, in order."""
    html = response.get_data(as_text=True)
    lead = re.search(r'<div class="front-lead">(.*?)</div>\s*(?:<div class="front-beside|</div>)', html, re.S)
    beside = re.search(r'<div class="front-beside items">(.*?)\n  </div>', html, re.S)
    return (article_titles_in(lead[1]) if lead else [], article_titles_in(beside[1]) if beside else [])


def article_titles_in(html: str, heading: str = "h2") -> list[str]:
    """The titles of the listed articles in a piece of a page, in order."""
    return [unescape(t) for t in re.findall(rf'<{heading} class="item-title"><a [^>]*>(.*?)</a>', html)]


def front_sections(response) -> list[tuple[str, str, list[str]]]:
    """Each section block of the front page: its heading, the heading's link, and its articles' titles."""
    blocks = re.findall(r'<section class="front-section".*?</section>', response.get_data(as_text=True), re.S)
    found = []
    for block in blocks:
        href, name = re.search(r'<h2 class="section-title"[^>]*><a href="([^"]+)">(.*?)</a></h2>', block).groups()
        found.append((unescape(name), href, article_titles_in(block, "h3")))
    return found


def test_the_lead_has_its_picture_and_four_stories_beside_it(client, make_article, frozen_clock):
    from models import Picture

    for number in range(7):
        make_article(f"Story {number}", category=("Politics", "Sport")[number % 2], age=timedelta(hours=number + 1),
                     summary=f"Standfirst {number}.")
    stored("story-0").lead_picture = Picture(hash="ab" * 16, width=1600, height=900, alt="The council chamber")
    db.session.commit()
    response = client.get("/")
    assert front_top(response) == (["Story 0"], ["Story 1", "Story 2", "Story 3", "Story 4"])
    page = text_of(response)
    assert page.index("Story 0 Politics 1 hour ago 0 Reads 0 Comments Standfirst 0.") < page.index(
        "Story 1 Sport 2 hours ago 0 Reads 0 Comments")
    assert "Standfirst 1." not in page  # beside the lead, a story is its headline
    lead = re.search(r'<div class="front-lead">(.*?)</div>\s*<div class="front-beside', response.get_data(as_text=True),
                     re.S)[1]
    # The lead's picture comes first and large, loaded at once: it is the first thing the page shows.
    assert re.search(r'<div class="item-picture"><img src="/media/(ab){16}-960.webp"[^>]*fetchpriority="high"', lead)
    assert 'alt="The council chamber"' in lead and lead.index("<img") < lead.index("Story 0")
    assert "body class=\"front\"" in response.get_data(as_text=True)


def test_two_stories_make_a_lead_and_one_beside_it(client, make_article, frozen_clock):
    make_article("Newer", age=timedelta(minutes=5))
    make_article("Older", age=timedelta(hours=2))
    response = client.get("/")
    assert front_top(response) == (["Newer"], ["Older"])
    assert front_sections(response) == [] and link(response, "next") is None


def test_sections_follow_the_menu_with_their_newest_three_below_the_top_stories(client, make_article, frozen_clock):
    from models import Category

    for number in range(4):
        make_article(f"Top politics {number}", category="Politics", age=timedelta(minutes=number + 1))
    make_article("Top weather", category="Weather", age=timedelta(minutes=10))  # its only story is at the top
    for number in range(4):
        make_article(f"Match {number}", category="Sport", age=timedelta(hours=number + 1))
    make_article("Gallery opens", category="Arts", age=timedelta(days=2))
    for number in range(2):
        make_article(f"Older politics {number}", category="Politics", age=timedelta(days=number + 3))
    make_article("Merger", category="Business", status="draft")
    for position, name in enumerate(["Sport", "Weather", "Arts", "Business", "Politics"], start=1):
        Category.by_slug(name.lower()).position = position
    db.session.commit()
    response = client.get("/")
    assert front_top(response) == (["Top politics 0"], ["Top politics 1", "Top politics 2", "Top politics 3",
                                                         "Top weather"])
    assert front_sections(response) == [
        ("Sport", "/categories/sport", ["Match 0", "Match 1", "Match 2"]),
        ("Arts", "/categories/arts", ["Gallery opens"]),
        ("Politics", "/categories/politics", ["Older politics 0", "Older politics 1"]),
    ]
    # A section's block says its name once: its stories do not repeat it.
    block = re.search(r'<section class="front-section".*?</section>', response.get_data(as_text=True), re.S)[0]
    assert 'class="category"' not in block and "Match 0 1 hour ago 0 Reads" in text_of_html(block)


def text_of_html(html: str) -> str:
    """A piece of a page's visible text, tags stripped and whitespace folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_front_page_costs_the_same_queries_for_two_sections_or_six(client, make_article, frozen_clock,
                                                                      count_queries):
    def fill(categories: list[str]) -> None:
        """Four stories in each of these categories."""
        for category in categories:
            for number in range(4):
                make_article(f"{category} {number}", category=category, age=timedelta(hours=number + 1))

    fill(["Politics", "Sport"])
    client.get("/tags")  # the page cache reads the site version at most once a second: read it now
    with count_queries() as few:
        client.get("/")
    fill(["Arts", "Business", "Weather", "Schools"])
    client.get("/tags")
    with count_queries() as many:
        response = client.get("/")
    assert len(front_sections(response)) == 6
    # The menu's categories, the top stories with every section's newest, their bylines, most read, the footer's pages.
    assert len(many) == len(few) == 5, many


def test_the_front_page_pages_on_to_the_plain_list_after_its_top_stories(client, make_article, frozen_clock):
    for number in range(30):
        make_article(f"Story {number:02d}", age=timedelta(hours=number + 1))
    first = client.get("/")
    assert front_top(first)[1][-1] == "Story 04" and link(first, "prev") is None
    second = client.get(link(first, "next"))
    assert article_titles(second) == [f"Story {n:02d}" for n in range(5, 25)]
    assert "Latest news — Page 2" in text_of(second) and link(second, "prev") == "/"
    third = client.get(link(second, "next"))
    assert article_titles(third) == [f"Story {n:02d}" for n in range(25, 30)] and link(third, "next") is None
    assert article_titles(client.get(link(third, "prev"))) == article_titles(second)


def test_a_category_page_leaves_out_the_category_and_an_author_page_the_byline(client, make_article, make_person,
                                                                               frozen_clock):
    from tests.test_bylines import bylines_of

    ada = make_person("ada", display_name="Ada Lovelace")
    make_article("Engines", category="Science", authors=(ada,))
    category_page, author_page = client.get("/categories/science"), client.get("/authors/ada-lovelace")
    assert "Engines By Ada Lovelace 1 hour ago 0 Reads" in text_of(category_page)
    assert 'class="category"' not in category_page.get_data(as_text=True)
    assert bylines_of(author_page) == [] and "Engines Science 1 hour ago 0 Reads" in text_of(author_page)
    assert "Engines By Ada Lovelace Science 1 hour ago" in text_of(client.get("/"))


def test_most_read_never_lists_the_article_it_sits_on(client, make_article, frozen_clock):
    from tests.test_related import section_titles

    for title, reads in (("Most", 300), ("Middle", 200), ("Least", 100)):
        make_article(title, reads=reads)
    assert section_titles(client.get("/"), "most-read") == ["Most", "Middle", "Least"]
    assert section_titles(client.get("/articles/most"), "most-read") == ["Middle", "Least"]
    assert section_titles(client.get("/articles/middle"), "most-read") == ["Most", "Least"]


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
