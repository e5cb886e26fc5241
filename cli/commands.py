"""Thin click commands over the plain functions that do the work."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from cli import backup, copysite, demo, generate, housekeeping, importer, migrations, restore
from models import Article, db
from models.reachable import DatabaseUnreachable
from newsroom import accounts
from services import media, search
from web.templating import plural


@click.command("init-db")
@click.option("--without-demo", is_flag=True, help="This site starts clean: `make run` will never load the demo.")
@with_appcontext
def init_db_command(without_demo: bool) -> None:
    """Create the database schema, or upgrade it to the newest revision; index articles the search lacks."""
    applied = migrations.upgrade_to_head()
    for number, step in enumerate(applied, start=1):
        click.echo(f"Upgraded ({number} of {len(applied)}): {step}")
    if search.missing_count():
        rebuild_search_index()
    if without_demo:
        demo.decline_demo()
    click.echo("Database is up to date.")


@click.command("demo")
@click.option("--first-run", is_flag=True, help="Only on a brand-new site, and only once (what `make run` does).")
@with_appcontext
def demo_command(first_run: bool) -> None:
    """Load the demo articles, reporters and comments into a site without articles."""
    added = demo.load_demo(first_run=first_run)
    if added is not None:
        click.echo(f"Added {added} demo articles. `flask --app app remove-demo` removes them and all that came with them.")
    elif not first_run:
        click.echo("The site already has articles; the demo is only loaded into a site without any.")


@click.command("remove-demo")
@with_appcontext
def remove_demo_command() -> None:
    """Remove every article, comment, reporter, tag and category the demo added; nothing a person made."""
    removed = demo.remove_demo()
    if removed is None:
        click.echo("The site holds no demo content; nothing was changed.")
        return
    click.echo(f"Removed {plural(removed.articles, 'demo article')}, {plural(removed.comments, 'comment')}, "
               f"{plural(removed.people, 'demo reporter')}, {plural(removed.tags, 'tag')} and "
               f"{plural(removed.categories, 'category', 'categories')}.")
    for name in removed.kept_people:
        click.echo(f"Kept {name}: an article the demo did not add names them in its byline.")


@click.command("import-text")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what the import would do, and store nothing.")
@with_appcontext
def import_text_command(files: tuple[str, ...], dry_run: bool) -> None:
    """Import plain-text page captures as published articles; new categories and dropped keywords are told."""
    results = importer.import_files(files, dry_run)
    for result in results:
        click.echo(result.message, err=not result.ok)
        for note in result.notes:
            click.echo(note)
    if dry_run:
        click.echo("Dry run: nothing was stored.")
    if any(result.refused for result in results):
        sys.exit(1)


def read_new_password(from_stdin: bool) -> str:
    """A new password: one line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt="Password again")


def run_account_change(change, name: str, password_stdin: bool, done: str) -> None:
    """Apply an account change, turning a refusal into one error line and exit status 1."""
    try:
        change(name, read_new_password(password_stdin))
    except accounts.AccountError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(done)


