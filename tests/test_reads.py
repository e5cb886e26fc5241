"""Counting reads: once per browser session, never for machines, prefetches or HEAD, none lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import request

from models import Article, db
from reader import READS_REMEMBERED, should_count_read
from tests.conftest import BROWSER_AGENT


def reads_of(slug: str) -> int:
    """The read count stored in the database."""
    db.session.expire_all()
    return db.session.execute(db.select(Article.reads).filter_by(slug=slug)).scalar_one()


@pytest.fixture
def counts(app):
    """counts(method, **headers): would should_count_read count this anonymous request?"""

    def judge(method: str = "GET", **headers) -> bool:
        with app.test_request_context(method=method, headers=headers):
            return should_count_read(request)

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


def test_a_read_counts_once_per_browser_session(app, client, make_article):
    make_article("Counted", reads=12)
    assert "13 Reads" in client.get("/articles/counted").get_data(as_text=True)
    assert "13 Reads" in client.get("/articles/counted").get_data(as_text=True)
    assert reads_of("counted") == 13
    other_browser = app.test_client()
    other_browser.get("/articles/counted", headers={"User-Agent": BROWSER_AGENT})
    assert reads_of("counted") == 14


def test_one_read_reads_in_the_singular(client, make_article):
    make_article("Fresh")
    assert "1 Read<" in client.get("/articles/fresh").get_data(as_text=True)


def test_machine_prefetch_and_head_views_store_nothing(client, make_article):
    make_article("Quiet", reads=5)
    client.get("/articles/quiet", headers={"User-Agent": "curl/8.5.0"})
    client.get("/articles/quiet", headers={"Sec-Purpose": "prefetch"})
    client.head("/articles/quiet")
    client.get("/articles/quiet", headers={"User-Agent": ""})
    assert reads_of("quiet") == 5


def test_the_session_remembers_a_bounded_number_of_reads(client, make_article):
    first = make_article("First read")
    for number in range(READS_REMEMBERED):
        article = make_article(f"Later {number}")
        with client.session_transaction() as session:
            session["read"] = session.get("read", []) + [article.id]
    client.get("/articles/first-read")
    with client.session_transaction() as session:
        remembered = session["read"]
    assert len(remembered) == READS_REMEMBERED and remembered[-1] == first.id
    assert len(client.get_cookie("session").value) < 2000


def test_concurrent_views_from_distinct_sessions_lose_no_read(app, make_article):
    make_article("Popular", reads=7)

    def view(_):
        browser = app.test_client()
        return browser.get("/articles/popular", headers={"User-Agent": BROWSER_AGENT}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(view, range(100)))
    assert statuses == [200] * 100
    assert reads_of("popular") == 107


def test_a_read_past_two_billion_still_counts(client, make_article):
    make_article("Viral", reads=2**31 - 1)
    assert "2,147,483,648 Reads" in client.get("/articles/viral").get_data(as_text=True)
    assert reads_of("viral") == 2**31
