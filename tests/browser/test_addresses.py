"""Addresses in every script, through url_for, Chromium's address bar and back to the same article."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest
from flask import url_for

from content.text import now_utc, unique_slug
from models import Article, ArticleStatus, Category, db
from tests.test_reader import TITLES_IN_EVERY_SCRIPT

# Each title, and the address bar's words for it: marks kept, Latin accents folded, nothing left -> 'article'.
TITLES = TITLES_IN_EVERY_SCRIPT | {"🎉🎉🎉": "article"}


@pytest.fixture(scope="module")
def addresses(live_app) -> dict[str, str]:
    """{title: path from url_for} for an article in each script, published long ago (off the front page)."""
    paths = {}
    with live_app.app_context():
        for title in TITLES:
            when = now_utc() - timedelta(days=900)
            article = Article(title=title, slug=unique_slug(title, Article.slug_taken), status=ArticleStatus.PUBLISHED,
                              category=Category.get_or_create("Culture"), created_at=when, published_at=when)
            article.set_body("A paragraph.")
            db.session.add(article)
            db.session.commit()
            with live_app.test_request_context():
                paths[title] = url_for("reader.article", slug=article.slug)
    return paths


@pytest.mark.parametrize("title", TITLES)
def test_an_address_round_trips_through_the_address_bar(page, live_server, addresses, title):
    path = addresses[title]
    assert unquote(path) == f"/articles/{TITLES[title]}"
    # Typed as the address bar shows it (the words themselves), and followed as a link (percent-encoded).
    for typed in (unquote(path), path):
        response = page.goto(live_server + typed)
        assert response.status == 200
        assert page.locator("h1").inner_text() == title
        assert page.evaluate("location.pathname") == path
        assert page.evaluate("decodeURIComponent(location.pathname)") == unquote(path)
