"""The migrations: one chain whose file names sort in its order, and every step of it reversible."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from models import db
from services import search
from tests.conftest import settings_for_tests

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
# The revision ids in chain order as databases already hold them (the numbers predate named-by-date files).
DEPLOYED_CHAIN = ["0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008", "0009", "0012", "0011", "0013",
                  "0010", "0014"]


def alembic_config(directory: Path) -> Config:
    """Alembic's configuration for a migrations folder: its own alembic.ini, so its file_template too."""
    config = Config(str(directory / "alembic.ini"))
    config.set_main_option("script_location", str(directory))
    return config


def scripts_in(directory: Path) -> ScriptDirectory:
    """The revisions of a migrations folder."""
    return ScriptDirectory.from_config(alembic_config(directory))


def chain_from_base(scripts: ScriptDirectory) -> list:
    """The revisions from base to head (Alembic walks them from head down)."""
    return list(reversed(list(scripts.walk_revisions("base", "heads"))))


def file_names(directory: Path) -> list[str]:
    """The revision files of a migrations folder, sorted by name as a directory listing shows them."""
    return sorted(path.name for path in (directory / "versions").glob("*.py"))


def test_the_migrations_form_one_chain_whose_file_names_sort_from_base_to_head():
    scripts = scripts_in(MIGRATIONS)
    assert len(scripts.get_bases()) == 1 and len(scripts.get_heads()) == 1
    chain = chain_from_base(scripts)
    # Every file is in the chain, and the last file listed is the head a new revision must revise.
    assert [Path(revision.path).name for revision in chain] == file_names(MIGRATIONS)
    # Deployed databases store these ids: a rename must never touch them, and later revisions follow them.
    assert [revision.revision for revision in chain[:len(DEPLOYED_CHAIN)]] == DEPLOYED_CHAIN


def test_a_new_revision_is_named_by_date_and_sorts_after_the_head(tmp_path):
    copy = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    head = scripts_in(copy).get_current_head()
    command.revision(alembic_config(copy), message="A later change", rev_id="0a1b2c3d4e5f")
    newest = file_names(copy)[-1]
    assert re.fullmatch(r"\d{4}_\d\d_\d\d_\d{4}_0a1b2c3d4e5f_a_later_change\.py", newest)
    assert scripts_in(copy).get_revision("0a1b2c3d4e5f").down_revision == head


def schema_of(connection) -> dict[str, tuple]:
    """Every table with its columns, indexes and foreign keys, the search index's included."""
    inspector = inspect(connection)
    return {
        table: (
            sorted(column["name"] for column in inspector.get_columns(table)),
            sorted(str(index["name"]) for index in inspector.get_indexes(table)),
            sorted(str(key["name"]) for key in inspector.get_foreign_keys(table)),
        )
        for table in inspector.get_table_names()
    }


def database_revision() -> str | None:
    """The revision the app's database says it is at (None at base)."""
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_every_revision_downgrades_one_step_at_a_time_and_upgrades_again_to_the_models(tmp_path):
    app = create_app(settings_for_tests(tmp_path))  # an empty database of the run's kind
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            first_schema = schema_of(connection)
        for revision in reversed(chain_from_base(scripts_in(MIGRATIONS))):
            downgrade(revision=revision.down_revision or "base")
            assert database_revision() == revision.down_revision
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}  # nothing left behind
        upgrade()
        with db.engine.connect() as connection:
            assert schema_of(connection) == first_schema
            # The search index is filled by the application, outside the models (search.include_object).
            context = MigrationContext.configure(connection, opts={"include_object": search.include_object})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()
