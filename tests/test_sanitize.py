"""The sanitizer on its own: every URL attribute read as a browser reads it, no empty or dead link.

These call the cleaners directly: Markdown rendering already refuses script schemes, so going
through it would pass with a weaker sanitizer.
"""

from __future__ import annotations

import threading

import pytest

from content.sanitize import allowed_url, resanitize_stored_comment, sanitize_article_html, sanitize_comment
from models import Comment, db
from tests.html_checks import dangerous_markup
from tests.test_comments import post_comment, stored_comments

SCRIPT_URLS = [
    "javascript:123", "JaVaScRiPt:0", "java\tscript:1", "java&#x09;script:1", "java&#10;script:1",
    "javascript&colon;1", "&#106;avascript:1", "&#x6A;avascript:1", "&#0000106avascript:1",
    "vbscript:1", "vbscript:80", "data:text/html,1", "DATA:text/html,<b>1</b>", " \x01javascript:1",
    "//example.org", "/\\example.org", "/\t/example.org", "",
]
REL = 'rel="nofollow ugc noopener noreferrer"'


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_a_comment_link_to_anything_but_the_web_or_mail_is_unwrapped_to_its_text(url):
    html = sanitize_comment(f'Before <a href="{url}">the text</a> after')
    assert html == "<p>Before the text after</p>"


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_an_article_link_or_picture_with_a_script_or_foreign_url_keeps_no_url(url):
    html = sanitize_article_html(f'<p>Before <a href="{url}">the text</a> <img src="{url}" alt="a map"> after</p>')
    assert html == "<p>Before the text  after</p>"


@pytest.mark.parametrize("url", ["/articles/x", "#top", "/articles/x?page=2#comments"])
def test_paths_and_fragments_on_this_site_stay_in_articles_but_not_in_comments(url):
    assert sanitize_article_html(f'<p><a href="{url}">here</a></p>') == f'<p><a href="{url}">here</a></p>'
    assert sanitize_article_html(f'<p><img src="{url}" alt="m"></p>') == f'<p><img src="{url}" alt="m"></p>'
    assert sanitize_comment(f'<a href="{url}">here</a>') == "<p>here</p>"


@pytest.mark.parametrize(("written", "kept"), [
    ("  https://example.org  ", "https://example.org"),
    ("HTTPS://example.org/a", "HTTPS://example.org/a"),
    ("mailto:a@example.org", "mailto:a@example.org"),
    ("http://exa\nmple.org/", "http://example.org/"),
])
def test_web_and_mail_links_stay_as_a_browser_reads_them(written, kept):
    assert sanitize_comment(f'<a href="{written}">x</a>') == f'<p><a href="{kept}" {REL}>x</a></p>'
    assert sanitize_article_html(f'<p><a href="{written}">x</a></p>') == f'<p><a href="{kept}">x</a></p>'


def test_an_ampersand_in_a_kept_url_is_written_so_the_browser_reads_one_ampersand():
    html = sanitize_comment('<a href="https://example.org/?a=1&amp;copy=2&b=3">x</a>')
    assert 'href="https://example.org/?a=1&amp;copy=2&amp;b=3"' in html


@pytest.mark.parametrize("inside", ["", " ", "\u200b", "<strong> </strong>", '<img src="/x.png">', '<img src="/x.png" alt=" ">'])
def test_a_link_that_shows_nothing_is_dropped(inside):
    assert sanitize_article_html(f'<p>Before <a href="https://example.org">{inside}</a>after</p>').count("<a") == 0
    assert "<a" not in sanitize_comment(f'Before <a href="https://example.org">{inside}</a> after')


def test_a_link_around_a_picture_with_alt_text_stays():
    html = sanitize_article_html('<p><a href="https://example.org"><img src="/map.png" alt="The route"></a></p>')
    assert html == '<p><a href="https://example.org"><img src="/map.png" alt="The route"></a></p>'


