"""The application factory: settings, extensions, blueprints, commands."""

from __future__ import annotations

from flask import Flask
from flask_migrate import Migrate

from cli import commands
from models import db
from models.reachable import DatabaseUnreachable, open_database
from newsroom import accounts, articles, guard, labels, people, pictures, signin, site_pages
from readers import comments, feeds, me, pages, previews, reads
from services import pipeline
from web import errors, health, pagecache, proxies, security, sessions, templating, urls
from web.settings import SettingsError, load_settings

MIGRATIONS_DIRECTORY = "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the site: `flask --app app run` finds this factory."""
    # Tests pass their own instance folder, so they never read or write the real one.
    instance_path = (test_config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    try:
        load_settings(app, test_config)
    except SettingsError as error:
        # One clear line, not a traceback, for a setting that cannot work.
        raise SystemExit(f"Error: {error}") from None
    urls.init_app(app)  # before any route is added: the routes' text parts
    try:
        open_database(app)
    except DatabaseUnreachable as error:
        raise SystemExit(f"Error: {error}") from None
    # What follows every change (listing times, the search index, the site version): services/pipeline.py.
    pipeline.init_app(app)
    Migrate(app, db, directory=str(app.root_path + "/" + MIGRATIONS_DIRECTORY), render_as_batch=True)
    templating.init_app(app)
    previews.init_app(app)
    errors.init_app(app)
    # Before security: the upload's larger size limit must be set before the CSRF check reads the form.
    pictures.init_app(app)
    security.init_app(app)
    pagecache.init_app(app)
    sessions.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(me.bp)
    accounts.init_app(app)
    app.register_blueprint(signin.bp)
    app.register_blueprint(articles.bp)
    app.register_blueprint(labels.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(site_pages.bp)
    app.context_processor(guard.newsroom_context)
    commands.init_app(app)
    # In front of Flask: kept pages, the health check, and before them the read counter, the most frequent request.
    pagecache.answer_before_flask(app)
    health.init_app(app)
    reads.init_app(app)
    # Outermost: behind trusted proxies, everything above sees the client's address and scheme.
    proxies.init_app(app)
    return app
