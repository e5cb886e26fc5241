"""`GET /me`: a reader's own part of a shared page, and nothing for anyone else."""

from __future__ import annotations

import re

import pytest

from models import ArticleStatus, Comment, CommentStatus, Role, db
from tests.conftest import BROWSER_AGENT, give_session, signed_in_client
from tests.test_comments import FROM_OWN_PAGE, hidden_fields, stored_comments


@pytest.fixture
def article(make_article):
    """A published article."""
    return make_article("Bridge reopens")


def held_comment(article, text: str = "My held words.") -> Comment:
    """A comment waiting for a moderator."""
    comment = Comment(article_id=article.id, author_name="Holder", body_html=f"<p>{text}</p>", status=CommentStatus.PENDING)
    db.session.add(comment)
    db.session.commit()
    return comment


def fresh(app):
    """A browser with no cookies."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    return browser


def test_without_a_session_the_answer_is_empty_and_never_stored(app, article):
    for path in ("/me", f"/me?article={article.id}"):
        answer = fresh(app).get(path)
        assert answer.status_code == 200 and answer.get_json() == {}
        assert answer.headers["Cache-Control"] == "private, no-store" and "Cookie" in answer.headers["Vary"]
        assert "Set-Cookie" not in answer.headers


@pytest.mark.parametrize("cookie", ["forged.value.here", "eyJvd25fY29tbWVudHMiOlsxXX0.ZZZZZZ.bad", "%FF%00"])
def test_a_forged_session_cookie_gets_an_empty_answer_and_stops_the_asking(app, article, cookie):
    browser = fresh(app)
    browser.set_cookie("session", cookie)
    browser.set_cookie("me", "1")
    answer = browser.get(f"/me?article={article.id}")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert "me=;" in answer.headers["Set-Cookie"]  # the script's marker is cleared


def test_an_editor_whose_session_ended_gets_an_empty_answer(frozen_clock, app, admin_client, article):
    from datetime import timedelta

    frozen_clock.shift(timedelta(days=1))  # past every session limit
    assert admin_client.get(f"/me?article={article.id}").get_json() == {}


@pytest.mark.parametrize("raw", ["0", "-1", "2147483648", "99999999999999999999", "1x", "", "%FF", "1.0", " 1", "١"])
def test_an_article_that_cannot_exist_is_a_404_without_a_body(app, article, raw):
    for browser in (fresh(app), give_session(fresh(app))):
        answer = browser.get(f"/me?article={raw}")
        assert answer.status_code == 404 and answer.data == b""


def test_unknown_and_unpublished_articles_get_the_same_404(app, article, make_article):
    draft = make_article("Not yet", status=ArticleStatus.DRAFT)
    browser = give_session(fresh(app))
    answers = [browser.get(f"/me?article={number}") for number in (draft.id, article.id + 1000)]
    assert [(answer.status_code, answer.data, answer.headers["Cache-Control"]) for answer in answers] == \
           [(404, b"", "private, no-store")] * 2


def test_a_commenter_gets_their_held_comments_on_this_article_only_and_a_token_that_works(app, article, make_article):
    other = make_article("Elsewhere")
    mine, theirs, elsewhere = held_comment(article), held_comment(article, "Someone else's."), held_comment(other)
    browser = give_session(fresh(app), (mine.id, elsewhere.id))
    own = browser.get(f"/me?article={article.id}").get_json()
    assert set(own) == {"csrf_token", "issued", "comments"}
    assert f'id="comment-{mine.id}"' in own["comments"] and "My held words." in own["comments"]
    assert "Thank you. Your comment will appear once a moderator has approved it." in own["comments"]
    assert f"comment-{theirs.id}" not in own["comments"] and f"comment-{elsewhere.id}" not in own["comments"]
    page = browser.get("/articles/bridge-reopens").get_data(as_text=True)
    data = hidden_fields(page) | {"csrf_token": own["csrf_token"], "issued": own["issued"], "name": "Ann", "body": "With a token."}
    assert browser.post("/articles/bridge-reopens/comments", data=data, headers=FROM_OWN_PAGE).status_code == 302
    assert stored_comments()[-1].body_html == "<p>With a token.</p>"


def test_a_held_comment_is_escaped_as_it_is_on_the_page(app, article):
    comment = held_comment(article, "&lt;script&gt;alert(1)&lt;/script&gt;")
    own = give_session(fresh(app), (comment.id,)).get(f"/me?article={article.id}").get_json()
    assert "<script>" not in own["comments"] and "&lt;script&gt;" in own["comments"]


def test_the_newsroom_gets_its_bar_and_the_edit_link_where_it_may_edit(app, article, make_person):
    make_person("ed", Role.EDITOR, "Eddie Editor")
    make_person("wri", Role.WRITER, "Wanda Writer")
    editor, writer = signed_in_client(app, "ed"), signed_in_client(app, "wri")
    own = editor.get(f"/me?article={article.id}").get_json()
    assert f'<a href="/admin/articles/{article.id}/edit">Edit this article</a>' in own["bar"]
    assert "Signed in as Eddie Editor (editor)" in own["bar"] and own["script"].startswith("/static/editor.js")
    assert "Edit this article" not in editor.get("/me").get_json()["bar"]
    # A writer edits only their own drafts: the bar, without the link, on a published story.
    theirs = writer.get(f"/me?article={article.id}").get_json()
    assert "Signed in as Wanda Writer" in theirs["bar"] and "Edit this article" not in theirs["bar"]
    assert re.search(r'name="csrf_token" value="[^"]+"', theirs["bar"])  # signing out is a form


def test_the_marker_cookie_comes_and_goes_with_the_session(app, article):
    app.config["COMMENT_MODERATION"] = "all"
    browser = fresh(app)
    page = browser.get("/articles/bridge-reopens").get_data(as_text=True)
    answer = browser.post("/articles/bridge-reopens/comments", headers=FROM_OWN_PAGE,
                          data=hidden_fields(page) | {"name": "Ann", "body": "Held for now."})
    marker = browser.get_cookie("me")
    assert answer.status_code == 200 and marker is not None and marker.value == "1" and not marker.http_only
    assert browser.get_cookie("session").http_only


def test_signing_in_sets_the_marker_and_after_signing_out_the_first_me_clears_it(app, admin_client, article):
    assert admin_client.get_cookie("me").value == "1"  # set with the session at sign-in
    assert "bar" in admin_client.get(f"/me?article={article.id}").get_json()
    token = re.search(r'name="csrf_token" value="([^"]+)"', admin_client.get("/admin/").get_data(as_text=True))[1]
    admin_client.post("/admin/logout", data={"csrf_token": token}, follow_redirects=True)
    # The sign-in page keeps a session (its form's token), so the marker may stay until /me finds nothing.
    answer = admin_client.get(f"/me?article={article.id}")
    assert answer.get_json() == {} and admin_client.get_cookie("me") is None
