"""Behind a proxy over https: the client's address and scheme from trusted proxies only, Secure cookies, HSTS."""

from __future__ import annotations

import pytest
from flask import request

from app import create_app
from tests.conftest import settings_for_tests, sign_in
from tests.test_reads import count_url
from web.proxies import BehindProxies
from web.settings import parse_trusted_proxies

HTTPS_SITE = {"SITE_URL": "https://news.example.org"}
PROXY = {"TRUSTED_PROXIES": "10.0.0.0/8"}


def seen_by_the_app(remote: str, trusted: str, headers: dict[str, str]) -> dict:
    """The client address and scheme a request reaches the app with, through the proxies layer."""
    seen = {}

    def inner(environ, start_response):
        seen.update(address=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"])
        start_response("204 NO CONTENT", [])
        return []

    environ = {"REMOTE_ADDR": remote, "wsgi.url_scheme": "http"}
    environ |= {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    BehindProxies(inner, parse_trusted_proxies(trusted))(environ, lambda status, headers: None)
    return seen


@pytest.mark.parametrize(("remote", "forwarded", "trusted", "expected"), [
    ("203.0.113.7", "192.0.2.1", "10.0.0.0/8", "203.0.113.7"),  # a client's own header proves nothing
    ("10.0.0.2", "192.0.2.1", "10.0.0.0/8", "192.0.2.1"),
    ("10.0.0.2", "6.6.6.6, 192.0.2.1", "10.0.0.0/8", "192.0.2.1"),  # what the client wrote itself is left of it
    ("10.0.0.2", "6.6.6.6, 192.0.2.1, 10.0.0.9", "10.0.0.0/8", "192.0.2.1"),
    ("10.0.0.2", "10.0.0.7, 10.0.0.9", "10.0.0.0/8", "10.0.0.7"),
    ("10.0.0.2", "", "10.0.0.2", "10.0.0.2"),
    ("::1", "2001:db8::5", "::1", "2001:db8::5"),
    ("10.0.0.2", "192.0.2.1:5678", "10.0.0.0/8", "192.0.2.1"),
    ("10.0.0.2", "[2001:db8::5]:443, 10.0.0.3:80", "10.0.0.0/8", "2001:db8::5"),
    ("10.0.0.2", "not an address", "10.0.0.0/8", "not an address"),
])
def test_the_client_address_is_the_rightmost_one_no_trusted_proxy_wrote(remote, forwarded, trusted, expected):
    assert seen_by_the_app(remote, trusted, {"X-Forwarded-For": forwarded})["address"] == expected


@pytest.mark.parametrize(("remote", "proto", "expected"), [
    ("10.0.0.2", "https", "https"),
    ("10.0.0.2", "HTTPS", "https"),
    ("10.0.0.2", "http, https", "https"),  # the last proxy's word: it spoke to the one before it
    ("10.0.0.2", "gopher", "http"),
    ("10.0.0.2", "", "http"),
    ("203.0.113.7", "https", "http"),  # not a proxy of ours: its header is its own invention
])
def test_the_scheme_comes_from_a_trusted_proxy_only(remote, proto, expected):
    assert seen_by_the_app(remote, "10.0.0.0/8", {"X-Forwarded-Proto": proto})["scheme"] == expected


@pytest.mark.parametrize("settings_overrides", [PROXY])
def test_the_site_reads_forwarded_headers_before_anything_else(app, client):
    assert isinstance(app.wsgi_app, BehindProxies)  # outermost: every layer behind it sees the client
    assert any(isinstance(layer, BehindProxies) for layer in layers(app))  # the walk below finds it when it is there
    app.add_url_rule("/seen", "seen", lambda: f"{request.scheme} {request.remote_addr}")
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.44"}
    assert client.get("/seen", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"}).text == "https 192.0.2.44"
    assert client.get("/seen", headers=headers, environ_base={"REMOTE_ADDR": "192.0.2.9"}).text == "http 192.0.2.9"


def test_without_trusted_proxies_nothing_stands_in_front_of_the_site(app):
    assert not any(isinstance(layer, BehindProxies) for layer in layers(app))


def layers(app):
    """The WSGI callables in front of Flask, outermost first."""
    layer = app.wsgi_app
    while hasattr(layer, "inner") or hasattr(layer, "flask"):
        yield layer
        layer = getattr(layer, "inner", None) or layer.flask


@pytest.mark.parametrize("settings_overrides", [HTTPS_SITE])
def test_an_https_site_sends_its_cookies_secure(app, client, make_admin, make_article):
    make_admin()
    assert "Secure" in sign_in(app.test_client()).headers["Set-Cookie"]
    make_article("Counted")
    counted = client.get(count_url(client, "counted"))
    assert "reads=" in counted.headers["Set-Cookie"] and "Secure" in counted.headers["Set-Cookie"]


def test_an_http_site_sends_its_cookies_without_secure(app, client, make_admin, make_article):
    make_admin()
    assert "Secure" not in sign_in(app.test_client()).headers["Set-Cookie"]
    make_article("Counted")
    assert "Secure" not in client.get(count_url(client, "counted")).headers["Set-Cookie"]


@pytest.mark.parametrize("settings_overrides", [HTTPS_SITE])
def test_every_answer_of_an_https_site_carries_hsts(client, make_article):
    make_article("Counted")
    answers = {
        "page from Flask": client.get("/articles/counted"),
        "kept page, before Flask": client.get("/articles/counted"),
        "not modified": client.get("/articles/counted", headers={"If-None-Match": client.get("/").headers["ETag"]}),
        "read count": client.get(count_url(client, "counted")),
        "health check": client.get("/healthz"),
        "missing page": client.get("/no-such-page"),
        "static file": client.get("/static/site.css"),
    }
    assert answers["kept page, before Flask"].headers["X-Page-Cache"] == "hit"
    for name, answer in answers.items():
        answer.close()  # the static file's
        assert answer.headers.get("Strict-Transport-Security") == "max-age=31536000", name


@pytest.mark.parametrize("settings_overrides", [{"SITE_URL": "http://news.example.org"},
                                                HTTPS_SITE | {"HSTS_SECONDS": 0}])
def test_no_hsts_over_http_or_when_turned_off(client, make_article):
    make_article("Counted")
    for path in ("/articles/counted", "/articles/counted", "/healthz", count_url(client, "counted")):
        assert "Strict-Transport-Security" not in client.get(path).headers


@pytest.mark.parametrize(("settings", "message"), [
    (HTTPS_SITE | {"SESSION_COOKIE_SECURE": False},
     "Error: SESSION_COOKIE_SECURE is off while SITE_URL is https: sign-in cookies would also travel over plain "
     "http; remove the setting, it follows SITE_URL"),
    (HTTPS_SITE | {"HSTS_SECONDS": -1}, "Error: HSTS_SECONDS=-1 must be a whole number of seconds, 0 to send no HSTS"),
])
def test_start_up_refuses_settings_that_would_weaken_https(tmp_path, settings, message):
    with pytest.raises(SystemExit) as stopped:
        create_app(settings_for_tests(tmp_path, **settings))
    assert str(stopped.value) == message


def test_the_environment_can_turn_secure_cookies_on_for_an_http_site(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    monkeypatch.setenv("HSTS_SECONDS", "60")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/news.sqlite3")
    config = create_app().config
    assert config["SESSION_COOKIE_SECURE"] is True and config["HSTS_SECONDS"] == 60
    assert "Strict-Transport-Security" not in dict(config["RESPONSE_HEADERS"])
