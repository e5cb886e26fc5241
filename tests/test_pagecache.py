"""Shared pages: the same bytes for every anonymous reader, kept per process, fresh within a second of a change."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import request, request_started, template_rendered

from app import create_app
from models import Article, Comment, CommentStatus, Role, SiteVersion, db
from tests.conftest import (
    BROWSER_AGENT,
    give_session,
    settings_for_tests,
    sign_in,
    signed_in_client,
    start_request_afresh,
)
from tests.test_admin import submit
from tests.test_comments import post_comment
from tests.test_labels import category_id, send
from tests.test_reader import article_titles, text_of
from web.csrf import read_issued
from web.pagecache import PAGES_KEPT, PUBLIC_CACHE_CONTROL, Entry, Generation, PageCache
from web.security import SECURITY_HEADERS

SHARED_PAGES = ["/", "/categories/politics", "/tags/housing", "/tags", "/articles/budget-passes"]


@pytest.fixture(autouse=True)
def still(frozen_clock):
    """Every test here runs on the frozen clock, so a minute turning never renders a page anew unasked."""
    return frozen_clock


@pytest.fixture
def budget(make_article, make_comment):
    """A published article with a tag and a visible comment: something on every shared page."""
    article = make_article("Budget passes", tags=("housing",), reads=12)
    make_comment(article, "Well argued.")
    return article


def anonymous(app, **headers):
    """A fresh browser without cookies (its own User-Agent and address if given)."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = headers.pop("agent", BROWSER_AGENT)
    browser.environ_base["REMOTE_ADDR"] = headers.pop("address", "203.0.113.5")
    return browser


