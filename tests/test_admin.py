"""The newsroom: writing, previewing, publishing, scheduling, renaming, removing; moderating comments."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from content.text import now_utc
from models import Article, ArticleStatus, Category, Comment, CommentStatus, SlugRedirect, Tag, article_tags, db
from tests.conftest import BROWSER_AGENT, csrf_token_of
from tests.test_reader import article_titles, text_of

BODY = """The council approved the new North Korea trade office on Monday.

## What happens next

The North Korea office opens in June. Officials said the North Korea talks would resume.
"""


def article_fields(**overrides) -> dict:
    """A complete, valid article form."""
    fields = {"title": "Trade office approved", "slug": "", "category": "Politics", "new_category": "y",
              "tags": "trade, City Council", "summary": "", "body": BODY, "status": "published", "published_at": ""}
    return fields | overrides


def submit(client, url: str, action: str = "save", **fields):
    """Open the form at url and send it with these fields and this button."""
    token = csrf_token_of(client.get(url))
    return client.post(url, data={"csrf_token": token, "action": action, **article_fields(**fields)})


def only_article() -> Article:
    """The one article in the database, freshly read."""
    db.session.expire_all()
    return db.session.execute(db.select(Article)).scalar_one()


def reader():
    """An anonymous reader's browser on the same app."""
    from flask import current_app

    client = current_app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    return client


# --- Writing and publishing --------------------------------------------------------------------------


def test_a_published_article_appears_on_home_category_and_tag_pages(frozen_clock, admin_client):
    response = submit(admin_client, "/admin/articles/new")
    article = only_article()
    assert response.headers["Location"] == f"/admin/articles/{article.id}/edit"
    assert (article.slug, article.status, article.published_at) == (
        "trade-office-approved", ArticleStatus.PUBLISHED, now_utc())
    assert sorted(tag.name for tag in article.tags) == ["City Council", "trade"]
    assert "<h2>What happens next</h2>" in article.body_html
    edit_page = admin_client.get(response.headers["Location"])
    assert "Saved. The article is published." in text_of(edit_page)
    visitor = reader()
    assert article_titles(visitor.get("/")) == ["Trade office approved"]
    assert article_titles(visitor.get("/categories/politics")) == ["Trade office approved"]
    assert article_titles(visitor.get("/tags/city-council")) == ["Trade office approved"]
    page = text_of(visitor.get("/articles/trade-office-approved"))
    assert "Politics Trade office approved Published just now · 10 March 2026 0 Reads City Council trade" in page
    assert visitor.get(f"/reads/{article.id}").get_json()["label"] == "1 Read"  # what the page's script shows
    assert "Updated" not in page


def test_the_body_is_stored_as_typed_indented_code_included(admin_client):
    body = "    $ make install\r\n    $ make test\r\n\r\nThe steps above build it."
    saved = submit(admin_client, "/admin/articles/new", body="\r\n" + body + "\r\n\r\n")
    article = only_article()
    assert article.body_source == body.replace("\r\n", "\n")
    assert "<pre><code>$ make install\n$ make test\n</code></pre>" in article.body_html
    form = admin_client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "    $ make install" in form  # the edit form shows it unchanged


def test_a_draft_stays_hidden_from_readers(admin_client):
    submit(admin_client, "/admin/articles/new", status="draft")
    assert only_article().published_at is None
    assert reader().get("/articles/trade-office-approved").status_code == 404
    assert "Draft" in text_of(admin_client.get("/admin/"))


def test_a_scheduled_article_appears_when_the_clock_passes_its_time(frozen_clock, app, admin_client):
    app.config["TIMEZONE"] = __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    # 10 March 2026 12:00 UTC is 13:00 in Berlin; schedule for 15:30 Berlin = 14:30 UTC.
    response = submit(admin_client, "/admin/articles/new", published_at="2026-03-10T15:30")
    assert "scheduled" in text_of(admin_client.get(response.headers["Location"]))
    assert only_article().published_at.isoformat() == "2026-03-10T14:30:00+00:00"
    visitor = reader()
    assert visitor.get("/articles/trade-office-approved").status_code == 404
    assert article_titles(visitor.get("/")) == []
    frozen_clock.shift(timedelta(hours=2, minutes=30, seconds=1))
    assert article_titles(visitor.get("/")) == ["Trade office approved"]
    assert visitor.get("/articles/trade-office-approved").status_code == 200


