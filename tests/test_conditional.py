"""One conditional-GET helper for feeds and shared pages: 304 to a client holding the current copy, 200 otherwise."""

from __future__ import annotations

import pytest

from tests.conftest import BROWSER_AGENT
from tests.test_pagecache import renders

LONG_AGO = "Mon, 09 Mar 2020 00:00:00 GMT"
FAR_AHEAD = "Fri, 01 Jan 2100 00:00:00 GMT"


@pytest.fixture
def site(make_article, frozen_clock):
    """A published article, on a clock that stands still so a page is not rendered anew unasked."""
    return make_article("Steady story")


def anonymous(app):
    """A browser without cookies: it is served the shared copy."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    return browser


@pytest.mark.parametrize("path", ["/feed.xml", "/articles/steady-story"])
@pytest.mark.parametrize("validator", ["exact", "weak"])
def test_a_matching_if_none_match_gets_an_empty_304_with_the_same_etag(app, site, path, validator):
    first = anonymous(app).get(path)
    etag = first.headers["ETag"]
    sent = etag if validator == "exact" else f"W/{etag}"  # If-None-Match compares weakly (RFC 9110)
    answer = anonymous(app).get(path, headers={"If-None-Match": sent})
    assert answer.status_code == 304 and answer.data == b"" and answer.headers["ETag"] == etag
    assert answer.headers["Cache-Control"] == first.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/feed.xml", "/articles/steady-story"])
def test_a_non_matching_if_none_match_gets_the_whole_document(app, site, path):
    first = anonymous(app).get(path)
    answer = anonymous(app).get(path, headers={"If-None-Match": '"an-older-copy"'})
    assert answer.status_code == 200 and answer.data == first.data and b"Steady story" in answer.data


def test_a_feed_answers_if_modified_since_alone_by_its_last_modified(app, site):
    last_modified = anonymous(app).get("/feed.xml").headers["Last-Modified"]
    for since, status in ((last_modified, 304), (FAR_AHEAD, 304), (LONG_AGO, 200)):
        assert anonymous(app).get("/feed.xml", headers={"If-Modified-Since": since}).status_code == status, since


def test_if_none_match_decides_alone_when_sent(app, site):
    for path in ("/feed.xml", "/articles/steady-story"):
        answer = anonymous(app).get(path, headers={"If-None-Match": '"an-older-copy"', "If-Modified-Since": FAR_AHEAD})
        assert answer.status_code == 200 and b"Steady story" in answer.data, path


def test_a_304_is_decided_before_the_body_is_rendered(app, site, monkeypatch):
    etag = anonymous(app).get("/feed.xml").headers["ETag"]
    page_etag = anonymous(app).get("/articles/steady-story").headers["ETag"]

    def refuse(*args, **kwargs):
        raise AssertionError("a body was rendered for a 304")

    monkeypatch.setattr("readers.feeds.render_xml", refuse)
    assert anonymous(app).get("/feed.xml", headers={"If-None-Match": etag}).status_code == 304
    assert anonymous(app).get("/feed.xml", headers={"If-Modified-Since": FAR_AHEAD}).status_code == 304
    with renders(app) as rendered:
        assert anonymous(app).get("/articles/steady-story", headers={"If-None-Match": page_etag}).status_code == 304
    assert rendered == []


def test_a_shared_page_is_vouched_for_by_its_etag_alone(app, site):
    # A page can be rendered twice within one second, before and after a change; a Last-Modified,
    # to the second, could not tell the two apart, so a shared page sends none and a date gets the page.
    first = anonymous(app).get("/articles/steady-story")
    assert "Last-Modified" not in first.headers
    answer = anonymous(app).get("/articles/steady-story", headers={"If-Modified-Since": FAR_AHEAD})
    assert answer.status_code == 200 and answer.data == first.data
