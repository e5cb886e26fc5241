"""When the database stops answering: kept pages still answer, everything else is a 503 page, never a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app import create_app
from content.text import now_utc
from models import Article, ArticleStatus, Category, db
from tests.conftest import BROWSER_AGENT, settings_for_tests
from tests.databases import on_postgresql
from tests.postgresql import throwaway_cluster

pytestmark = pytest.mark.skipif(on_postgresql(), reason=(
    "the PostgreSQL that stops is a cluster of this module's own in either run; make test runs it"))


@pytest.fixture
def site_on_a_cluster_that_stops(tmp_path, frozen_clock):
    """A site with one article on its own PostgreSQL cluster, its article page kept, and the cluster's stop."""
    with throwaway_cluster(tmp_path) as (url, stop):
        app = create_app(settings_for_tests(tmp_path / "instance", SQLALCHEMY_DATABASE_URI=url))
        with app.app_context():
            assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0
            article = Article(title="Flood defences hold", slug="flood-defences-hold", status=ArticleStatus.PUBLISHED,
                              category=Category.get_or_create("Local"), published_at=now_utc() - timedelta(days=2))
            article.set_body("The river stayed inside its banks.")
            db.session.add(article)
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
        assert client.get("/articles/flood-defences-hold").headers["X-Page-Cache"] == "miss"
        yield app, client, stop
        with app.app_context():
            db.engine.dispose()


def test_with_the_database_stopped_kept_pages_answer_and_the_rest_is_a_503_page(site_on_a_cluster_that_stops,
                                                                               frozen_clock):
    app, client, stop = site_on_a_cluster_that_stops
    stop()
    frozen_clock.shift(timedelta(seconds=5))  # past the once-a-second look at the site version

    kept = client.get("/articles/flood-defences-hold")
    assert kept.status_code == 200 and kept.headers["X-Page-Cache"] == "hit"
    assert "The river stayed inside its banks." in kept.get_data(as_text=True)

    for answer in (client.get("/"), client.get("/categories/local"), client.get("/search?q=river"),
                   client.post("/articles/flood-defences-hold/comments", data={"name": "Ann", "body": "Hello"})):
        page = answer.get_data(as_text=True)
        assert answer.status_code == 503, page
        assert "Back in a moment" in page and "your browser still has what you typed" in page
        assert "Traceback" not in page and "psycopg" not in page
        assert answer.headers["Retry-After"] == "30" and answer.headers["Cache-Control"] == "no-store"

    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_data(as_text=True).startswith("the database does not answer")