def test_a_picture_left_without_a_source_is_removed():
    assert sanitize_article_html('<p>A <img alt="map"> and <img src="javascript:1" alt="x"> there</p>') == \
        "<p>A  and  there</p>"


def test_a_link_without_an_address_is_unwrapped():
    assert sanitize_comment('<a name="x">anchor text</a>') == "<p>anchor text</p>"
    assert sanitize_article_html('<p><a title="t">anchor text</a></p>') == "<p>anchor text</p>"


def test_line_breaks_become_br_in_text_only_never_inside_an_attribute():
    html = sanitize_comment('One <a href="java\nscript:42">link</a>\nTwo\n\nThree')
    assert html == "<p>One link<br>Two</p><p>Three</p>"
    kept = sanitize_comment('<a href="https://example.org/\na">x</a>')
    assert kept == f'<p><a href="https://example.org/a" {REL}>x</a></p>'


def test_bare_urls_are_still_linkified_with_the_safe_rel():
    assert sanitize_comment("See example.org and https://example.org/a") == (
        f'<p>See <a href="http://example.org" {REL}>example.org</a> and '
        f'<a href="https://example.org/a" {REL}>https://example.org/a</a></p>')


def test_text_inside_pre_keeps_its_newlines_and_blocks_are_not_wrapped():
    assert sanitize_comment("Code:\n<pre>a = 1\nb = 2</pre>\n<blockquote>quoted\nline</blockquote>") == (
        "<p>Code:</p><pre>a = 1\nb = 2</pre><blockquote>quoted<br>line</blockquote>")


def test_allowed_url_is_the_one_check_with_two_policies():
    assert allowed_url("&#x6A;avascript:1") is None
    assert allowed_url("/a") is None and allowed_url("/a", on_site=True) == "/a"
    assert allowed_url("\x00 https://example.org \x1f") == "https://example.org"


def test_a_stored_comment_cleaned_again_loses_its_script_link_and_keeps_its_layout():
    stored = f'<p>Hi <a href="javascript:123" {REL}>there</a><br>next</p><p>Two\nlines</p>'
    assert resanitize_stored_comment(stored) == "<p>Hi there<br>next</p><p>Two\nlines</p>"


@pytest.mark.parametrize("url", ["javascript:123", "JaVaScRiPt:0", "&#106;avascript:77", "vbscript:80", "#x", "/x"])
def test_through_the_comment_form_no_script_link_is_stored_or_shown(client, make_article, url):
    make_article("Open thread")
    response = post_comment(client, "open-thread", body=f'Look <a href="{url}">here</a> now')
    [comment] = stored_comments()
    assert response.status_code == 302
    assert comment.body_html == "<p>Look here now</p>"
    page = client.get("/articles/open-thread").get_data(as_text=True)
    assert "Look here now" in page and dangerous_markup(comment.body_html) == []


def test_a_control_character_in_a_link_is_refused_by_the_form(client, make_article):
    make_article("Open thread")
    response = post_comment(client, "open-thread", body='<a href="java\x01script:1">x</a>')
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Comment)).first() is None


def test_each_thread_cleans_with_its_own_cleaner_and_gets_what_one_thread_gets():
    from concurrent.futures import ThreadPoolExecutor

    from content import sanitize

    bodies = [f"Line {n}, <b>bold</b> https://example.org/{n} <script>x()</script>\n\nNext {n}" for n in range(300)]
    alone = [sanitize.sanitize_comment(body) for body in bodies]
    start = threading.Barrier(8)

    def clean_all(offset: int):
        start.wait()  # all eight at once
        return [sanitize.sanitize_comment(body) for body in bodies[offset:] + bodies[:offset]], \
            id(sanitize._comment_cleaner.local.cleaner)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(clean_all, range(0, 300, 38)))
    for offset, (cleaned, _) in zip(range(0, 300, 38), answers, strict=True):
        assert cleaned == alone[offset:] + alone[:offset]
    assert len({cleaner for _, cleaner in answers}) == 8  # bleach's Cleaner is not thread-safe: none is shared