@contextmanager
def renders(app):
    """Collect the names of the templates rendered inside the block."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_anonymous_pages_are_the_same_bytes_for_everyone_and_set_no_cookie(app, budget, path):
    first = anonymous(app).get(path)
    second = anonymous(app, agent="Mozilla/5.0 (iPhone) Safari/604.1", address="198.51.100.9").get(path)
    assert first.status_code == 200 and first.data == second.data
    for response in (first, second):
        assert response.headers["Cache-Control"] == PUBLIC_CACHE_CONTROL
        assert "Set-Cookie" not in response.headers and "Vary" not in response.headers
        assert re.fullmatch(r'"[0-9a-f]{24}"', response.headers["ETag"])
    assert first.headers["ETag"] == second.headers["ETag"]


def audiences(app, make_person, article_id: int) -> dict:
    """Browsers of every kind of reader: none, a commenter whose comment is held, a writer, an admin."""
    held = Comment(article_id=article_id, author_name="Holder", body_html="<p>Held words of mine.</p>",
                   status=CommentStatus.PENDING)
    db.session.add(held)
    db.session.commit()
    make_person("writer-one", Role.WRITER, "Wendy Writer")
    make_person("admin-one", Role.ADMIN, "Ada Admin")
    return {"anonymous": anonymous(app), "commenter": give_session(anonymous(app), (held.id,)),
            "writer": signed_in_client(app, "writer-one"), "admin": signed_in_client(app, "admin-one")}


@pytest.mark.parametrize("path", SHARED_PAGES + ["/authors/rita-reporter", "/?page=1"])
def test_every_shared_page_is_the_same_bytes_whoever_renders_it(app, budget, make_person, path):
    budget.set_authors([make_person("rita", Role.WRITER, "Rita Reporter")])
    db.session.commit()
    pages = {}
    for name, browser in audiences(app, make_person, budget.id).items():
        app.extensions["pagecache"].pages.clear()  # each renders the page afresh, for itself
        response = browser.get(path)
        assert response.status_code == 200 and response.headers["X-Page-Cache"] == "miss", name
        assert response.headers["Cache-Control"] == PUBLIC_CACHE_CONTROL and "Vary" not in response.headers, name
        assert "Set-Cookie" not in response.headers, name
        pages[name] = response.data
    assert len(set(pages.values())) == 1
    html = pages["admin"].decode()
    for personal in ("Wendy Writer", "Ada Admin", "Held words of mine.", "admin-bar", "pending", "Sign out"):
        assert personal not in html
    assert not re.search(r'name="csrf_token" type="hidden" value="[^"]', html)


def test_the_shared_article_page_carries_no_token_and_one_stamp_of_its_time(app, budget):
    html = anonymous(app).get("/articles/budget-passes").get_data(as_text=True)
    assert '<input id="csrf_token" name="csrf_token" type="hidden" value="">' in html
    stamp = re.search(r'<input id="issued" name="issued" type="hidden" value="([^"]+)">', html)[1]
    assert read_issued(stamp) is not None and read_issued(stamp).value is None  # the time alone, no token
    assert f'data-me-url="/me?article={budget.id}"' in html and "/static/reader.js" in html
    other = anonymous(app, address="198.51.100.9").get("/articles/budget-passes").get_data(as_text=True)
    assert stamp in other


def test_the_kept_article_page_is_drawn_again_before_its_stamp_ages_past_half_a_day(frozen_clock, app, make_article):
    make_article("Settled story", age=timedelta(days=3))  # "3 days ago" would hold for a day

    def stamp_on_page():
        html = anonymous(app).get("/articles/settled-story").get_data(as_text=True)
        return re.search(r'name="issued" type="hidden" value="([^"]+)"', html)[1]

    first = stamp_on_page()
    frozen_clock.shift(timedelta(hours=11, minutes=59))
    assert stamp_on_page() == first
    frozen_clock.shift(timedelta(minutes=1))
    renewed = stamp_on_page()
    assert renewed != first and read_issued(renewed).age == timedelta(0)


@pytest.mark.parametrize("cookie", ["forged.value.here", "eyJvd25fY29tbWVudHMiOlsxXX0.ZZZZZZ.bad", ""])
def test_a_forged_or_broken_session_cookie_gets_the_shared_page(app, budget, cookie):
    shared = anonymous(app).get("/articles/budget-passes")
    browser = anonymous(app)
    browser.set_cookie("session", cookie)
    for response in (browser.get("/articles/budget-passes"), (app.extensions["pagecache"].pages.clear(),
                                                            browser.get("/articles/budget-passes"))[1]):
        assert response.status_code == 200 and response.data == shared.data
        assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_a_matching_if_none_match_gets_a_304_without_rendering(app, budget, path):
    etag = anonymous(app).get(path).headers["ETag"]
    with renders(app) as rendered:
        answer = anonymous(app).get(path, headers={"If-None-Match": etag})
        again = anonymous(app).get(path)
    assert answer.status_code == 304 and answer.data == b"" and answer.headers["ETag"] == etag
    assert again.status_code == 200 and again.headers["ETag"] == etag
    assert rendered == []


def test_caches_key_on_the_path_and_known_parameters_only(app, make_article):
    for number in range(22):
        make_article(f"Story {number}", age=timedelta(hours=number + 1))
    first = anonymous(app).get("/")
    with renders(app) as rendered:
        tracked = anonymous(app).get("/?utm_source=newsletter&fbclid=abc")
    assert tracked.data == first.data and rendered == []
    older = re.search(r'rel="next" class="older" href="(/\?before=[^"]+)"', first.get_data(as_text=True))[1]
    with renders(app) as rendered:
        second_page = anonymous(app).get(older + "&utm_source=newsletter")
    assert rendered and second_page.data != first.data
    assert anonymous(app).get("/?before=not-a-cursor").status_code == 404


def test_an_editor_sees_their_own_edit_at_once_on_the_shared_page(frozen_clock, app, admin_client, make_article):
    article = make_article("Budget passes")
    assert "Budget passes" in text_of(anonymous(app).get("/articles/budget-passes"))
    submit(admin_client, f"/admin/articles/{article.id}/edit", title="Budget passes at last",
           slug="budget-passes", tags="", published_at="2026-03-10T11:00")
    for browser in (admin_client, anonymous(app)):
        page = browser.get("/articles/budget-passes")
        assert page.headers["Cache-Control"] == PUBLIC_CACHE_CONTROL and "Budget passes at last" in text_of(page)


def test_a_comment_post_answer_is_never_shared(app, client, budget):
    response = post_comment(client, "budget-passes", body="")
    assert response.status_code == 400 and "public" not in response.headers.get("Cache-Control", "")


# --- Two app instances in one process, one database, a frozen clock ---------------------------------------


@pytest.fixture
def second(app):
    """Another app on the same database: what a second worker or server is."""
    # The same database as `app`, whichever kind the run uses.
    other = create_app(settings_for_tests(app.instance_path,
                                          SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]))
    other.before_request_funcs.setdefault(None, []).insert(0, start_request_afresh)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def editor_on_second(second, make_admin):
    """An editor signed in on the second app."""
    make_admin()
    editor = second.test_client()
    editor.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    assert sign_in(editor).status_code == 302
    return editor


def publish_new(editor, budget):
    """Publish a new article."""
    submit(editor, "/admin/articles/new", title="Ferry returns", tags="", published_at="")


def edit_title(editor, budget):
    """Retitle the article, keeping its address."""
    submit(editor, f"/admin/articles/{budget.id}/edit", title="Ferry returns", slug="budget-passes",
           tags="housing", published_at="2026-03-10T11:00")


def unpublish(editor, budget):
    """Take the article off the site."""
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      editor.get(f"/admin/articles/{budget.id}/edit").get_data(as_text=True))[1]
    editor.post(f"/admin/articles/{budget.id}/unpublish", data={"csrf_token": token})


def approve_comment(editor, budget):
    """Approve a held comment that reads 'Ferry returns'."""
    from models import Comment

    with editor.application.app_context():  # written by the second app too
        held = Comment(article_id=budget.id, author_name="Held", body_html="<p>Ferry returns</p>",
                       status=CommentStatus.PENDING)
        db.session.add(held)
        db.session.commit()
    send(editor, "/admin/comments", one=f"approve:{held.id}")


def comment_shown(editor, budget):
    """A reader's comment, shown at once (no moderation), posted through the second app."""
    reader = editor.application.test_client()
    reader.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    post_comment(reader, "budget-passes", body="Ferry returns")


