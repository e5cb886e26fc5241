"""Upgrading the database, told as it happens: each step by its place in the run and what it does."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import upgrade

from models import db


def pending_steps() -> list[str]:
    """What upgrading to the newest revision would run, in the order it runs: each revision's first doc line."""
    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    steps = reversed(list(scripts.iterate_revisions("heads", current or "base")))
    lines = [(step.doc or step.revision).strip().splitlines()[0] for step in steps]
    return [line[:1].upper() + line[1:] for line in lines]


def upgrade_to_head() -> list[str]:
    """Upgrade the database to the newest revision; the steps it ran, in order.

    Alembic's own log names revisions by their ids, which were numbered as they were written, not in
    the order they run (0009, 0012, 0011...); a person reads that as steps done out of order.
    """
    steps = pending_steps()
    upgrade()  # quiet: migrations/alembic.ini logs Alembic's warnings only
    return steps


def known_revisions() -> set[str]:
    """Every revision this code's migrations name."""
    scripts = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
    return {script.revision for script in scripts.walk_revisions()}
