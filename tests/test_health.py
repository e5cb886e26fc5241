"""`/healthz`: 200 when the database answers at the schema the code expects, 503 with the reason otherwise."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from models import Article, db
from tests.conftest import give_session
from tests.databases import on_postgresql


def test_a_healthy_server_says_ok_and_nothing_else(client):
    give_session(client)  # even a browser with a session gets no cookie here
    response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok\n")
    assert response.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in response.headers
    assert "X-Page-Cache" not in response.headers and response.headers["X-Content-Type-Options"] == "nosniff"
    head = client.head("/healthz")
    assert (head.status_code, head.get_data()) == (200, b"")


def test_a_monitor_asking_often_is_never_refused_and_counts_nothing(client, make_article):
    article = make_article("Quiet day")
    assert {client.get("/healthz").status_code for _ in range(200)} == {200}
    db.session.expire_all()
    assert db.session.get(Article, article.id).reads == 0


@pytest.fixture
def schema_behind(app):
    """The database says it is at revision 0014, as one not yet upgraded does; put back afterwards,
    since a working database may be emptied and used again by the next test."""
    with db.engine.begin() as connection:
        revision = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0014'")
    yield
    with db.engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{revision}'")


def test_a_schema_behind_the_code_is_a_503_saying_what_to_run(client, schema_behind):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_data(as_text=True).startswith("the database schema is at 0014, this code expects 00")
    assert "run `flask --app app init-db`" in response.get_data(as_text=True)


def test_a_database_that_cannot_be_opened_is_a_503_in_one_line(app, client):
    if on_postgresql():
        pytest.skip("removes the SQLite file; PostgreSQL's stuck database is the next test")
    database = Path(db.engine.url.database)
    db.engine.dispose()
    for stale in database.parent.glob(database.name + "*"):
        stale.unlink()
    database.mkdir()  # where the file was, something SQLite cannot open
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "the database does not answer: unable to open database file\n"


def test_a_stuck_database_is_a_503_within_the_statement_timeout(app, client):
    if not on_postgresql():
        pytest.skip("SQLite in WAL mode never makes a reader wait; a PostgreSQL lock can")
    holder = create_engine(db.engine.url.render_as_string(hide_password=False))
    locked, done = threading.Event(), threading.Event()

    def hold_the_lock():
        with holder.begin() as connection:
            connection.exec_driver_sql("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
            locked.set()
            done.wait()

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    try:
        locked.wait()
        response = client.get("/healthz")
    finally:
        done.set()
        thread.join()
        holder.dispose()
    assert response.status_code == 503
    assert response.get_data(as_text=True) == (
        "the database does not answer: canceling statement due to statement timeout\n")