def rename_category(editor, budget):
    """Rename the article's category."""
    send(editor, f"/admin/categories/{category_id('Politics')}", action="rename", **{"rename-name": "Ferry returns"})


@pytest.mark.parametrize("change", [publish_new, edit_title, unpublish, approve_comment, comment_shown,
                                    rename_category])
def test_a_change_on_one_app_reaches_the_other_within_a_second(frozen_clock, app, budget, editor_on_second, change):
    shown = {path: anonymous(app).get(path) for path in ("/", "/articles/budget-passes")}
    version = SiteVersion.current()[0]
    change(editor_on_second, budget)
    assert SiteVersion.current()[0] > version  # the change moved the version in its own transaction
    frozen_clock.shift(timedelta(milliseconds=999))
    for path, before in shown.items():  # within the second, the first app still serves what it kept
        assert anonymous(app).get(path).data == before.data
    frozen_clock.shift(timedelta(milliseconds=1))
    now = {path: anonymous(app).get(path) for path in shown}
    if change is unpublish:
        assert now["/articles/budget-passes"].status_code == 404 and "Budget passes" not in text_of(now["/"])
    else:
        assert "Ferry returns" in text_of(now["/"]) + text_of(now["/articles/budget-passes"])


def test_a_scheduled_article_appears_at_its_time_on_every_app(frozen_clock, app, second, make_article):
    make_article("Already out")
    make_article("Ferry returns", age=-timedelta(seconds=30))
    for instance in (app, second):
        assert article_titles(anonymous(instance).get("/")) == ["Already out"]
    frozen_clock.shift(timedelta(seconds=29))
    assert article_titles(anonymous(app).get("/")) == ["Already out"]
    frozen_clock.shift(timedelta(seconds=1))
    for instance in (app, second):
        assert article_titles(anonymous(instance).get("/")) == ["Ferry returns", "Already out"]


def test_relative_times_are_never_more_than_a_minute_stale(frozen_clock, app, make_article):
    make_article("Fresh story", age=timedelta(seconds=0))
    assert "just now" in text_of(anonymous(app).get("/articles/fresh-story"))
    frozen_clock.shift(timedelta(seconds=59))
    with renders(app) as rendered:
        assert "just now" in text_of(anonymous(app).get("/articles/fresh-story"))
    assert rendered == []
    frozen_clock.shift(timedelta(seconds=1))
    assert "1 minute ago" in text_of(anonymous(app).get("/articles/fresh-story"))


def test_a_page_is_kept_until_its_relative_times_would_read_differently(frozen_clock, app, make_article):
    make_article("Older story", age=timedelta(hours=3, minutes=10))
    assert "3 hours ago" in text_of(anonymous(app).get("/"))
    frozen_clock.shift(timedelta(minutes=49, seconds=59))
    with renders(app) as rendered:
        assert "3 hours ago" in text_of(anonymous(app).get("/"))
    assert rendered == []
    frozen_clock.shift(timedelta(seconds=1))
    assert "4 hours ago" in text_of(anonymous(app).get("/"))