@click.command("create-admin")
@click.argument("name")
@click.option("--display-name", help="The name bylines and the author page show (the sign-in name stays private).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_admin_command(name: str, display_name: str | None, password_stdin: bool) -> None:
    """Create an admin account: a private sign-in NAME, a public display name, and a password asked twice."""
    if display_name is None:
        if password_stdin:
            click.echo("Error: give --display-name with --password-stdin: standard input holds the password.", err=True)
            sys.exit(1)
        display_name = click.prompt("Display name, as bylines show it")
    run_account_change(lambda username, password: accounts.create_admin(username, password, display_name),
                       name, password_stdin, f"Created the admin account {name!r}, signing as {display_name!r}.")


@click.command("set-password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def set_password_command(name: str, password_stdin: bool) -> None:
    """Set an admin's password, end their sessions and lift a sign-in lock."""
    run_account_change(accounts.set_password, name, password_stdin,
                       f"Password changed for {name!r}; its sessions are ended and any sign-in lock lifted.")


@click.command("media-gc")
@click.option("--grace-hours", type=click.IntRange(min=0), default=24, show_default=True,
              help="Keep pictures uploaded within this many hours, even when no article uses them yet.")
@with_appcontext
def media_gc_command(grace_hours: int) -> None:
    """Remove pictures and files no article body or lead picture uses, once past the grace period."""
    removed = media.collect_garbage(timedelta(hours=grace_hours))
    for name in removed:
        click.echo(f"removed {name}")
    click.echo(f"Removed {len(removed)} file{'s' if len(removed) != 1 else ''}.")


@click.command("housekeeping")
@click.option("--grace-hours", type=click.IntRange(min=0), default=24, show_default=True,
              help="Keep pictures uploaded within this many hours, even when no article uses them yet.")
@with_appcontext
def housekeeping_command(grace_hours: int) -> None:
    """Remove ended sessions, stale kept forms, old rate-limit windows, lapsed links and unused pictures."""
    counts, files = housekeeping.sweep(timedelta(hours=grace_hours))
    for name in files:
        click.echo(f"removed {name}")
    click.echo("Removed " + ", ".join(counts[:-1]) + f" and {counts[-1]}.")


@click.command("reindex")
@with_appcontext
def reindex_command() -> None:
    """Rebuild the search index from every article (to be sure; init-db fills it after an upgrade)."""
    rebuild_search_index()


def rebuild_search_index() -> None:
    """Rebuild the search index with a progress bar."""
    total = db.session.execute(db.select(db.func.count(Article.id))).scalar_one()
    with click.progressbar(length=total, label="Indexing articles") as bar:
        done = search.reindex(bar.update)
    click.echo(f"Indexed {done} articles.")


@click.command("generate")
@click.option("--articles", type=click.IntRange(0, 10_000_000), default=1000, show_default=True)
@click.option("--comments", type=click.IntRange(0, 100_000_000), default=0, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed makes the same content.")
@with_appcontext
def generate_command(articles: int, comments: int, seed: int) -> None:
    """Fill the database with made-up articles and comments, for measuring (never on a real site)."""
    with click.progressbar(length=articles + comments, label="Generating") as bar:
        generate.generate(articles, comments, seed, bar.update)
    click.echo(f"Added {articles} articles and {comments} comments.")


@click.command("copy-site")
@click.option("--to", "target", required=True, metavar="URL",
              help="An empty PostgreSQL database, such as postgresql://user:password@host/database.")
@with_appcontext
def copy_site_command(target: str) -> None:
    """Copy this site's whole database into an empty PostgreSQL database and rebuild its search index there."""
    try:
        copy = copysite.SiteCopy.prepare(target)
        with click.progressbar(length=copy.total_rows, label="Copying rows") as bar:
            copied = copy.copy_rows(bar.update)
    except (copysite.CopyRefused, DatabaseUnreachable) as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    with click.progressbar(length=copied["articles"], label="Indexing articles") as bar:
        indexed = copy.rebuild_search(bar.update)
    for line in copysite.report_lines(copy, copied, indexed, current_app.config["MEDIA_ROOT"]):
        click.echo(line)


@click.command("backup")
@click.argument("destination", metavar="DEST_DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), metavar="N", help="Then keep only the newest N backups in DEST_DIR.")
@with_appcontext
def backup_command(destination: Path, keep: int | None) -> None:
    """Back up the database and the pictures, consistently, into a new folder inside DEST_DIR."""
    media_root = Path(current_app.config["MEDIA_ROOT"])
    try:
        with click.progressbar(length=backup.media_count_needed(media_root), label="Backing up pictures") as bar:
            made = backup.make_backup(db.engine, media_root, destination, keep, bar.update)
    except backup.BackupFailed as error:
        stop(error)
    except OSError as error:
        stop(f"cannot write the backup into {destination}: {error.strerror}; nothing was kept")
    rows, pictures = sum(made.manifest["tables"].values()), len(made.manifest["files"]) - 1
    click.echo(f"Backed up {plural(rows, 'row')} of {plural(len(made.manifest['tables']), 'table')} and "
               f"{plural(pictures, 'picture file')} ({made.copied} not in an earlier backup) into {made.folder}")
    for name in made.removed:
        click.echo(f"Removed the older backup {name}")


@click.command("restore")
@click.argument("source", metavar="SRC_DIR", type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="Restore over a site that holds rows or pictures (asks first).")
@click.option("--yes", is_flag=True, help="With --replace, do not ask.")
@with_appcontext
def restore_command(source: Path, replace: bool, yes: bool) -> None:
    """Restore a backup made by `flask backup` into this site (stop the app servers first)."""
    media_root = Path(current_app.config["MEDIA_ROOT"])
    try:
        files = len(restore.read_manifest(source)["files"])
        with click.progressbar(length=files, label="Checking the backup") as bar:
            checked = restore.checked_backup(source, bar.update)
        restore.refuse_what_cannot_be_restored(checked, db.engine, migrations.known_revisions())
        confirm_replacing(restore.rows_held(db.engine), restore.media_held(media_root), replace, yes)
        restore.restore(checked, db.engine, media_root)
    except backup.BackupFailed as error:
        stop(error)
    for number, step in enumerate(applied := migrations.upgrade_to_head(), start=1):
        click.echo(f"Upgraded ({number} of {len(applied)}): {step}")
    if search.missing_count():
        rebuild_search_index()
    click.echo(f"Restored {plural(sum(checked.manifest['tables'].values()), 'row')} and "
               f"{plural(len(checked.media), 'picture file')} from the backup of {checked.manifest['created']}. "
               "Start (or restart) the app servers.")


def confirm_replacing(held: dict[str, int], pictures: int, replace: bool, yes: bool) -> None:
    """Refuse to restore over a site with rows or pictures unless told to, and then ask."""
    if not held and not pictures:
        return
    holding = ", ".join(f"{name} {count}" for name, count in sorted(held.items())) or "no rows"
    if not replace:
        stop(f"this site is not empty ({holding}; {plural(pictures, 'picture file')}): "
             "add --replace to restore over it")
    if not yes:
        click.confirm(f"Replace everything this site holds ({holding}; {plural(pictures, 'picture file')})?", abort=True)


def stop(reason: object) -> NoReturn:
    """One line on standard error, and exit status 1."""
    click.echo(f"Error: {reason}", err=True)
    sys.exit(1)


def init_app(app: Flask) -> None:
    """Register the commands with `flask --app app`."""
    for command in (init_db_command, demo_command, remove_demo_command, import_text_command, create_admin_command,
                    set_password_command, media_gc_command, housekeeping_command, reindex_command, generate_command,
                    copy_site_command, backup_command, restore_command):
        app.cli.add_command(command)
