"""Counting reads: once per browser, by the page's script or its <noscript> image; never for machines, prefetches or HEAD."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from flask import request, request_started

from models import Article, ArticleStatus, SiteVersion, db
from readers.reads import READS_REMEMBERED, reads_serializer, should_count_read
from tests.conftest import BROWSER_AGENT, give_session


def reads_of(slug: str) -> int:
    """The read count stored in the database."""
    db.session.expire_all()
    return db.session.execute(db.select(Article.reads).filter_by(slug=slug)).scalar_one()


@pytest.fixture
def counts(app):
    """counts(method, **headers): would should_count_read count this anonymous request?"""

    def judge(method: str = "GET", **headers) -> bool:
        with app.test_request_context(method=method, headers=headers):
            return should_count_read(request.environ)

    return judge


NOT_READERS = [
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; ChatGPT-User/1.0; +https://openai.com/bot",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
    "curl/8.5.0",
    "python-requests/2.32.3",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Twitterbot/1.0",
    "WhatsApp/2.23.20.0",
    "Mozilla/5.0 (compatible; Claude-User/1.0; +Claude-User@anthropic.com)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0)",
    "Wget/1.21.4",
    "Go-http-client/2.0",
    "",
    "   ",
]


@pytest.mark.parametrize("agent", NOT_READERS)
def test_machines_and_empty_agents_are_not_readers(counts, agent):
    assert not counts(**{"User-Agent": agent})


@pytest.mark.parametrize("agent", [
    BROWSER_AGENT,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
])
def test_browsers_are_readers(counts, agent):
    assert counts(**{"User-Agent": agent})


@pytest.mark.parametrize("headers", [{"Sec-Purpose": "prefetch"}, {"Sec-Purpose": "prefetch;prerender"}, {"Purpose": "prefetch"}])
def test_prefetches_are_not_reads(counts, headers):
    assert not counts(**{"User-Agent": BROWSER_AGENT}, **headers)


def test_head_requests_are_not_reads(counts):
    assert not counts("HEAD", **{"User-Agent": BROWSER_AGENT})


def count_url(client, slug: str) -> str:
    """The counting address the article page's script asks, read from the page as the script reads it."""
    html = client.get(f"/articles/{slug}").get_data(as_text=True)
    return re.search(r'class="reads" data-count-url="([^"]+)"', html)[1]


def test_a_read_counts_once_per_browser(app, client, make_article):
    make_article("Counted", reads=12)
    page = client.get("/articles/counted")
    assert "12 Reads" in page.get_data(as_text=True)  # the page is the same for all; the script counts
    url = count_url(client, "counted")
    first = client.get(url)
    assert first.get_json() == {"reads": 13, "label": "13 Reads"}
    assert first.headers["Cache-Control"] == "no-store"
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith("reads=") and "Path=/reads/" in cookie and "HttpOnly" in cookie
    assert client.get(url).get_json()["label"] == "13 Reads"
    assert "Set-Cookie" not in client.get(url).headers
    assert reads_of("counted") == 13
    other_browser = app.test_client()
    assert other_browser.get(url, headers={"User-Agent": BROWSER_AGENT}).get_json()["reads"] == 14
    assert reads_of("counted") == 14


def test_the_reads_cookie_never_reaches_a_page(client, make_article):
    make_article("Counted")
    client.get(count_url(client, "counted"))
    assert client.get_cookie("reads", path="/reads/") is not None
    page = client.get("/articles/counted")
    assert page.headers["Cache-Control"].startswith("public") and "Set-Cookie" not in page.headers


def test_one_read_reads_in_the_singular(client, make_article):
    make_article("Fresh")
    assert client.get(count_url(client, "fresh")).get_json()["label"] == "1 Read"


def test_readers_without_javascript_are_counted_by_the_noscript_image_once(client, make_article):
    make_article("Plain", reads=3)
    html = client.get("/articles/plain").get_data(as_text=True)
    image = re.search(r'<noscript><img class="read-pixel" src="([^"]+)" alt="" width="1" height="1"></noscript>', html)[1]
    answer = client.get(image)
    assert answer.mimetype == "image/gif" and answer.data.startswith(b"GIF89a")
    assert answer.headers["Cache-Control"] == "no-store"
    client.get(image)
    client.get(count_url(client, "plain"))  # the same browser, its script back on: still one read
    assert reads_of("plain") == 4


def test_machine_prefetch_head_and_page_views_store_nothing(client, make_article):
    make_article("Quiet", reads=5)
    url = count_url(client, "quiet")
    client.get(url, headers={"User-Agent": "curl/8.5.0"})
    client.get(url, headers={"Sec-Purpose": "prefetch"})
    client.head(url)
    assert client.get(url, headers={"User-Agent": ""}).get_json()["reads"] == 5
    for _ in range(3):
        client.get("/articles/quiet")
    assert reads_of("quiet") == 5


def test_a_signed_in_editor_is_not_counted(admin_client, make_article):
    make_article("Inside", reads=2)
    assert admin_client.get(count_url(admin_client, "inside")).get_json()["reads"] == 2
    assert reads_of("inside") == 2


@pytest.mark.parametrize("status, age", [(ArticleStatus.DRAFT, timedelta(hours=1)),
                                         (ArticleStatus.PUBLISHED, -timedelta(hours=1))])
