"""`flask backup` and `flask restore`: a whole site with rows in every table, out and back, and what is refused."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from app import create_app
from cli import backup
from cli.demo import load_demo
from content.text import now_utc
from models import (
    AdminSession,
    Article,
    Category,
    Invitation,
    KeptForm,
    PasswordLink,
    RateLimit,
    Tag,
    db,
)
from newsroom.accounts import create_admin
from services.media import Upload, store_upload
from tests.browser.conftest import landscape_photo
from tests.conftest import BROWSER_AGENT, settings_for_tests
from tests.databases import new_database_url, on_postgresql
from tests.test_media import served


def fill_every_table() -> None:
    """The demo, a picture, and a row in each table the demo leaves empty; fails if any table stays empty."""
    load_demo()
    admin = create_admin("editor", "a long enough password", display_name="Ed Itor")
    picture, _ = store_upload(Upload(io.BytesIO(landscape_photo()), "The valley at dawn", "The valley.", "Staff"))
    article = db.session.execute(select(Article).order_by(Article.id)).scalars().first()
    article.lead_picture = picture
    article.change_slug("renamed-" + article.slug)
    db.session.execute(select(Category).limit(1)).scalar_one().move_slug("moved-section")
    db.session.execute(select(Tag).limit(1)).scalar_one().move_slug("moved-tag")
    admin.move_address("ed-itor-now")
    db.session.add_all([
        AdminSession(token_hash="a" * 64, user=admin),
        KeptForm(key_hash="b" * 64, user_id=admin.id, article_id=article.id, fields={"title": "Kept"}),
        RateLimit(key="198.51.100.7|5/60", window_start=now_utc(), hits=2),
    ])
    Invitation.issue(role="writer", invited_by_id=admin.id)
    PasswordLink.issue(user_id=admin.id, made_by_id=admin.id)
    db.session.commit()
    with db.engine.connect() as connection:
        empty = [name for name, count in backup.table_counts(connection).items() if not count]
    assert not empty, f"fill_every_table leaves these empty: {empty}"


def counts() -> dict[str, int]:
    """Rows of every table of the app's database."""
    with db.engine.connect() as connection:
        return backup.table_counts(connection)


