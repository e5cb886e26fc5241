"""Comments through the real form and route: the flow, sanitizing, spam and flood rules, bad input."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from html import unescape

import pytest

from models import ArticleStatus, Comment, CommentStatus, RateLimit, db
from tests.conftest import BROWSER_AGENT
from tests.test_reader import text_of
from web.limiter import address_key


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the comment form (CSRF token and signed timestamp)."""
    form = html[html.index('id="comment-form"'):]
    return {name: unescape(value) for name, value in re.findall(r'<input id="\w+" name="(\w+)" type="hidden" value="([^"]*)"', form)}


def form_fields(client, page, address: str = "203.0.113.7") -> dict[str, str]:
    """The comment form's hidden fields as a reader's browser sends them: as the shared page drew them.

    A shared page carries no token, only a stamp of the time it was drawn; nothing needs fetching.
    """
    return hidden_fields(page.get_data(as_text=True))


# What a browser says of a form sent from one of the site's own pages.
FROM_OWN_PAGE = {"Sec-Fetch-Site": "same-origin"}


def post_comment(client, slug: str, name: str = "Ann Reader", body: str = "A thoughtful comment.",
                 address: str = "203.0.113.7", headers: dict | None = None, **extra):
    """GET the article as a reader would, then POST its form with these values, as a browser sends it."""
    page = client.get(f"/articles/{slug}", environ_base={"REMOTE_ADDR": address})
    data = {**form_fields(client, page, address), "name": name, "body": body, **extra}
    return client.post(f"/articles/{slug}/comments", data=data, environ_base={"REMOTE_ADDR": address},
                       headers=FROM_OWN_PAGE if headers is None else headers)


def stored_comments() -> list[Comment]:
    """Every comment row, oldest first."""
    db.session.expire_all()
    return list(db.session.execute(db.select(Comment).order_by(Comment.id)).scalars())


@pytest.fixture
def article(make_article):
    """A published article to comment on."""
    return make_article("Bridge reopens")


