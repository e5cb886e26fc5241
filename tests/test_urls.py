"""Absolute addresses: built on SITE_URL alone, the same one at a time or fifty thousand at once."""

from __future__ import annotations

import pytest

from web.urls import absolute_url, absolute_urls, site_host

SLUGS = ["plain-words", "東京で会議が開かれた", "οδος", "नमस्ते-दुनिया", "a+b&c=d", "100%", "x?y#z", "a/b"]


@pytest.mark.parametrize("settings_overrides", [{"SITE_URL": "https://news.example.org:8443"}])
def test_many_addresses_at_once_are_those_built_one_at_a_time(app, settings_overrides):
    with app.test_request_context("/", base_url="http://evil.example"):
        one_by_one = [absolute_url("reader.article", slug=slug) for slug in SLUGS]
        assert absolute_urls("reader.article", "slug", SLUGS) == one_by_one
        assert one_by_one[0] == "https://news.example.org:8443/articles/plain-words"
        assert all(url.startswith("https://news.example.org:8443/articles/") for url in one_by_one)
        assert site_host() == "news.example.org"


@pytest.mark.parametrize("address", ["/articles/a%00b", "/tags/a%01b/feed.xml", "/categories/%7F", "/authors/x%C2%85y",
                                     "/media/abc%00-480.webp", "/articles/a%0Ab/comments"])
def test_an_address_with_a_control_character_matches_no_route_and_is_the_404_page(client, make_article, address):
    make_article("A b")
    for response in (client.get(address), client.post(address, data={"name": "Ann", "body": "Hi."})):
        assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)