def media_bytes(root: Path) -> dict[str, bytes]:
    """Every file under a media folder, by its path there."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.fixture
def target(tmp_path):
    """Another site, on its own empty database and media folder: where a backup is restored."""
    instance = tmp_path / "target"
    app = create_app(settings_for_tests(instance, SQLALCHEMY_DATABASE_URI=new_database_url(instance / "db")))
    return app


def run_on(site, *args: str):
    """A flask command run on another site (its own app context: the test's is the source's)."""
    with site.app_context():
        result = site.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()
        return result


def made_backups(destination: Path) -> list[Path]:
    return backup.complete_backups(destination)


def test_a_whole_site_is_backed_up_and_restored_into_an_empty_one(app, runner, target, tmp_path):
    fill_every_table()
    before, pictures = counts(), media_bytes(Path(current_app.config["MEDIA_ROOT"]))
    destination = tmp_path / "backups"

    made = runner.invoke(args=["backup", str(destination)])

    assert made.exit_code == 0, made.output
    [folder] = made_backups(destination)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["tables"] == before and manifest["revision"] == "0017"
    assert manifest["database"] == ("postgresql" if on_postgresql() else "sqlite")
    assert len(manifest["files"]) == 1 + len(pictures)
    for entry in manifest["files"]:
        assert (folder / entry["path"]).stat().st_size == entry["size"]
        assert backup.file_hash(folder / entry["path"]) == entry["sha256"]
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert f"Backed up {sum(before.values())} rows of {len(before)} tables and {len(pictures)} picture files" in made.output

    restored = run_on(target, "restore", str(folder))

    assert restored.exit_code == 0, restored.output
    assert "Restored" in restored.output and "Start (or restart) the app servers." in restored.output
    with target.app_context():
        assert counts() == before
        first = db.session.execute(select(Article).order_by(Article.id)).scalars().first()
        slug, title, picture_url = first.slug, first.title, first.lead_picture.url("480.webp")
        db.session.remove()
        db.engine.dispose()
    assert media_bytes(Path(target.config["MEDIA_ROOT"])) == pictures
    client = target.test_client()  # outside the app context: each request gets its own, as in production
    client.environ_base["HTTP_USER_AGENT"] = BROWSER_AGENT
    page = client.get(f"/articles/{slug}")
    assert page.status_code == 200 and title in page.get_data(as_text=True)
    picture = served(client, picture_url)
    assert picture.status_code == 200
    assert picture.data == pictures[next(path for path in pictures if path.endswith("-480.webp"))]
    assert client.get(f"/articles/{slug.removeprefix('renamed-')}").status_code == 301


@pytest.mark.parametrize("damage", ["truncated database", "flipped byte in the database", "flipped byte in a picture",
                                    "missing manifest", "manifest not JSON", "missing picture"])
def test_a_damaged_backup_is_refused_naming_what_is_wrong_and_the_target_is_left_as_it_was(
        app, runner, target, tmp_path, damage):
    fill_every_table()
    assert runner.invoke(args=["backup", str(tmp_path / "backups")]).exit_code == 0
    [folder] = made_backups(tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    database, picture = folder / manifest["files"][0]["path"], folder / manifest["files"][1]["path"]
    expected = damage_backup(damage, folder, database, picture)
    assert run_on(target, "init-db").exit_code == 0
    with target.app_context():
        untouched = counts()

    refused = run_on(target, "restore", str(folder))

    assert refused.exit_code == 1
    assert refused.output.splitlines()[-1] == f"Error: {expected}"
    with target.app_context():
        assert counts() == untouched
        assert media_bytes(Path(target.config["MEDIA_ROOT"])) == {}
        db.engine.dispose()


def damage_backup(damage: str, folder: Path, database: Path, picture: Path) -> str:
    """Damage the backup one way; the line restore must answer with."""
    name = lambda path: path.relative_to(folder).as_posix()  # noqa: E731
    if damage == "truncated database":
        size = database.stat().st_size
        os.truncate(database, size // 2)
        return f"{name(database)} has {size // 2} bytes, the manifest says {size}: the file is truncated or changed"
    if damage.startswith("flipped byte"):
        path = database if damage.endswith("database") else picture
        original = path.read_bytes()
        path.unlink()  # a picture is a hard link into the store: only this backup's copy is damaged
        middle = len(original) // 2
        path.write_bytes(original[:middle] + bytes([original[middle] ^ 0xFF]) + original[middle + 1:])
        return f"{name(path)} does not match its SHA-256 in the manifest: the file is damaged"
    if damage == "missing picture":
        picture.unlink()
        return f"{name(picture)} is missing from the backup"
    if damage == "missing manifest":
        (folder / "manifest.json").unlink()
        return f"{folder} has no manifest.json: it is not a backup made by `flask backup`"
    (folder / "manifest.json").write_text("{not json")
    return f"{folder / 'manifest.json'} is damaged: it is not valid JSON"


@pytest.fixture
def one_backup(app, runner, tmp_path) -> Path:
    """A backup of a site with rows in every table."""
    fill_every_table()
    assert runner.invoke(args=["backup", str(tmp_path / "backups")]).exit_code == 0
    return made_backups(tmp_path / "backups")[0]


def articles_on(site) -> list[str]:
    """The titles of a site's articles."""
    with site.app_context():
        titles = list(db.session.execute(select(Article.title).order_by(Article.id)).scalars())
        db.session.remove()
        db.engine.dispose()
        return titles