def textarea_text(response) -> str:
    """What the comment textarea holds on a returned form."""
    return unescape(re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', response.get_data(as_text=True), re.S)[1]).strip()


# --- The flow -------------------------------------------------------------------------------


def test_a_comment_is_stored_and_shown_after_a_redirect_to_its_anchor(client, article, make_article):
    assert "Be the first to comment." in text_of(client.get("/articles/bridge-reopens"))
    response = post_comment(client, "bridge-reopens", name="Ann  Reader", body="Glad it is open.\n\nSecond para.")
    [comment] = stored_comments()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/articles/bridge-reopens#comment-{comment.id}"
    assert (comment.author_name, comment.status) == ("Ann Reader", CommentStatus.VISIBLE)
    assert comment.body_html == "<p>Glad it is open.</p><p>Second para.</p>"
    page = client.get("/articles/bridge-reopens")
    assert f'id="comment-{comment.id}"' in page.get_data(as_text=True)
    assert "Ann Reader just now Glad it is open. Second para." in text_of(page)
    assert "Be the first to comment." not in text_of(page)
    assert "1 Comment " in text_of(client.get("/"))


def test_errors_keep_the_readers_text_next_to_each_field(client, article):
    response = post_comment(client, "bridge-reopens", name="", body="My words, kept.")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert textarea_text(response) == "My words, kept."
    assert '<p class="error" id="name-error">Please give a name.</p>' in html
    assert 'aria-describedby="name-error"' in html and 'aria-invalid="true"' in html
    assert stored_comments() == []


@pytest.mark.parametrize(("name", "body", "message"), [
    ("x" * 81, "Fine.", "Please keep the name to 80 characters."),
    ("Ann", "y" * 5001, "Please keep the comment to 5,000 characters."),
    ("Ann", "", "Please write a comment."),
    ("Ann", "   \n  ", "Please write a comment."),
    ("Ann", "<b></b><i> </i>", "Your comment is empty once markup is removed."),
    ("Ann\x00", "Fine.", "This field contains control characters"),
    ("Ann", "Nul\x00byte", "This field contains control characters"),
    ("Ann", "Bell\x07", "This field contains control characters"),
    ("Esc\x1b[31m", "Fine.", "This field contains control characters"),
])
def test_bad_fields_are_refused_with_a_message_and_nothing_is_stored(client, article, name, body, message):
    response = post_comment(client, "bridge-reopens", name=name, body=body)
    assert response.status_code == 400
    assert message in text_of(response)
    assert stored_comments() == []


def test_browser_line_ends_count_once_and_invisible_text_is_empty(client, article):
    assert post_comment(client, "bridge-reopens", body="ab\r\n" * 1666 + "ab").status_code == 302  # 5,000 with LF
    for name, body in (("\u200b\u200b", "Fine."), ("Ann", "\u200b\ufeff\u2060")):
        response = post_comment(client, "bridge-reopens", name=name, body=body, address="198.51.100.3")
        assert response.status_code == 400
    assert len(stored_comments()) == 1


def test_tabs_and_newlines_are_allowed(client, article):
    assert post_comment(client, "bridge-reopens", body="Line one\r\n\tLine two.").status_code == 302
    assert stored_comments()[0].body_html == "<p>Line one<br>\tLine two.</p>"


def test_invalid_utf8_is_refused(client, article):
    page = client.get("/articles/bridge-reopens")
    fields = form_fields(client, page)
    raw = "&".join(f"{k}={v}" for k, v in fields.items()) + "&name=%FF%FEAnn&body=ok%C3%28"
    response = client.post("/articles/bridge-reopens/comments", data=raw,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "The form contained bytes that are not valid text (UTF-8). Nothing was saved." in text_of(response)
    assert stored_comments() == []


def test_invalid_utf8_in_a_multipart_form_is_refused_by_the_field(client, article):
    page = client.get("/articles/bridge-reopens")
    fields = {**form_fields(client, page), "name": "Ann"}
    parts = [f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()]
    parts.append(b'--b\r\nContent-Disposition: form-data; name="body"\r\n\r\nok \xff\xfe text\r\n--b--\r\n')
    response = client.post("/articles/bridge-reopens/comments", data=b"".join(parts),
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400
    assert "This field contains bytes that are not valid text (UTF-8)." in text_of(response)
    assert stored_comments() == []


def test_a_body_over_max_content_length_gets_the_413_page(app, client, article):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = post_comment(client, "bridge-reopens", body="z" * 20_000)
    assert response.status_code == 413 and "Too large" in text_of(response)
    assert 'class="site-header"' in response.get_data(as_text=True)
    assert stored_comments() == []


@pytest.mark.parametrize("slug_status", ["missing", "draft", "scheduled"])
def test_comments_on_unknown_draft_or_scheduled_articles_are_404(frozen_clock, client, make_article, slug_status):
    if slug_status == "draft":
        make_article("Target", status=ArticleStatus.DRAFT)
    elif slug_status == "scheduled":
        make_article("Target", age=-timedelta(hours=3))
    response = client.post("/articles/target/comments", data={"name": "A", "body": "B"})
    assert response.status_code == 404 and "Page not found" in text_of(response)
    assert stored_comments() == []


# --- CSRF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["forged-token-value", "ImFiYyI.forged"])
def test_a_wrong_csrf_token_gets_the_400_page(client, article, token):
    page = client.get("/articles/bridge-reopens")
    data = {**form_fields(client, page), "name": "Ann", "body": "Sneaky.", "csrf_token": token}
    response = client.post("/articles/bridge-reopens/comments", data=data)
    assert response.status_code == 400
    page_text = text_of(response)
    assert "Bad request" in page_text and "did not come from this site" in page_text
    assert 'class="site-header"' in response.get_data(as_text=True)
    assert stored_comments() == []


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "http://localhost"},  # a browser without Sec-Fetch-Site
    {},  # no browser at all: nothing a page elsewhere could make it send
])
def test_the_first_send_without_javascript_is_stored(client, article, headers):
    # The shared page's form as drawn: no token, a stamp of the time the page was drawn.
    page = client.get("/articles/bridge-reopens")
    fields = hidden_fields(page.get_data(as_text=True))
    assert fields["csrf_token"] == "" and fields["issued"]
    response = client.post("/articles/bridge-reopens/comments", headers=headers,
                           data={**fields, "name": "Ann", "body": "Typed without scripts."})
    assert response.status_code == 302
    assert [comment.body_html for comment in stored_comments()] == ["<p>Typed without scripts.</p>"]
    assert "Set-Cookie" not in response.headers  # a visible comment leaves the reader without a session