def test_the_counting_address_answers_404_for_what_is_not_published(client, make_article, status, age):
    hidden = make_article("Not yet", status=status, age=age, reads=4)
    for url in (f"/reads/{hidden.id}", f"/reads/{hidden.id}.gif", "/reads/99999"):
        answer = client.get(url)
        assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)
        assert "Set-Cookie" not in answer.headers
    assert reads_of("not-yet") == 4


def test_a_read_changes_no_timestamp_and_no_page(client, make_article):
    article = make_article("Stamped")
    before = (article.updated_at, article.published_at, article.created_at, SiteVersion.current())
    client.get(count_url(client, "stamped"))
    db.session.expire_all()
    after = db.session.get(Article, article.id)
    assert reads_of("stamped") == 1
    assert (after.updated_at, after.published_at, after.created_at, SiteVersion.current()) == before


def test_a_forged_reads_cookie_counts_as_none(client, make_article):
    make_article("Forged")
    url = count_url(client, "forged")
    client.set_cookie("reads", "WzEsMiwzXQ.forged", path="/reads/")
    assert client.get(url).get_json()["reads"] == 1


def test_the_cookie_remembers_a_bounded_number_of_reads(app, client, make_article):
    first = make_article("First read")
    earlier = [make_article(f"Later {number}").id for number in range(READS_REMEMBERED)]
    client.set_cookie("reads", reads_serializer(app.config["SECRET_KEY"]).dumps(earlier), path="/reads/")
    client.get(f"/reads/{first.id}")
    remembered = reads_serializer(app.config["SECRET_KEY"]).loads(client.get_cookie("reads", path="/reads/").value)
    assert len(remembered) == READS_REMEMBERED and remembered[-1] == first.id and earlier[0] not in remembered
    assert len(client.get_cookie("reads", path="/reads/").value) < 2000


def test_concurrent_reads_from_distinct_browsers_lose_none(app, make_article):
    article = make_article("Popular", reads=7)

    def view(_):
        browser = app.test_client()
        return browser.get(f"/reads/{article.id}", headers={"User-Agent": BROWSER_AGENT}).get_json()["reads"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(view, range(100)))
    assert reads_of("popular") == 107
    assert sorted(answers) == list(range(8, 108))  # each reader got the count its own read made


def test_a_read_past_two_billion_still_counts(app, make_article):
    article = make_article("Viral", reads=2**31 - 1)
    browser = app.test_client()
    answer = browser.get(f"/reads/{article.id}", headers={"User-Agent": BROWSER_AGENT})
    assert answer.json["reads"] == 2**31 and answer.json["label"] == "2,147,483,648 Reads"
    assert reads_of("viral") == 2**31


def with_session(client):
    """The browser of a reader whose comment is held: it has a session cookie."""
    give_session(client)
    assert client.get_cookie("session") is not None
    return client


def test_a_reader_with_a_session_is_counted_by_the_same_rules_and_answer(app, make_article):
    article = make_article("Same rules", reads=20)
    plain, writing = app.test_client(), with_session(app.test_client())
    answers = []
    for browser in (plain, writing):
        browser.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
        first, again = browser.get(f"/reads/{article.id}"), browser.get(f"/reads/{article.id}")
        answers.append(first.get_json())
        assert first.mimetype == "application/json" and first.headers["Cache-Control"] == "no-store"
        assert first.headers["X-Content-Type-Options"] == "nosniff"
        assert first.headers["Content-Security-Policy"].startswith("default-src 'self'")
        cookie = first.headers["Set-Cookie"]
        assert cookie.startswith("reads=") and "Path=/reads/" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Set-Cookie" not in again.headers and again.get_json() == first.get_json()
        pixel = browser.get(f"/reads/{article.id}.gif")
        assert pixel.mimetype == "image/gif" and pixel.headers["Cache-Control"] == "no-store"
    assert answers == [{"reads": 21, "label": "21 Reads"}, {"reads": 22, "label": "22 Reads"}]
    assert reads_of("same-rules") == 22


def test_a_count_without_a_session_is_answered_before_flask(app, client, make_article):
    article = make_article("Lean")
    started = []

    def note(sender, **extra):
        started.append(request.path)

    with request_started.connected_to(note, app):
        assert client.get(f"/reads/{article.id}").get_json()["reads"] == 1
        assert client.get(f"/reads/{article.id}.gif").data.startswith(b"GIF89a")
        assert started == []  # no Flask request was started for either
        with_session(client)
        client.get(f"/reads/{article.id}")
        client.head(f"/reads/{article.id}")
        client.get("/reads/99999")  # nothing published there: Flask renders the 404 page
    assert started == [f"/reads/{article.id}", f"/reads/{article.id}", "/reads/99999"]
    assert reads_of("lean") == 1


@pytest.mark.parametrize("address", ["/reads/0", "/reads/2147483648", "/reads/99999999999999999999.gif",
                                     "/reads/-1", "/reads/1x"])
@pytest.mark.parametrize("has_session", [False, True])
def test_an_address_no_article_can_have_is_a_404_page(app, client, address, has_session):
    if has_session:
        with_session(client)
    answer = client.get(address)
    assert answer.status_code == 404 and "Page not found" in answer.get_data(as_text=True)
    assert answer.headers["X-Content-Type-Options"] == "nosniff" and "Set-Cookie" not in answer.headers