def give_an_article(site, title: str) -> None:
    """An article of the site's own, so that it is not empty."""
    with site.app_context():
        article = Article(title=title, slug="own-story", status="published", category=Category.get_or_create("Own"),
                          published_at=now_utc())
        article.set_body("Its own words.")
        db.session.add(article)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_a_site_that_is_not_empty_is_replaced_only_when_asked_and_confirmed(one_backup, target):
    assert run_on(target, "init-db").exit_code == 0
    give_an_article(target, "The target's own story")

    refused = run_on(target, "restore", str(one_backup))
    assert refused.exit_code == 1
    assert refused.output.splitlines()[-1] == ("Error: this site is not empty (articles 1, categories 1; 0 picture files): "
                                               "add --replace to restore over it")
    with target.app_context():
        declined = target.test_cli_runner().invoke(args=["restore", str(one_backup), "--replace"], input="n\n")
        db.engine.dispose()
    assert declined.exit_code == 1 and "Replace everything this site holds (articles 1, categories 1" in declined.output
    assert articles_on(target) == ["The target's own story"]

    replaced = run_on(target, "restore", str(one_backup), "--replace", "--yes")
    assert replaced.exit_code == 0, replaced.output
    assert "The target's own story" not in articles_on(target) and len(articles_on(target)) == 12


def test_a_backup_from_newer_code_or_another_database_is_refused_before_anything_changes(one_backup, target):
    manifest_path = one_backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps(manifest | {"revision": "9999"}))
    newer = run_on(target, "restore", str(one_backup))
    assert newer.exit_code == 1
    assert newer.output.splitlines()[-1] == ("Error: the backup's schema is at revision 9999, which this code does not "
                                             "know: it was made by newer code; restore it with that code")
    other = "sqlite" if on_postgresql() else "postgresql"
    manifest_path.write_text(json.dumps(manifest | {"database": other}))
    kind = run_on(target, "restore", str(one_backup))
    assert kind.exit_code == 1 and f"the backup is of a {other} database" in kind.output
    with target.app_context():
        assert counts() == {}  # not even a table was made
        db.engine.dispose()


def test_a_backup_made_at_an_older_revision_is_upgraded_when_restored(target, tmp_path, migrated_database):
    # A database of its own: the run's shared one must stay at the newest schema.
    instance = tmp_path / "older"
    older = create_app(settings_for_tests(instance, SQLALCHEMY_DATABASE_URI=new_database_url(
        instance / "db", template=migrated_database)))
    with older.app_context():
        fill_every_table()
        assert older.test_cli_runner().invoke(args=["db", "downgrade", "0016"]).exit_code == 0  # before site pages
        before = counts()
        assert older.test_cli_runner().invoke(args=["backup", str(tmp_path / "backups")]).exit_code == 0
        db.session.remove()
        db.engine.dispose()
    [folder] = made_backups(tmp_path / "backups")
    assert json.loads((folder / "manifest.json").read_text())["revision"] == "0016"

    restored = run_on(target, "restore", str(folder))

    assert restored.exit_code == 0, restored.output
    assert "Upgraded (1 of 1): " in restored.output
    with target.app_context():
        after = counts()
        assert {name: after[name] for name in before} == before and "site_pages" in after
        db.engine.dispose()


def test_a_destination_that_cannot_hold_a_backup_is_one_line(app, runner, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    result = runner.invoke(args=["backup", str(tmp_path / "a-file" / "backups")])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(f"Error: cannot make the folder {tmp_path / 'a-file' / 'backups'}")


@pytest.mark.skipif(not on_postgresql(), reason="pg_dump is PostgreSQL's; SQLite backs up through its own API")
def test_without_pg_dump_the_backup_is_refused_in_one_line_before_anything_is_written(app, runner, tmp_path,
                                                                                     monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = runner.invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == ("Error: pg_dump is not on the PATH: install PostgreSQL's client "
                                              "(apt-get install postgresql-client)")
    assert made_backups(tmp_path / "backups") == [] and not list((tmp_path / "backups").glob(".partial-*"))