@pytest.mark.parametrize("headers", [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},  # Sec-Fetch-Site decides
    {"Origin": "https://elsewhere.example"},
    {"Origin": "null"},
])
def test_a_form_another_site_makes_a_browser_send_is_refused(client, article, headers):
    page = client.get("/articles/bridge-reopens")
    data = {**hidden_fields(page.get_data(as_text=True)), "name": "Ann", "body": "Sent from elsewhere."}
    response = client.post("/articles/bridge-reopens/comments", headers=headers, data=data)
    assert response.status_code == 400 and "did not come from this site" in text_of(response)
    assert stored_comments() == []


def test_a_form_whose_session_was_lost_comes_back_with_the_text_and_goes_through_when_resent(app, article):
    app.config["COMMENT_MODERATION"] = "all"
    reader = app.test_client()
    post_comment(reader, "bridge-reopens", body="Held, so this browser has a session.")
    own = reader.get(f"/me?article={article.id}").get_json()  # the token the page's script puts in the form
    page = reader.get("/articles/bridge-reopens")
    data = {**form_fields(reader, page), "csrf_token": own["csrf_token"], "issued": own["issued"],
            "name": "Ann", "body": "Typed for ages."}
    reader.delete_cookie("session")  # the browser was restarted
    response = reader.post("/articles/bridge-reopens/comments", data=data, headers=FROM_OWN_PAGE)
    assert response.status_code == 400
    assert textarea_text(response) == "Typed for ages."
    assert "Please check your comment and send it again." in text_of(response)
    assert len(stored_comments()) == 1
    resent = {**hidden_fields(response.get_data(as_text=True)), "name": "Ann", "body": textarea_text(response)}
    assert reader.post("/articles/bridge-reopens/comments", data=resent, headers=FROM_OWN_PAGE).status_code == 200
    assert [comment.body_html for comment in stored_comments()][-1] == "<p>Typed for ages.</p>"


@pytest.mark.parametrize("slug", ["bridge-reopens%00", "bridge%0Areopens", "no-such-story"])
def test_a_comment_sent_to_an_address_no_article_has_is_a_404(client, article, slug):
    response = client.post(f"/articles/{slug}/comments", data={"name": "Ann", "body": "Hello."}, headers=FROM_OWN_PAGE)
    assert response.status_code == 404 and stored_comments() == []


def test_the_address_a_comment_went_to_leads_back_to_the_comments(client, article):
    response = client.get("/articles/bridge-reopens/comments")
    assert response.status_code == 301 and response.headers["Location"] == "/articles/bridge-reopens#comments"


# --- Spam: honeypot and timestamp -------------------------------------------------------------