def test_a_counted_read_keeps_every_kept_page(app, budget):
    anonymous(app).get("/articles/budget-passes")
    anonymous(app).get(f"/reads/{budget.id}")
    with renders(app) as rendered:
        anonymous(app).get("/articles/budget-passes")
    assert rendered == []


# --- The cache itself ----------------------------------------------------------------------------------------


def test_the_cache_keeps_at_least_a_thousand_pages_and_drops_the_least_recent():
    assert PAGES_KEPT >= 1000
    cache = PageCache(size=3)
    generation = Generation(1, None)
    for name in "abc":
        cache.put(name, Entry(generation, name.encode(), "text/html", name))
    assert cache.get("a", generation) is not None  # a is now the most recent
    cache.put("d", Entry(generation, b"d", "text/html", "d"))
    assert [key for key in "abcd" if cache.get(key, generation)] == ["a", "c", "d"]
    assert cache.get("a", Generation(2, None)) is None


def test_the_version_is_read_at_most_once_a_second(frozen_clock, app, budget, count_queries):
    anonymous(app).get("/")
    with count_queries() as statements:
        for _ in range(5):
            anonymous(app).get("/")
    assert statements == []
    frozen_clock.shift(timedelta(seconds=1))
    with count_queries() as statements:
        anonymous(app).get("/")
    assert len(statements) == 1 and "site_version" in statements[0]
    assert db.session.get(Article, budget.id) is not None


# --- Answered before Flask ---------------------------------------------------------------------------------


@contextmanager
def flask_requests(app):
    """Collect the paths of the requests Flask itself started inside the block."""
    started: list[str] = []

    def note(sender, **extra):
        started.append(request.path)

    with request_started.connected_to(note, app):
        yield started


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_a_kept_page_is_answered_before_flask_with_every_header_flask_sends(app, budget, path):
    rendered = anonymous(app).get(path)
    with flask_requests(app) as started:
        kept, head = anonymous(app).get(path), anonymous(app).head(path)
        unchanged = anonymous(app).get(path, headers={"If-None-Match": rendered.headers["ETag"]})
    assert started == []
    assert rendered.headers["X-Page-Cache"] == "miss" and kept.headers["X-Page-Cache"] == "hit"
    without_marks = [{name: value for name, value in answer.headers if name != "X-Page-Cache"} for answer in (rendered, kept, head)]
    assert without_marks[0] == without_marks[1] == without_marks[2]
    for name, value in SECURITY_HEADERS.items():
        assert kept.headers[name] == value
    assert kept.data == rendered.data and head.data == b"" and head.headers["Content-Length"] == str(len(rendered.data))
    assert unchanged.status_code == 304 and unchanged.data == b"" and unchanged.headers["ETag"] == rendered.headers["ETag"]
    assert unchanged.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]


def test_only_get_and_head_of_a_kept_page_are_answered_before_flask(app, budget):
    anonymous(app).get("/tags")
    with flask_requests(app) as started:
        anonymous(app).post("/tags")
        anonymous(app).get("/tags/")
        anonymous(app).get("/Tags")
        anonymous(app).get("/feed.xml")
    assert started == ["/tags", "/tags/", "/Tags", "/feed.xml"]


ODD_ADDRESSES = [
    "/tags/%FF", "/articles/%C3%28", "/articles/budget-passes%00", "/?after=99999999999999999999",
    "/?page=2147483648", "/?before=%00", "/?before=%FF%FE", "/categories/politics?page=1&page=2",
    "/tags?x=%FF%FE&&==&", "/articles/budget-passes?", "//articles/budget-passes", "/articles/budget-passes/",
    "/%2e%2e/tags", "/categories/politics?after=MjAyNi0wMy0xMFQxMTowMDowMCswMDowMHwy", "/authors/%E2%80%AE",
]


@pytest.mark.parametrize("address", ODD_ADDRESSES)
def test_odd_addresses_get_the_same_answer_before_flask_as_from_it(app, budget, address):
    answers = [anonymous(app).get(address) for _ in range(3)]  # Flask first; then the layer, where it kept one
    first = answers[0]
    assert first.status_code < 500
    for later in answers[1:]:
        assert (later.status_code, later.data, later.headers.get("Location")) == \
               (first.status_code, first.data, first.headers.get("Location"))