def test_validation_errors_keep_what_was_typed(admin_client):
    response = submit(admin_client, "/admin/articles/new", title="", body="Typed body stays.", slug="Not A Slug")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please give a title." in html and "Typed body stays." in html
    assert "Use lowercase words joined by hyphens, such as &#39;not-a-slug&#39;." in html
    assert db.session.execute(db.select(db.func.count(Article.id))).scalar_one() == 0


def test_a_clashing_slug_gets_a_suffix_or_an_error(admin_client, make_article):
    make_article("Trade office approved")
    submit(admin_client, "/admin/articles/new")
    slugs = db.session.execute(db.select(Article.slug).order_by(Article.id)).scalars().all()
    assert slugs == ["trade-office-approved", "trade-office-approved-2"]
    taken = submit(admin_client, "/admin/articles/new", slug="trade-office-approved")
    assert taken.status_code == 400 and "Another article uses (or once used) this address." in text_of(taken)


def test_a_new_category_can_be_typed_and_existing_ones_are_offered(admin_client, make_article):
    make_article("Old", category="Sport")
    page = admin_client.get("/admin/articles/new").get_data(as_text=True)
    assert '<option value="Sport">' in page
    submit(admin_client, "/admin/articles/new", category="Science")
    db.session.expire_all()
    assert db.session.execute(db.select(Article.id).where(Article.slug == "trade-office-approved")).scalar()
    assert article_titles(reader().get("/categories/science")) == ["Trade office approved"]


# --- Preview, checks, suggestions --------------------------------------------------------------------------