def test_a_filled_honeypot_is_refused_quietly(client, article):
    response = post_comment(client, "bridge-reopens", citation_ref="555-0100")
    assert response.status_code == 302 and response.headers["Location"] == "/articles/bridge-reopens"
    assert stored_comments() == []
    page = client.get("/articles/bridge-reopens")
    assert "Be the first to comment." in text_of(page)
    assert 'class="flash' not in page.get_data(as_text=True)


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, article):
    html = client.get("/articles/bridge-reopens").get_data(as_text=True)
    trap = re.search(r'<div class="trap" aria-hidden="true">(.*?)</div>', html, re.S)[1]
    assert 'autocomplete="off"' in trap and 'tabindex="-1"' in trap and 'name="citation_ref"' in trap


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_MIN_SECONDS": 2}])
def test_a_form_sent_too_fast_comes_back_and_goes_through_when_resent(frozen_clock, client, article):
    response = post_comment(client, "bridge-reopens", body="Quick but human.")
    assert response.status_code == 400
    assert "That was quick. Please wait a moment and send it again; your text is kept." in text_of(response)
    assert textarea_text(response) == "Quick but human."
    assert stored_comments() == []
    frozen_clock.shift(timedelta(seconds=3))
    data = {**hidden_fields(response.get_data(as_text=True)), "name": "Ann", "body": textarea_text(response)}
    assert client.post("/articles/bridge-reopens/comments", data=data,
                       environ_base={"REMOTE_ADDR": "203.0.113.7"}).status_code == 302
    assert len(stored_comments()) == 1


# CSRF tokens are given longer here, so only the form's own timestamp can refuse the old form.
@pytest.mark.parametrize("settings_overrides", [{"COMMENT_MIN_SECONDS": 2, "WTF_CSRF_TIME_LIMIT": 3 * 86400}])
def test_a_form_older_than_a_day_comes_back_with_the_text(frozen_clock, client, article):
    page = client.get("/articles/bridge-reopens")
    data = {**form_fields(client, page), "name": "Ann", "body": "Slow thoughts."}
    frozen_clock.shift(timedelta(days=1, seconds=5))
    response = client.post("/articles/bridge-reopens/comments", data=data)
    assert response.status_code == 400
    assert textarea_text(response) == "Slow thoughts."
    assert "Please check your comment and send it again." in text_of(response)
    assert stored_comments() == []


def test_a_forged_timestamp_is_not_accepted(client, article):
    response = post_comment(client, "bridge-reopens", issued="1700000000")
    assert response.status_code == 400 and stored_comments() == []


# --- Floods: the rate limit ------------------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_RATE_LIMIT": "2 per minute, 4 per hour"}])
def test_the_rate_limit_answers_429_with_the_text_kept_and_when_to_retry(frozen_clock, client, article):
    for number in range(2):
        assert post_comment(client, "bridge-reopens", body=f"Comment {number}").status_code == 302
    response = post_comment(client, "bridge-reopens", body="One too many.")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "60"
    assert textarea_text(response) == "One too many."
    assert "Please wait 60 seconds and send it again." in text_of(response)
    assert post_comment(client, "bridge-reopens", body="Someone else.", address="198.51.100.9").status_code == 302
    frozen_clock.shift(timedelta(seconds=61))
    assert post_comment(client, "bridge-reopens", body="Later.").status_code == 302
    # The hourly rule still counts every try of the first address, the refused one included.
    refused = post_comment(client, "bridge-reopens", body="Hourly cap.")
    assert refused.status_code == 429 and "Please wait 59 minutes" in text_of(refused)
    assert [c.body_html for c in stored_comments()] == [
        "<p>Comment 0</p>", "<p>Comment 1</p>", "<p>Someone else.</p>", "<p>Later.</p>"]


