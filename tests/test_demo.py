"""The demo: loaded when asked or once on a brand-new site, and removed without touching what people made."""

from __future__ import annotations

import pytest

from models import Article, Category, Comment, CommentStatus, DemoRow, Tag, User, db
from tests.conftest import ADMIN_PASSWORD


def count(model) -> int:
    """Rows in the model's table."""
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def every_count() -> dict[str, int]:
    """Rows in each table the demo touches."""
    return {model.__name__: count(model) for model in (Article, Comment, User, Tag, Category, DemoRow)}


def test_a_brand_new_site_is_offered_the_demo_once_and_never_again(runner):
    first = runner.invoke(args=["demo", "--first-run"])
    assert "Added 12 demo articles." in first.output and count(Article) == 12
    assert runner.invoke(args=["remove-demo"]).exit_code == 0 and count(Article) == 0
    again = runner.invoke(args=["demo", "--first-run"])  # the next `make run` of the emptied site
    assert (again.exit_code, again.output, count(Article)) == (0, "", 0)


def test_a_site_set_up_without_the_demo_never_gets_it_from_make_run(runner):
    assert runner.invoke(args=["init-db", "--without-demo"]).exit_code == 0
    assert runner.invoke(args=["demo", "--first-run"]).output == "" and count(Article) == 0
    asked = runner.invoke(args=["demo"])  # asked for by name, it still comes
    assert "Added 12 demo articles." in asked.output


def test_a_site_with_articles_is_never_given_the_demo(runner, make_article):
    make_article("The newsroom's first story")
    assert runner.invoke(args=["demo", "--first-run"]).output == ""
    refused = runner.invoke(args=["demo"])
    assert "The site already has articles; the demo is only loaded into a site without any." in refused.output
    assert count(Article) == 1 and count(DemoRow) == 0


@pytest.fixture
def mixed_site(app, runner, make_article, make_person, make_comment):
    """The demo, and beside it what a newsroom made: an editor, a story with a demo tag and a category of
    its own, a story by a demo reporter in a demo category, and a reader's comment."""
    runner.invoke(args=["demo"])
    make_person("editor-login", role="editor", display_name="Ruth Okafor")
    own = make_article("Ferry timetable changes", category="Transport", tags=("transport", "ferries"))
    make_comment(own, "Good to know.", status=CommentStatus.VISIBLE)
    borrowed = make_article("A reporter stays on", category="Politics", authors=(User.by_display_name("Priya Raman"),))
    return own, borrowed


def test_removing_the_demo_removes_exactly_what_it_added(client, runner, mixed_site):
    own, borrowed = mixed_site
    result = runner.invoke(args=["remove-demo"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "Removed 12 demo articles, 15 comments, 2 demo reporters, 25 tags and 5 categories.",
        "Kept Priya Raman: an article the demo did not add names them in its byline.",
    ]
    db.session.expire_all()
    assert {article.title for article in db.session.execute(db.select(Article)).scalars()} == {
        "Ferry timetable changes", "A reporter stays on"}
    assert count(Comment) == 1 and count(DemoRow) == 0
    assert {tag.name for tag in db.session.execute(db.select(Tag)).scalars()} == {"transport", "ferries"}
    assert {category.name for category in db.session.execute(db.select(Category)).scalars()} == {"Transport", "Politics"}
    assert {user.display_name for user in db.session.execute(db.select(User)).scalars()} == {"Ruth Okafor", "Priya Raman"}
    home = client.get("/").get_data(as_text=True)
    assert "Ferry timetable changes" in home and "Calderwick" not in home
    assert client.get("/authors/morag-keane").status_code == 404
    assert "No published article matches every word of “Calderwick”." in client.get("/search?q=Calderwick").get_data(as_text=True)


def test_removing_the_demo_from_a_site_without_it_changes_nothing(runner, make_article, make_person):
    make_article("The newsroom's first story", tags=("harbour",))
    make_person("editor-login", role="editor", display_name="Ruth Okafor")
    before = every_count()
    result = runner.invoke(args=["remove-demo"])
    assert (result.exit_code, result.output) == (0, "The site holds no demo content; nothing was changed.\n")
    assert every_count() == before


def test_the_demo_s_reporters_can_never_sign_in(app, runner):
    from tests.conftest import sign_in

    runner.invoke(args=["demo"])
    reporter = User.by_display_name("Morag Keane")
    assert sign_in(app.test_client(), reporter.username, ADMIN_PASSWORD).status_code != 302
