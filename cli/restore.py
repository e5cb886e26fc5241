"""Restoring a backup (`flask restore SRC_DIR`) into this site's database and media folder.

Everything is checked before anything is touched: the manifest, every file's size and SHA-256, the
database kind, and the schema revision (a backup from newer code is refused). The database is then
restored whole or not at all (SQLite: a checked copy renamed over the file; PostgreSQL: one transaction),
its rows are compared with the manifest, and the pictures are swapped in as one folder. The caller then
upgrades an older backup to the newest schema.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from cli.backup import (
    FORMAT,
    MANIFEST,
    BackupFailed,
    backend,
    file_hash,
    first_line,
    libpq_command_url,
    postgresql_tool,
    revision_of,
    table_counts,
)

# What people make: a site holding none of these is empty, whatever the migrations seeded (starter pages).
MADE_BY_PEOPLE = ("articles", "comments", "users", "pictures", "categories", "tags")
TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Backup:
    """A backup folder whose every file matched its manifest."""

    folder: Path
    manifest: dict

    @property
    def database_file(self) -> Path:
        return self.folder / self.manifest["files"][0]["path"]

    @property
    def media(self) -> list[dict]:
        return [entry for entry in self.manifest["files"] if entry["path"].startswith("media/")]


def read_manifest(folder: Path) -> dict:
    """The backup's manifest, or BackupFailed saying why it is not one."""
    if not folder.is_dir():
        raise BackupFailed(f"{folder} is not a folder")
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupFailed(f"{folder} has no {MANIFEST}: it is not a backup made by `flask backup`") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupFailed(f"{folder / MANIFEST} is damaged: it is not valid JSON") from None
    needed = {"format", "database", "revision", "tables", "files"}
    if not isinstance(manifest, dict) or not needed <= manifest.keys() or not manifest["files"]:
        raise BackupFailed(f"{folder / MANIFEST} lacks what a backup's manifest holds")
    if not all(TABLE_NAME.fullmatch(str(name)) and isinstance(count, int) for name, count in manifest["tables"].items()):
        raise BackupFailed(f"{folder / MANIFEST} names a table or a count that no backup writes")
    if manifest["format"] != FORMAT:
        raise BackupFailed(f"{folder} is a backup of format {manifest['format']}, which this code cannot read")
    return manifest


def checked_backup(folder: Path, progress: Callable[[int], None] = lambda _: None) -> Backup:
    """The backup in folder after every file is found whole; BackupFailed naming the first that is not."""
    manifest = read_manifest(folder)
    for entry in manifest["files"]:
        path = (folder / entry["path"]).resolve()
        if not path.is_relative_to(folder.resolve()):
            raise BackupFailed(f"{MANIFEST} names a file outside the backup: {entry['path']}")
        if not path.is_file():
            raise BackupFailed(f"{entry['path']} is missing from the backup")
        if path.stat().st_size != entry["size"]:
            raise BackupFailed(f"{entry['path']} has {path.stat().st_size} bytes, the manifest says {entry['size']}: "
                               "the file is truncated or changed")
        if file_hash(path) != entry["sha256"]:
            raise BackupFailed(f"{entry['path']} does not match its SHA-256 in the manifest: the file is damaged")
        progress(1)
    return Backup(folder, manifest)


def refuse_what_cannot_be_restored(backup: Backup, engine: Engine, known_revisions: set[str]) -> None:
    """A backup of another database kind or from newer code is refused before anything changes."""
    kind = backend(engine)
    if backup.manifest["database"] != kind:
        raise BackupFailed(f"the backup is of a {backup.manifest['database']} database and this site runs on {kind}: "
                           "restore it into a site on the same kind, then `flask copy-site`")
    if backup.manifest["revision"] not in known_revisions:
        raise BackupFailed(f"the backup's schema is at revision {backup.manifest['revision']}, which this code does "
                           "not know: it was made by newer code; restore it with that code")


def rows_held(engine: Engine) -> dict[str, int]:
    """The articles, comments, people, pictures, categories and tags the target holds, where it holds any."""
    with engine.connect() as connection:
        counts = table_counts(connection)
    return {name: counts[name] for name in MADE_BY_PEOPLE if counts.get(name)}


def media_held(media_root: Path) -> int:
    """How many files the target's media folder holds."""
    return sum(1 for path in media_root.rglob("*") if path.is_file()) if media_root.is_dir() else 0


