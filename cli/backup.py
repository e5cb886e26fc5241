"""Backups of the whole site (`flask backup DEST_DIR`): one consistent snapshot of the database and the media.

A backup is a folder inside DEST_DIR named by its time, holding the database copy, the pictures and a
manifest (manifest.json): when, which database, the schema revision, the rows of every table, and every
file with its size and SHA-256. It is written under a temporary name and renamed when complete, so a
folder with a backup's name is always a whole backup.

- SQLite: the online backup API copies the file while the site keeps writing (never a file copy of a
  live database); the rows are counted in the copy, so the counts are the snapshot's.
- PostgreSQL: `pg_dump --format=custom` reads a snapshot that a transaction of ours exported, and the
  rows are counted in that same snapshot.
- Pictures are stored once in DEST_DIR/.store, named by their SHA-256, and hard-linked into each backup:
  a new backup copies only files no earlier one has, and every backup folder stands alone.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from content.text import now_utc

MANIFEST = "manifest.json"
FORMAT = 1
STORE = ".store"
PARTIAL = ".partial-"
SQLITE_COPY, POSTGRESQL_DUMP = "database.sqlite3", "database.dump"
BACKUP_NAME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{6}Z(-\d+)?")
CHUNK = 1 << 20


class BackupFailed(Exception):
    """A backup or restore that cannot go on; its message is the one line shown."""


@dataclass(frozen=True)
class Made:
    """A finished backup: its folder, its manifest, and how many media files it had to copy anew."""

    folder: Path
    manifest: dict
    copied: int
    removed: list[str]


def file_hash(path: Path) -> str:
    """The file's SHA-256, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def backend(engine: Engine) -> str:
    """'sqlite' or 'postgresql'."""
    return engine.url.get_backend_name()


def revision_of(connection: Connection) -> str | None:
    """The schema revision the database is at."""
    return MigrationContext.configure(connection).get_current_revision()


def table_counts(connection: Connection) -> dict[str, int]:
    """Rows in every table of the database, by name (SQLite's own tables aside)."""
    names = [name for name in inspect(connection).get_table_names() if not name.startswith("sqlite_")]
    preparer = connection.dialect.identifier_preparer
    return {name: connection.execute(text(f"SELECT count(*) FROM {preparer.quote(name)}")).scalar_one()
            for name in sorted(names)}


def libpq_command_url(url: URL) -> tuple[str, dict[str, str]]:
    """A URL pg_dump and psql take, without the password, which goes in their environment instead."""
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, ({"PGPASSWORD": str(url.password)} if url.password else {})


def postgresql_tool(name: str, connection: Connection) -> str:
    """The path of pg_dump or psql on the PATH, refused when missing or older than the server."""
    found = shutil.which(name)
    if found is None:
        raise BackupFailed(f"{name} is not on the PATH: install PostgreSQL's client (apt-get install postgresql-client)")
    version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
    tool_major = int(re.search(r"(\d+)(\.\d+)?", version)[1])
    server_major = int(connection.exec_driver_sql("SHOW server_version_num").scalar_one()) // 10000
    if tool_major < server_major:
        raise BackupFailed(f"{name} is version {tool_major}, older than the server's {server_major}: "
                           f"install PostgreSQL {server_major}'s client")
    return found


def copy_sqlite(engine: Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    """Copy the live SQLite database with its online backup API; the copy's revision and row counts."""
    source = sqlite3.connect(engine.url.database)
    copy = sqlite3.connect(target)
    try:
        with source, copy:
            source.backup(copy)  # in one step: the copy is one moment of the database
    finally:
        source.close()
        copy.close()
    reading = create_engine(f"sqlite:///{target}", poolclass=NullPool)
    with reading.connect() as connection:
        return revision_of(connection), table_counts(connection)


def dump_postgresql(engine: Engine, target: Path) -> tuple[str | None, dict[str, int]]:
    """pg_dump of one exported snapshot, with the revision and row counts read in that same snapshot."""
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, connection.begin():
        pg_dump = postgresql_tool("pg_dump", connection)
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
        revision, counts = revision_of(connection), table_counts(connection)
        url, secret = libpq_command_url(engine.url)
        done = subprocess.run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}", url],
                              capture_output=True, text=True, env=os.environ | secret)
    if done.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {first_line(done.stderr)}")
    return revision, counts


def first_line(message: str) -> str:
    """The first non-empty line of a tool's message, without its name."""
    line = next((line.strip() for line in message.splitlines() if line.strip()), "no reason given")
    return re.sub(r"^(pg_dump|pg_restore|psql): (error: )?", "", line)


def media_files(media_root: Path) -> list[Path]:
    """Every file under the media folder, by its path inside it."""
    if not media_root.is_dir():
        return []
    return sorted(path.relative_to(media_root) for path in media_root.rglob("*") if path.is_file())