def test_preview_shows_the_reader_page_with_a_banner_and_saves_nothing(admin_client):
    response = submit(admin_client, "/admin/articles/new", action="preview", tags="brand new tag")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview. This is how readers will see the article; nothing is saved yet." in text_of(response)
    assert '<h1 class="article-title">Trade office approved</h1>' in html and "<h2>What happens next</h2>" in html
    assert html.count("<h1") == 1
    assert "<body>" in html  # the reader's column width, not the newsroom's wide one
    assert db.session.execute(db.select(db.func.count(Article.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count(Tag.id))).scalar_one() == 0
    continued = admin_client.post("/admin/articles/new", data={
        "csrf_token": csrf_token_of(response), "action": "edit", **article_fields(tags="brand new tag")})
    assert continued.status_code == 200 and "brand new tag" in continued.get_data(as_text=True)
    assert "north korea" in text_of(continued)  # suggestions beside the tags after preview


def test_the_previewed_page_has_an_empty_comment_form(admin_client):
    preview = submit(admin_client, "/admin/articles/new", action="preview")
    textarea = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', preview.get_data(as_text=True), re.S)
    assert textarea.group(1).strip() == ""


def test_clearing_the_time_of_a_scheduled_article_publishes_it_now(frozen_clock, admin_client):
    submit(admin_client, "/admin/articles/new", published_at="2026-03-12T09:00")
    article = only_article()
    assert not article.is_live
    submit(admin_client, f"/admin/articles/{article.id}/edit", published_at="")
    assert only_article().published_at == now_utc() and only_article().is_live
    frozen_clock.shift(timedelta(hours=1))
    submit(admin_client, f"/admin/articles/{article.id}/edit", published_at="", title="Edited later")
    assert only_article().published_at == now_utc() - timedelta(hours=1)  # a live article keeps its time


def test_preview_of_an_existing_article_leaves_it_unchanged(admin_client):
    submit(admin_client, "/admin/articles/new")
    article = only_article()
    url = f"/admin/articles/{article.id}/edit"
    preview = submit(admin_client, url, action="preview", title="A different title", slug="different")
    assert "A different title" in text_of(preview)
    again = only_article()
    assert (again.title, again.slug) == ("Trade office approved", "trade-office-approved")
    assert db.session.execute(db.select(db.func.count(SlugRedirect.old_slug))).scalar_one() == 0


def test_editorial_warnings_show_on_preview_and_after_save_without_blocking(admin_client):
    body = "The mayor said the bridge would\n\n## Empty heading\n\n## Next\n\nDone."
    preview = submit(admin_client, "/admin/articles/new", action="preview", body=body)
    assert "stops mid-sentence" in text_of(preview) and "Empty heading" in text_of(preview)
    saved = submit(admin_client, "/admin/articles/new", body=body)
    assert saved.status_code == 302 and only_article().status == ArticleStatus.PUBLISHED
    page = text_of(admin_client.get(saved.headers["Location"]))
    assert "Editorial checks" in page and "stops mid-sentence" in page and "summary" in page.lower()


def test_tag_suggestions_show_after_save_and_prefer_existing_tags(admin_client, make_article):
    make_article("Elsewhere", tags=("North Korea",))
    saved = submit(admin_client, "/admin/articles/new", tags="trade")
    page = admin_client.get(saved.headers["Location"]).get_data(as_text=True)
    suggestions = re.findall(r'data-tag="([^"]+)"', page)
    assert suggestions[0] == "North Korea" and "trade" not in suggestions


def test_the_suggestion_endpoint_answers_json_and_needs_csrf(admin_client):
    token = csrf_token_of(admin_client.get("/admin/articles/new"))
    response = admin_client.post("/admin/tag-suggestions", json={"body": BODY, "tags": "office"},
                                 headers={"X-CSRFToken": token})
    assert response.is_json and "north korea" in response.json["suggestions"]
    assert "office" not in response.json["suggestions"]
    refused = admin_client.post("/admin/tag-suggestions", json={"body": BODY})
    assert refused.status_code == 400


def test_a_summary_is_offered_but_an_empty_one_stays_empty(admin_client):
    saved = submit(admin_client, "/admin/articles/new", summary="")
    assert only_article().summary == ""
    page = text_of(admin_client.get(saved.headers["Location"]))
    assert "A summary you could start from: The council approved the new North Korea trade office" in page


# --- Changing and removing ------------------------------------------------------------------------------


def test_renaming_a_published_article_keeps_its_old_address_as_a_301(admin_client):
    submit(admin_client, "/admin/articles/new")
    article = only_article()
    submit(admin_client, f"/admin/articles/{article.id}/edit", slug="trade-office-opens")
    visitor = reader()
    old = visitor.get("/articles/trade-office-approved")
    assert old.status_code == 301 and old.headers["Location"] == "/articles/trade-office-opens"
    assert visitor.get("/articles/trade-office-opens").status_code == 200
    submit(admin_client, f"/admin/articles/{article.id}/edit", slug="trade-office-approved")  # renamed back
    assert visitor.get("/articles/trade-office-approved").status_code == 200
    assert visitor.get("/articles/trade-office-opens").headers["Location"] == "/articles/trade-office-approved"


def test_tag_pages_follow_publishing_unpublishing_and_retagging(frozen_clock, admin_client, make_article):
    make_article("Older trade story", tags=("trade",), age=timedelta(days=1))
    submit(admin_client, "/admin/articles/new", tags="trade")
    article = only_article_titled("Trade office approved")
    visitor = reader()
    assert article_titles(visitor.get("/tags/trade")) == ["Trade office approved", "Older trade story"]
    submit(admin_client, f"/admin/articles/{article.id}/edit", tags="trade", status="draft")
    assert article_titles(visitor.get("/tags/trade")) == ["Older trade story"]
    submit(admin_client, f"/admin/articles/{article.id}/edit", tags="trade", published_at="2026-03-08T12:00")
    assert article_titles(visitor.get("/tags/trade")) == ["Older trade story", "Trade office approved"]
    submit(admin_client, f"/admin/articles/{article.id}/edit", tags="harbour", published_at="2026-03-08T12:00")
    assert article_titles(visitor.get("/tags/trade")) == ["Older trade story"]
    assert article_titles(visitor.get("/tags/harbour")) == ["Trade office approved"]
    assert "harbour (1)" in text_of(visitor.get("/tags")) and "trade (1)" in text_of(visitor.get("/tags"))


def only_article_titled(title: str) -> Article:
    """The article with this title, freshly read."""
    db.session.expire_all()
    return db.session.execute(db.select(Article).filter_by(title=title)).scalar_one()


def test_unpublish_takes_it_off_the_site(admin_client):
    submit(admin_client, "/admin/articles/new")
    article = only_article()
    token = csrf_token_of(admin_client.get(f"/admin/articles/{article.id}/edit"))
    response = admin_client.post(f"/admin/articles/{article.id}/unpublish", data={"csrf_token": token})
    assert response.status_code == 302 and only_article().status == ArticleStatus.DRAFT
    assert reader().get("/articles/trade-office-approved").status_code == 404


def test_delete_asks_then_removes_comments_links_and_tags_no_article_uses(admin_client, make_article, make_comment):
    keeper = make_article("Keeper", tags=("trade",))
    submit(admin_client, "/admin/articles/new", tags="trade, lonely")
    doomed = db.session.execute(db.select(Article).filter_by(slug="trade-office-approved")).scalar_one()
    make_comment(doomed, "Goes with it")
    confirm = admin_client.get(f"/admin/articles/{doomed.id}/delete")
    assert "will be deleted for good" in text_of(confirm) and "1 comment" in text_of(confirm)
    assert db.session.get(Article, doomed.id) is not None  # asking deletes nothing
    response = admin_client.post(f"/admin/articles/{doomed.id}/delete", data={"csrf_token": csrf_token_of(confirm)})
    assert response.headers["Location"] == "/admin/"
    db.session.expire_all()
    assert db.session.execute(db.select(Article.slug)).scalars().all() == ["keeper"]
    assert db.session.execute(db.select(db.func.count(Comment.id))).scalar_one() == 0
    assert db.session.execute(db.select(db.func.count()).select_from(article_tags)).scalar_one() == 1
    assert sorted(db.session.execute(db.select(Tag.name)).scalars()) == ["trade"]  # "lonely" had no other article
    assert reader().get("/tags/lonely").status_code == 404
    assert keeper.id and article_titles(reader().get("/tags/trade")) == ["Keeper"]


# --- The list ---------------------------------------------------------------------------------------------


def test_the_list_filters_by_status_and_pages(frozen_clock, admin_client, make_article):
    make_article("Live one")
    make_article("A draft", status=ArticleStatus.DRAFT)
    make_article("Later", age=-timedelta(days=1))
    for number in range(30):
        make_article(f"Old {number:02d}", age=timedelta(days=number + 2))
    first = text_of(admin_client.get("/admin/"))
    assert "Page 1 of 2" in first and first.index("Later") < first.index("Live one")
    drafts = text_of(admin_client.get("/admin/?status=draft"))
    assert "A draft" in drafts and "Live one" not in drafts
    scheduled = text_of(admin_client.get("/admin/?status=scheduled"))
    assert "Later" in scheduled and "Scheduled" in scheduled and "Live one" not in scheduled
    assert "Old 29" in text_of(admin_client.get("/admin/?page=2"))
    assert admin_client.get("/admin/?page=9").status_code == 404


# --- Comment moderation --------------------------------------------------------------------------------------


@pytest.fixture
def comments(make_article, make_comment):
    """One article with a visible, a hidden and two pending comments."""
    article = make_article("Discussed")
    made = {
        "visible": make_comment(article, "Visible words", status=CommentStatus.VISIBLE),
        "hidden": make_comment(article, "Hidden words", status=CommentStatus.HIDDEN),
        "pending1": make_comment(article, "Pending one", status=CommentStatus.PENDING),
        "pending2": make_comment(article, "Pending two", status=CommentStatus.PENDING),
    }
    return {name: comment.id for name, comment in made.items()}


def status_of(comment_id: int) -> str | None:
    """A comment's status in the database, None once deleted."""
    db.session.expire_all()
    return db.session.execute(db.select(Comment.status).filter_by(id=comment_id)).scalar()


def test_moderation_lists_pending_first_and_counts_them_in_the_navigation(admin_client, comments):
    page = text_of(admin_client.get("/admin/comments"))
    assert "Comments 2 pending" in page
    order = [page.index(words) for words in ("Pending two", "Pending one", "Visible words", "Hidden words")]
    assert order == sorted(order)
    assert 'href="/articles/discussed#comment-' in admin_client.get("/admin/comments").get_data(as_text=True)


def test_approve_hide_and_delete_one_at_a_time(admin_client, comments):
    page = admin_client.get("/admin/comments")
    token = csrf_token_of(page)
    admin_client.post("/admin/comments", data={"csrf_token": token, "one": f"approve:{comments['pending1']}"})
    admin_client.post("/admin/comments", data={"csrf_token": token, "one": f"hide:{comments['visible']}"})
    response = admin_client.post("/admin/comments", data={"csrf_token": token, "one": f"delete:{comments['hidden']}"})
    assert "1 comment deleted." in text_of(admin_client.get(response.headers["Location"]))
    assert status_of(comments["pending1"]) == CommentStatus.VISIBLE
    assert status_of(comments["visible"]) == CommentStatus.HIDDEN
    assert status_of(comments["hidden"]) is None
    visible_to_readers = text_of(reader().get("/articles/discussed"))
    assert "Pending one" in visible_to_readers and "Visible words" not in visible_to_readers


def test_bulk_actions_apply_to_the_ticked_comments(admin_client, comments):
    token = csrf_token_of(admin_client.get("/admin/comments"))
    ticked = [comments["pending1"], comments["pending2"]]
    response = admin_client.post("/admin/comments", data={"csrf_token": token, "action": "approve", "ids": ticked})
    assert "2 comments approved." in text_of(admin_client.get(response.headers["Location"]))
    assert status_of(comments["pending1"]) == status_of(comments["pending2"]) == CommentStatus.VISIBLE
    assert "pending" not in text_of(admin_client.get("/admin/comments")).split("Comments")[1][:20]
    nothing = admin_client.post("/admin/comments", data={"csrf_token": token, "action": "hide"})
    assert "Tick at least one comment" in text_of(admin_client.get(nothing.headers["Location"]))


# --- Tag rules, unused tags and suggestions ---------------------------------------------------------------


def test_the_form_names_each_refused_tag_and_why_and_keeps_what_was_typed(admin_client):
    response = submit(admin_client, "/admin/articles/new", tags="a, b, #sport, 2024, 株")
    page = text_of(response)
    assert response.status_code == 400
    assert "Refused these tags:" in page
    assert "“a”: a tag needs at least 2 characters" in page and "“b”: a tag needs at least 2 characters" in page
    assert "“2024”: a tag needs a letter, not only digits or punctuation" in page
    assert "sport" not in page.split("Refused these tags:")[1] and "株”" not in page
    assert 'value="a, b, #sport, 2024, 株"' in response.get_data(as_text=True)
    assert db.session.execute(db.select(Article)).first() is None


def test_a_leading_hash_is_dropped_and_one_chinese_character_is_a_tag(admin_client):
    submit(admin_client, "/admin/articles/new", tags="#sport, 株, ##Tokyo")
    assert [tag.name for tag in only_article().tags] == ["sport", "Tokyo", "株"]


def test_retagging_an_article_deletes_the_tags_no_article_uses_any_more(admin_client, make_article):
    make_article("Other", tags=("trade",))
    submit(admin_client, "/admin/articles/new", tags="trade, lonely")
    article = db.session.execute(db.select(Article).filter_by(slug="trade-office-approved")).scalar_one()
    submit(admin_client, f"/admin/articles/{article.id}/edit", tags="trade, fresh")
    db.session.expire_all()
    assert sorted(db.session.execute(db.select(Tag.name)).scalars()) == ["fresh", "trade"]


def suggestions_for(client, body: str) -> list[str]:
    """What the suggestion endpoint offers for a body."""
    token = csrf_token_of(client.get("/admin/articles/new"))
    return client.post("/admin/tag-suggestions", json={"body": body, "tags": ""},
                       headers={"X-CSRFToken": token}).json["suggestions"]


def test_suggestions_offer_tags_of_published_articles_not_draft_only_or_refused_ones(admin_client, make_article):
    make_article("Live", tags=("harbour",))
    make_article("Draft", tags=("zeppelin",), status=ArticleStatus.DRAFT)
    # A one-letter tag from before the rules: a word in every body, it must never be offered.
    make_article("Old", tags=())
    db.session.execute(db.insert(Tag).values(name="a", slug="a"))
    db.session.execute(db.insert(article_tags).values(article_id=3, tag_id=db.select(Tag.id).filter_by(slug="a")
                                                      .scalar_subquery(), listed_at=now_utc() - timedelta(hours=1)))
    db.session.commit()
    offered = suggestions_for(admin_client, "The harbour opened a zeppelin hangar on Monday.")
    assert offered[0] == "harbour"
    assert "zeppelin" not in offered and "a" not in offered
    # The body naming the draft's tag often enough proposes it on its own merit.
    assert "zeppelin" in suggestions_for(admin_client, "A zeppelin landed. The zeppelin left. Zeppelin fans cheered.")


# --- A new category is confirmed --------------------------------------------------------------------------


def test_a_category_that_does_not_exist_yet_must_be_confirmed(admin_client, make_article):
    make_article("Existing", category="Politics")
    asked = submit(admin_client, "/admin/articles/new", category="Créé", new_category="")
    assert asked.status_code == 400
    assert "“Créé” is not a category yet. Check its spelling, or tick “Create it as a new category”" in text_of(asked)
    assert 'name="new_category"' in asked.get_data(as_text=True)
    assert db.session.execute(db.select(Article.title)).scalars().all() == ["Existing"]
    # An existing category, in any spelling of its name, needs no confirmation.
    assert submit(admin_client, "/admin/articles/new", category="POLITICS", new_category="").status_code == 302
    confirmed = submit(admin_client, "/admin/articles/new", title="Second", category="Créé", new_category="y")
    assert confirmed.status_code == 302
    assert sorted(db.session.execute(db.select(Category.name)).scalars()) == ["Créé", "Politics"]


def test_the_category_question_comes_with_the_other_errors(admin_client):
    asked = submit(admin_client, "/admin/articles/new", category="Créé", new_category="", tags="a")
    assert "“Créé” is not a category yet." in text_of(asked) and "“a”: a tag needs at least 2 characters" in text_of(asked)


def test_the_confirmation_box_is_not_shown_for_an_existing_category(admin_client, make_article):
    make_article("Existing", category="Politics")
    assert 'name="new_category"' not in admin_client.get("/admin/articles/new").get_data(as_text=True)


def test_editorial_checks_read_relative_dates_from_the_publication_time(admin_client):
    body = ("Last Tuesday the school board in Oakhurst voted to close the Station Road site.\n\n"
            "On 3 March the Oakhurst school board voted to close the site on Station Road.")
    preview = submit(admin_client, "/admin/articles/new", action="preview", body=body, published_at="2026-05-20T09:00")
    assert "Paragraph 2 (line 3) gives 3 March for what looks like the event" in text_of(preview)
    # Published on 4 March, "last Tuesday" can be 3 March: the dates agree.
    agreeing = submit(admin_client, "/admin/articles/new", action="preview", body=body, published_at="2026-03-04T09:00")
    assert "gives 3 March" not in text_of(agreeing) and "says again in other words" in text_of(agreeing)