def post_with_forwarded_for(client, slug: str, body: str, forwarded: str):
    """A comment from 203.0.113.7 whose requests claim to be forwarded for another address."""
    headers = {"X-Forwarded-For": forwarded}
    page = client.get(f"/articles/{slug}", environ_base={"REMOTE_ADDR": "203.0.113.7"}, headers=headers)
    data = {**form_fields(client, page), "name": "Ann", "body": body}
    return client.post(f"/articles/{slug}/comments", data=data, environ_base={"REMOTE_ADDR": "203.0.113.7"},
                       headers=headers)


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_RATE_LIMIT": "1 per minute"}])
def test_a_forged_forwarded_for_from_an_untrusted_client_does_not_move_the_limit(client, article):
    assert post_comment(client, "bridge-reopens", body="First").status_code == 302
    assert post_with_forwarded_for(client, "bridge-reopens", "Second", "192.0.2.55").status_code == 429
    assert len(stored_comments()) == 1


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_RATE_LIMIT": "1 per minute", "TRUSTED_PROXIES": "203.0.113.0/24"}])
def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit(client, article):
    assert post_with_forwarded_for(client, "bridge-reopens", "First", "192.0.2.55").status_code == 302
    assert post_with_forwarded_for(client, "bridge-reopens", "Second", "192.0.2.66").status_code == 302
    assert post_with_forwarded_for(client, "bridge-reopens", "Third", "6.6.6.6, 192.0.2.55").status_code == 429
    assert len(stored_comments()) == 2


@pytest.mark.parametrize(("address", "key"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    ("unknown", "unknown"),
])
def test_limits_count_per_address_and_per_ipv6_network(address, key):
    assert address_key(address) == key


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_RATE_LIMIT": "1 per minute"}])
def test_rotating_through_an_ipv6_network_does_not_escape_the_limit(client, article):
    assert post_comment(client, "bridge-reopens", body="One", address="2001:db8:1:2::1").status_code == 302
    assert post_comment(client, "bridge-reopens", body="Two", address="2001:db8:1:2::2").status_code == 429


# --- Duplicates --------------------------------------------------------------------------------


def test_the_same_text_again_within_ten_minutes_is_stored_once(frozen_clock, client, article, make_article):
    make_article("Other story")
    assert post_comment(client, "bridge-reopens", body="Same  words.").status_code == 302
    again = post_comment(client, "bridge-reopens", body="Same words.")
    assert again.status_code == 302 and again.headers["Location"] == "/articles/bridge-reopens#comments"
    assert post_comment(client, "other-story", body="Same words.").status_code == 302
    assert post_comment(client, "bridge-reopens", body="Same words.", address="198.51.100.9").status_code == 302
    frozen_clock.shift(timedelta(minutes=10, seconds=1))
    assert post_comment(client, "bridge-reopens", body="Same words.").status_code == 302
    assert len(stored_comments()) == 4


def test_two_racing_posts_of_the_same_text_store_one(app, article):
    readers = [app.test_client() for _ in range(6)]
    forms = []
    for reader in readers:
        page = reader.get("/articles/bridge-reopens", headers={"User-Agent": BROWSER_AGENT})
        forms.append({**form_fields(reader, page), "name": "Ann", "body": "Posted twice."})
    start = threading.Barrier(len(readers))

    def send(index):
        start.wait()
        return readers[index].post("/articles/bridge-reopens/comments", data=forms[index]).status_code

    with ThreadPoolExecutor(max_workers=len(readers)) as pool:
        statuses = list(pool.map(send, range(len(readers))))
    assert statuses == [302] * len(readers)
    assert len(stored_comments()) == 1


# --- Moderation --------------------------------------------------------------------------------


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_MODERATION": "links"}])
def test_comments_with_links_wait_and_only_their_author_sees_them(app, client, article):
    assert post_comment(client, "bridge-reopens", body="No link here.").status_code == 302
    response = post_comment(client, "bridge-reopens", body="See https://example.org/flood for more.")
    held = stored_comments()[-1]
    assert held.status == CommentStatus.PENDING
    # Told on the page the comment went to, without JavaScript: the answer is that page, as its author sees it.
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    held_item = re.search(rf'<li class="comment pending" id="comment-{held.id}">.*?</li>',
                          response.get_data(as_text=True), re.S)[0]
    assert "Thank you. Your comment will appear once a moderator has approved it." in held_item
    assert "See https://example.org/flood for more. " in text_of(response) + " "
    assert textarea_text(response) == ""  # sent: the form is empty again
    # The shared page shows it to nobody, its author included; their /me brings it to them alone.
    for reader in (client, app.test_client()):
        shared = reader.get("/articles/bridge-reopens", headers={"User-Agent": BROWSER_AGENT})
        assert "example.org/flood" not in text_of(shared) and "No link here." in text_of(shared)
    own = client.get(f"/me?article={article.id}").get_json()
    assert f'id="comment-{held.id}"' in own["comments"] and "awaiting moderation" in own["comments"]
    assert app.test_client().get(f"/me?article={article.id}").get_json() == {}
    assert "1 Comment " in text_of(client.get("/"))


