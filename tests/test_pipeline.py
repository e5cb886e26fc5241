"""The write pipeline: what follows a flush or a bulk statement, in its stated order, in the same transaction."""

from __future__ import annotations

from sqlalchemy import event, select, update

from models import Article, ArticleStatus, Comment, CommentStatus, SiteVersion, Tag, article_tags, changed_in_bulk, db
from services import pipeline, search
from tests.test_reader import text_of


def version() -> int:
    """The site version as stored now."""
    return SiteVersion.current()[0]


def found(client, words: str) -> list[str]:
    """The titles a reader's search for these words shows."""
    return [hit.article.title for hit in search.search(search.read_query(words)).hits]


def test_a_save_runs_listing_times_then_search_then_site_version(app, make_article, count_queries):
    article = make_article("Harbour dues rise", tags=("harbour",))
    seen = []
    with count_queries() as recorded:
        article.title = "Harbour dues rise again"
        db.session.commit()
    statements = [statement.lower() for statement in recorded]
    for step, marker in (("listing times", "update article_tags set listed_at"),
                         ("search", "search_"), ("site version", "update site_version")):
        positions = [number for number, statement in enumerate(statements) if marker in statement]
        assert positions, f"the {step} step ran no statement"
        seen.append((min(positions), step))
    assert [step for _, step in sorted(seen)] == ["listing times", "search", "site version"]


def test_a_tag_merge_done_in_bulk_reaches_search_and_the_site_version(client, make_article):
    make_article("Timetable changes", tags=("ferries",))
    make_article("Shipyard orders", tags=("shipping",))
    before = version()
    assert "Timetable changes" not in text_of(client.get("/tags/shipping"))  # kept as the shared page
    Tag.by_slug("ferries").merge_into(Tag.by_slug("shipping"))
    db.session.commit()
    assert version() == before + 1
    assert sorted(found(client, "shipping")) == ["Shipyard orders", "Timetable changes"]
    assert found(client, "ferries") == []
    assert "Timetable changes" in text_of(client.get("/tags/shipping"))


def test_a_transaction_of_bulk_statements_alone_moves_the_site_version_once(app, make_article, make_comment):
    article = make_article("Bridge closes")
    first = make_comment(article, "Held one.", status=CommentStatus.PENDING)
    second = make_comment(article, "Held two.", status=CommentStatus.PENDING)
    before = version()
    for comment in (first, second):
        db.session.execute(update(Comment).where(Comment.id == comment.id).values(status=CommentStatus.VISIBLE))
        changed_in_bulk(db.session, [Comment.__tablename__])
    db.session.commit()
    assert version() == before + 1


def test_a_bulk_change_rolled_back_moves_nothing_and_is_forgotten(app, make_article):
    article = make_article("Quay repairs", status=ArticleStatus.DRAFT)
    before = version()
    db.session.execute(update(Article).where(Article.id == article.id).values(title="Changed"))
    changed_in_bulk(db.session, [Article.__tablename__])
    db.session.rollback()
    db.session.commit()  # nothing left over from the rolled-back transaction follows here
    assert version() == before
    assert db.session.execute(select(Article.title).where(Article.id == article.id)).scalar_one() == "Quay repairs"


def test_a_bulk_change_to_tables_readers_never_see_keeps_the_version(app, make_article):
    make_article("Market day")
    before = version()
    changed_in_bulk(db.session, ["rate_limits"])
    db.session.commit()
    assert version() == before


def test_a_held_comment_moves_nothing_until_a_moderator_shows_or_hides_what_readers_saw(app, make_article):
    article = make_article("Market day")
    before = version()
    held = Comment(article_id=article.id, author_name="Ann", body_html="<p>Wait.</p>", status=CommentStatus.PENDING)
    db.session.add(held)
    db.session.commit()
    assert version() == before  # only its author sees it, by /me: every kept page stays good
    held.status = CommentStatus.VISIBLE
    db.session.commit()
    assert version() == before + 1
    held.status = CommentStatus.PENDING  # taken back off the page
    db.session.commit()
    assert version() == before + 2
    shown = Comment(article_id=article.id, author_name="Bo", body_html="<p>Now.</p>", status=CommentStatus.VISIBLE)
    db.session.add(shown)
    db.session.commit()
    assert version() == before + 3


def test_retagged_articles_said_in_bulk_are_indexed_with_their_new_tag_names(client, make_article):
    article = make_article("Lifeboat launch", tags=("rescue",))
    target = Tag.get_or_create_all(["coastguard"])[0]
    db.session.flush()
    db.session.execute(update(article_tags).where(article_tags.c.article_id == article.id).values(tag_id=target.id))
    changed_in_bulk(db.session, [article_tags.name], retagged=[article.id])
    db.session.commit()
    assert found(client, "coastguard") == ["Lifeboat launch"] and found(client, "rescue") == []


def test_the_pipeline_runs_once_per_flush_however_many_apps_were_made(app, make_article, count_queries):
    from app import create_app
    from tests.conftest import settings_for_tests

    create_app(settings_for_tests(app.instance_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]))
    article = make_article("Pier reopens", tags=("pier",))
    with count_queries() as recorded:
        article.title = "Pier reopens at last"
        db.session.commit()
    statements = [statement.lower() for statement in recorded]
    assert sum("update article_tags set listed_at" in statement for statement in statements) == 1
    assert sum("update site_version" in statement for statement in statements) == 1
    for name, handler in pipeline.HANDLERS:
        assert event.contains(db.session, name, handler)
