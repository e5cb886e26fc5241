"""Crafted numbers, ids, times and payloads get a clear answer, never a 500."""

from __future__ import annotations

import zoneinfo

import pytest

from models import Article, db
from tests.conftest import ADMIN_PASSWORD, csrf_token_of, sign_in
from tests.test_admin import submit
from tests.test_reader import text_of

HUGE = "9" * 25


@pytest.mark.parametrize("path", [
    "/admin/?page=2305843009213693952", "/admin/?page=abc", "/admin/?page=-1", "/admin/?page=0", "/admin/?page=²",
    "/admin/comments?page=2305843009213693952", f"/admin/articles/{HUGE}/edit", f"/admin/articles/{HUGE}/delete",
    "/admin/articles/9223372036854775808/edit", f"/admin/articles/{2**31}/edit", f"/admin/articles/{2**31}/delete",
])
def test_out_of_range_pages_and_ids_are_404(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 404 and "Page not found" in text_of(response)


@pytest.mark.parametrize("fields", [{"one": f"approve:{HUGE}"}, {"action": "hide", "ids": HUGE},
                                    {"one": f"approve:{2**31}"}, {"action": "hide", "ids": ["1", str(2**31)]},
                                    {"action": "hide", "ids": "²"}, {"one": "approve:"}, {"one": "explode:1"}])
def test_crafted_moderation_requests_change_nothing_and_say_so(admin_client, fields):
    token = csrf_token_of(admin_client.get("/admin/comments"))
    response = admin_client.post("/admin/comments", data={"csrf_token": token, **fields})
    assert "Tick at least one comment" in text_of(admin_client.get(response.headers["Location"]))
    assert admin_client.post("/admin/comments?page=99999999999999", data={"csrf_token": token, **fields}).status_code == 404


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "5", "null", "{"])
def test_the_suggestion_endpoint_takes_any_json(admin_client, payload):
    token = csrf_token_of(admin_client.get("/admin/articles/new"))
    response = admin_client.post("/admin/tag-suggestions", data=payload, content_type="application/json",
                                 headers={"X-CSRFToken": token})
    assert response.status_code == 200 and response.json == {"suggestions": []}


@pytest.mark.parametrize(("zone", "typed", "message"), [
    ("Asia/Tokyo", "0001-01-01T00:00", "Give a year from 1900 to 2999."),
    ("America/New_York", "9999-12-31T23:59", "Give a year from 1900 to 2999."),
    ("UTC", "next tuesday", "Give a date and time such as 2026-03-10T14:30."),
    ("UTC", "2026-02-30T10:00", "Give a date and time such as 2026-03-10T14:30."),
])
def test_publication_times_out_of_range_get_a_field_error(app, admin_client, zone, typed, message):
    app.config["TIMEZONE"] = zoneinfo.ZoneInfo(zone)
    response = submit(admin_client, "/admin/articles/new", published_at=typed)
    assert response.status_code == 400 and message in text_of(response)
    assert db.session.execute(db.select(db.func.count(Article.id))).scalar_one() == 0


@pytest.mark.parametrize(("fields", "message"), [
    ({"category": "!!!"}, "Use at least one letter or digit in the category name."),
    ({"tags": "fine, " + "k" * 61}, "a tag can have at most 60 characters"),
    ({"title": "\u200b\u200b"}, "Please give a title."),
    ({"status": "retracted"}, "Not a valid choice"),
])
def test_article_fields_the_database_could_not_hold_are_refused_in_the_form(admin_client, fields, message):
    response = submit(admin_client, "/admin/articles/new", **fields)
    assert response.status_code == 400 and message in text_of(response)
    assert db.session.execute(db.select(db.func.count(Article.id))).scalar_one() == 0


def test_emoji_titles_get_an_address(admin_client):
    for _ in range(2):
        assert submit(admin_client, "/admin/articles/new", title="🎉🎉").status_code == 302
    assert sorted(db.session.execute(db.select(Article.slug)).scalars()) == ["article", "article-2"]


def test_a_next_with_a_line_break_goes_to_the_admin_home(app, make_admin):
    make_admin()
    response = sign_in(app.test_client(), next_path="/admin/%0D%0ASet-Cookie:x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"


def test_create_admin_refuses_names_longer_than_the_column(runner):
    result = runner.invoke(args=["create-admin", "n" * 81, "--display-name", "N", "--password-stdin"],
                           input=ADMIN_PASSWORD + "\n")
    assert result.exit_code == 1 and "A name needs 1 to 80 characters." in result.output


def test_an_article_body_of_deeply_nested_quotes_can_be_previewed_saved_and_edited(admin_client):
    body = "> " * 400 + "x"
    assert submit(admin_client, "/admin/articles/new", action="preview", body=body).status_code == 200
    saved = submit(admin_client, "/admin/articles/new", body=body)
    assert admin_client.get(saved.headers["Location"]).status_code == 200