def compare_counts(expected: dict[str, int], engine: Engine) -> None:
    """BackupFailed unless every table holds exactly the manifest's rows."""
    with engine.connect() as connection:
        found = table_counts(connection)
    wrong = [f"{name} has {found.get(name, 'no table')}, the backup {count}"
             for name, count in expected.items() if found.get(name) != count]
    if wrong:
        raise BackupFailed("the restored database does not match the manifest: " + "; ".join(wrong))


def restore_sqlite(backup: Backup, engine: Engine) -> None:
    """A checked copy of the backup's file, renamed over the site's database (its WAL files removed first)."""
    target = Path(engine.url.database)
    restoring = target.with_name(target.name + ".restoring")
    shutil.copyfile(backup.database_file, restoring)
    try:
        with sqlite3.connect(restoring) as check:
            verdict = check.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupFailed(f"the backup's database fails SQLite's integrity check: {verdict}")
        compare_counts(backup.manifest["tables"], create_engine(f"sqlite:///{restoring}", poolclass=NullPool))
    except BaseException:
        restoring.unlink(missing_ok=True)
        raise
    engine.dispose()
    # The old database's write-ahead log would be replayed onto the new file: it goes first.
    for ending in ("-wal", "-shm"):
        Path(f"{target}{ending}").unlink(missing_ok=True)
    os.replace(restoring, target)


def restore_postgresql(backup: Backup, engine: Engine) -> None:
    """The dump replayed by psql in one transaction that first empties the schema: all of it, or nothing."""
    with engine.connect() as connection:
        pg_restore, psql = postgresql_tool("pg_restore", connection), postgresql_tool("psql", connection)
    url, secret = libpq_command_url(engine.url)
    engine.dispose()
    script = subprocess.Popen([pg_restore, "--no-owner", "--no-privileges", "--file=-", str(backup.database_file)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    replay = subprocess.run([psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
                             "--command=DROP SCHEMA public CASCADE", "--command=CREATE SCHEMA public",
                             "--file=-", f"--command={count_check(backup.manifest['tables'])}", url],
                            stdin=script.stdout, capture_output=True, text=True,
                            env=os.environ | secret)
    script.stdout.close()
    script.wait()
    if script.returncode != 0:
        raise BackupFailed(f"pg_restore cannot read the dump: {first_line(script.stderr.read().decode())}")
    script.stderr.close()
    if replay.returncode != 0:
        raise BackupFailed(f"the dump could not be restored, nothing was changed: {first_line(replay.stderr)}")


def count_check(tables: dict[str, int]) -> str:
    """SQL that fails the restoring transaction unless every table holds the manifest's rows.

    The dump empties search_path for its own statements, so the tables are named with their schema.
    """
    checks = []
    for name, count in tables.items():
        quoted = '"' + str(name).replace('"', '""') + '"'
        checks.append(f"IF (SELECT count(*) FROM public.{quoted}) <> {int(count)} THEN "
                      f"RAISE EXCEPTION 'the restored % does not hold the backup''s % rows', {sql_text(name)}, {int(count)}; "
                      "END IF;")
    return "DO $check$ BEGIN " + " ".join(checks) + " END $check$"


def sql_text(value: str) -> str:
    """A string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def stage_media(backup: Backup, media_root: Path) -> Path:
    """The backup's pictures copied beside the media folder, checked again, ready to be swapped in."""
    staged = media_root.with_name(media_root.name + ".restoring")
    shutil.rmtree(staged, ignore_errors=True)
    for entry in backup.media:
        target = staged / entry["path"].removeprefix("media/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(backup.folder / entry["path"], target)
        if file_hash(target) != entry["sha256"]:
            shutil.rmtree(staged, ignore_errors=True)
            raise BackupFailed(f"{entry['path']} changed while it was copied")
    staged.mkdir(parents=True, exist_ok=True)
    return staged


def swap_media(staged: Path, media_root: Path) -> None:
    """Put the staged pictures where the media folder is, the old folder removed after."""
    replaced = media_root.with_name(media_root.name + ".replaced")
    shutil.rmtree(replaced, ignore_errors=True)
    if media_root.exists():
        os.replace(media_root, replaced)
    os.replace(staged, media_root)
    shutil.rmtree(replaced, ignore_errors=True)


def restore(backup: Backup, engine: Engine, media_root: Path) -> None:
    """Restore the checked backup's database, then its pictures; a failure leaves the target as it was."""
    staged = stage_media(backup, media_root)
    try:
        (restore_sqlite if backend(engine) == "sqlite" else restore_postgresql)(backup, engine)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    swap_media(staged, media_root)


def revision_now(engine: Engine) -> str | None:
    """The restored database's schema revision."""
    with engine.connect() as connection:
        return revision_of(connection)
