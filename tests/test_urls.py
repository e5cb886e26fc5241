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
