"""Statements run on the driver (models/lean.py): the models' types kept, and SQLite writers taking turns."""

from __future__ import annotations

import fcntl
import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, select, update

from models import Lean, RateLimit, db, write_turn
from tests.databases import on_postgresql

WINDOW = datetime(2026, 3, 10, 12, 0, 30, 250000, tzinfo=UTC)
HITS = Lean(update(RateLimit.__table__).where(RateLimit.key == bindparam("key"))
            .values(hits=RateLimit.hits + 1).returning(RateLimit.hits, RateLimit.window_start))


def test_a_lean_statement_reads_and_writes_the_models_types_in_the_callers_transaction(app):
    db.session.add(RateLimit(key="lean", window_start=WINDOW, hits=4))
    db.session.commit()
    assert HITS.first_row(db.session.connection(), key="lean") == (5, WINDOW)  # a UTC time, as the model gives it
    db.session.rollback()  # the caller's transaction: undone with it
    assert db.session.execute(select(RateLimit.hits)).scalar_one() == 4
    assert HITS.first_row(db.session.connection(), key="nobody") is None


def test_a_lean_statement_on_its_own_commits(app):
    db.session.add(RateLimit(key="lean", window_start=WINDOW, hits=4))
    db.session.commit()
    assert HITS.first_value(db.engine, key="lean") == 5
    db.session.rollback()
    assert db.session.execute(select(RateLimit.hits)).scalar_one() == 5


def test_writers_to_a_sqlite_file_take_turns_that_other_processes_see(app):
    if on_postgresql():
        pytest.skip("SQLite's file lock: PostgreSQL locks rows, and its writers take no turns")
    other = os.open(db.engine.url.database + "-turns", os.O_RDWR | os.O_CREAT)  # as another app server opens it
    try:
        with write_turn(db.engine):
            with pytest.raises(BlockingIOError):
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            with write_turn(db.engine):  # a turn inside a turn is part of it, not a wait on itself
                HITS.first_value(db.engine, key="nobody")
            with pytest.raises(BlockingIOError):  # the inner turn's end did not end the outer one
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the turn is over
    finally:
        os.close(other)