@pytest.mark.parametrize(("settings_overrides", "promise"), [
    ({"COMMENT_MODERATION": "none"}, "bold, italic, links. Up to 5,000 characters. Leave this field empty"),
    ({"COMMENT_MODERATION": "links"}, "Comments with links appear once a moderator approves them."),
    ({"COMMENT_MODERATION": "all"}, "Comments appear once a moderator approves them."),
])
def test_the_form_says_what_moderation_will_do(client, article, promise):
    assert promise in text_of(client.get("/articles/bridge-reopens"))


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_MODERATION": "all"}])
def test_moderation_all_holds_every_comment_and_the_author_is_not_told_to_be_first(client, article):
    answer = text_of(post_comment(client, "bridge-reopens", body="Plain words."))
    assert stored_comments()[0].status == CommentStatus.PENDING
    assert "Plain words. " in answer + " " and "Be the first to comment." not in answer


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_MODERATION": "none"}])
def test_moderation_none_shows_links_at_once_with_safe_rel(client, article):
    post_comment(client, "bridge-reopens", body="Read <a href='https://example.org'>this</a> and www.example.com.")
    comment = stored_comments()[0]
    assert comment.status == CommentStatus.VISIBLE
    assert comment.body_html.count('rel="nofollow ugc noopener noreferrer"') == 2


# --- Concurrency -------------------------------------------------------------------------------


def test_fifty_readers_posting_at_once_all_get_stored(app, article):
    readers = [app.test_client() for _ in range(50)]
    forms = []
    for number, reader in enumerate(readers):
        page = reader.get("/articles/bridge-reopens", headers={"User-Agent": BROWSER_AGENT})
        forms.append({**form_fields(reader, page), "name": f"Reader {number}", "body": f"Comment {number}"})
    start = threading.Barrier(50)

    def send(index):
        start.wait()
        response = readers[index].post("/articles/bridge-reopens/comments", data=forms[index],
                                       environ_base={"REMOTE_ADDR": f"198.51.100.{index + 1}"})
        return response.status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(send, range(50)))
    assert statuses == [302] * 50
    assert sorted(c.author_name for c in stored_comments()) == sorted(f"Reader {n}" for n in range(50))


@pytest.mark.parametrize("settings_overrides", [{"COMMENT_RATE_LIMIT": "5 per minute"}])
def test_old_windows_are_swept_at_most_hourly_by_each_process(frozen_clock, client, article, count_queries):
    post_comment(client, "bridge-reopens", body="Sweeps, if due.")
    frozen_clock.shift(timedelta(minutes=59))
    with count_queries() as statements:
        post_comment(client, "bridge-reopens", body="Within the hour.")
    assert not [statement for statement in statements if statement.startswith("DELETE FROM rate_limits")]
    frozen_clock.shift(timedelta(minutes=1))
    with count_queries() as statements:
        post_comment(client, "bridge-reopens", body="An hour on.")
    assert len([statement for statement in statements if statement.startswith("DELETE FROM rate_limits")]) == 1


def test_old_limiter_windows_are_forgotten(frozen_clock, client, article):
    post_comment(client, "bridge-reopens", body="First.")
    frozen_clock.shift(timedelta(days=2))
    post_comment(client, "bridge-reopens", body="Second.", address="198.51.100.2")
    keys = db.session.execute(db.select(RateLimit.key)).scalars().all()
    assert keys and all("203.0.113.7" not in key for key in keys)
