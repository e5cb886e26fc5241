"""Thin click commands over the plain functions that do the work."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate import upgrade

import demo
import importer


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database schema, or upgrade it to the newest revision."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo articles and comments (running it again adds nothing twice)."""
    added = demo.load_demo()
    click.echo(f"Added {added} demo article(s).")


@click.command("import-text")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@with_appcontext
def import_text_command(files: tuple[str, ...]) -> None:
    """Import plain-text page captures as published articles."""
    results = importer.import_files(files)
    for result in results:
        click.echo(result.message, err=not result.ok)
    if any(result.refused for result in results):
        sys.exit(1)


def init_app(app: Flask) -> None:
    """Register the commands with `flask --app app`."""
    for command in (init_db_command, demo_command, import_text_command):
        app.cli.add_command(command)