def known_hashes(destination: Path) -> dict[str, dict]:
    """Media entries of the newest complete backup, by path: a file unchanged since then is not read again."""
    newest = next(iter(sorted(complete_backups(destination), reverse=True)), None)
    if newest is None:
        return {}
    entries = json.loads((newest / MANIFEST).read_text())["files"]
    return {entry["path"]: entry for entry in entries if entry["path"].startswith("media/")}


def store_media(media_root: Path, folder: Path, store: Path, progress: Callable[[int], None]) -> tuple[list[dict], int]:
    """Link every picture into the backup through the store; its manifest entries and how many were new."""
    earlier, entries, copied = known_hashes(folder.parent), [], 0
    for relative in media_files(media_root):
        source, path = media_root / relative, f"media/{relative.as_posix()}"
        status = source.stat()
        known = earlier.get(path)
        unchanged = known and known["size"] == status.st_size and known.get("mtime_ns") == status.st_mtime_ns
        digest = known["sha256"] if unchanged else file_hash(source)
        kept = store / digest[:2] / digest
        if not kept.exists():
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, kept.with_suffix(".part"))
            os.replace(kept.with_suffix(".part"), kept)
            copied += 1
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        os.link(kept, folder / path)
        entries.append({"path": path, "size": status.st_size, "sha256": digest, "mtime_ns": status.st_mtime_ns})
        progress(1)
    return entries, copied


def complete_backups(destination: Path) -> list[Path]:
    """The backup folders in destination, each with its manifest, oldest first."""
    if not destination.is_dir():
        return []
    return sorted(path for path in destination.iterdir()
                  if BACKUP_NAME.fullmatch(path.name) and (path / MANIFEST).is_file())


def new_name(destination: Path) -> str:
    """The backup's folder name: its time in UTC, with a number if a backup of that second exists."""
    base = now_utc().strftime("%Y-%m-%dT%H%M%SZ")
    taken = {path.name for path in destination.iterdir()}
    return next(name for name in (base, *(f"{base}-{n}" for n in range(2, 1000))) if name not in taken)


@contextmanager
def partial_folder(destination: Path, name: str) -> Iterator[Path]:
    """A folder to write the backup in, removed if anything fails; renamed by the caller when whole."""
    folder = destination / f"{PARTIAL}{name}"
    folder.mkdir(mode=0o700)  # password hashes and sessions are in it: the owner's alone
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


@contextmanager
def only_backup_running(destination: Path) -> Iterator[None]:
    """Hold destination's lock; a backup that a crash left half-written is removed under it."""
    with (destination / ".lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupFailed(f"another backup into {destination} is running") from None
        for stale in destination.glob(f"{PARTIAL}*"):
            shutil.rmtree(stale, ignore_errors=True)
        yield


def make_backup(engine: Engine, media_root: Path, destination: Path, keep: int | None,
                progress: Callable[[int], None] = lambda _: None) -> Made:
    """Write one whole backup into destination and keep the newest `keep`; BackupFailed says why not."""
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupFailed(f"cannot make the folder {destination}: {error.strerror}") from None
    with only_backup_running(destination):
        return write_backup(engine, media_root, destination, keep, progress)


def write_backup(engine: Engine, media_root: Path, destination: Path, keep: int | None,
                 progress: Callable[[int], None]) -> Made:
    """make_backup's work, under the lock."""
    name = new_name(destination)
    kind = backend(engine)
    with partial_folder(destination, name) as folder:
        database = folder / (SQLITE_COPY if kind == "sqlite" else POSTGRESQL_DUMP)
        revision, counts = (copy_sqlite if kind == "sqlite" else dump_postgresql)(engine, database)
        media, copied = store_media(media_root, folder, destination / STORE, progress)
        manifest = {"format": FORMAT, "created": now_utc().isoformat(), "database": kind, "revision": revision,
                    "tables": counts,
                    "files": [{"path": database.name, "size": database.stat().st_size, "sha256": file_hash(database)},
                              *media]}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        os.replace(folder, destination / name)
    removed = remove_beyond(destination, keep) if keep else []
    return Made(destination / name, manifest, copied, removed)


def remove_beyond(destination: Path, keep: int) -> list[str]:
    """Remove the oldest backups beyond `keep`, and stored pictures no backup links any more; their names."""
    old = complete_backups(destination)[:-keep]
    for folder in old:
        shutil.rmtree(folder)
    store = destination / STORE
    for kept in store.rglob("*") if store.is_dir() else ():
        if kept.is_file() and kept.stat().st_nlink == 1:
            kept.unlink()
    return [folder.name for folder in old]


def media_count_needed(media_root: Path) -> int:
    """How many media files a backup reads, for the progress bar."""
    return len(media_files(media_root))
