"""Settings: defaults, then instance/config.py, then the environment; checked once at start-up."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MODERATION_MODES = ("links", "all", "none")
# A BCP 47 language tag as feeds and news sitemaps take it: "en", "pt-BR", "zh-Hant".
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*")
# The names providers hand out (postgres:// by Heroku's habit) all mean the one driver installed: psycopg 3.
POSTGRESQL_SCHEMES = ("postgres", "postgresql")
POSTGRESQL_DRIVER = "postgresql+psycopg"
CONNECT_TIMEOUT = 10  # seconds
URL_PASSWORD = re.compile(r":[^:@/\s]*@")
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

DEFAULTS = {
    "SITE_NAME": "The Valley Ledger",
    "SITE_TIMEZONE": "UTC",
    # What `make run` serves; production sets its public address (README, "In production").
    "SITE_URL": "http://127.0.0.1:5000",
    "SITE_DESCRIPTION": "News from the valley, reported by a small newsroom.",
    "SITE_LANGUAGE": "en",
    "SITE_LOGO": "logo.png",
    # The sitemaps protocol allows 50,000 addresses a file; past that /sitemap.xml becomes an index.
    "SITEMAP_MAX_URLS": 50_000,
    # How many items one page of each kind of list shows; the one place each number is kept.
    "ARTICLES_PER_PAGE": 20,  # reader listings: home's later pages, categories, tags, authors
    "FRONT_PAGE_TOP_STORIES": 5,  # the lead and the stories beside it
    "FRONT_PAGE_SECTION_STORIES": 3,  # each section's block below them
    "SEARCH_RESULTS_PER_PAGE": 20,
    "FEED_ENTRIES": 20,
    "NEWSROOM_ARTICLES_PER_PAGE": 25,
    "MODERATION_COMMENTS_PER_PAGE": 50,
    "NEWSROOM_TAGS_PER_PAGE": 100,
    "MEDIA_PICTURES_PER_PAGE": 30,
    # An article page shows its newest comments, oldest first, with links to earlier and later pages.
    "COMMENTS_PER_PAGE": 50,
    # Large enough for a long comment form, small enough to refuse junk early.
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "COMMENT_MIN_SECONDS": 2,
    "COMMENT_RATE_LIMIT": "5 per minute, 30 per hour",
    "COMMENT_MODERATION": "links",
    "TRUSTED_PROXIES": "",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # None follows SITE_URL: cookies are Secure on an https site (check_transport).
    "SESSION_COOKIE_SECURE": None,
    # Strict-Transport-Security's max-age on an https site: a year, as browsers' preload lists ask; 0 sends none.
    "HSTS_SECONDS": 365 * 86400,
    # Matches the comment form's own one-day window (readers.forms.COMMENT_FORM_MAX_AGE).
    "WTF_CSRF_TIME_LIMIT": 86400,
}

PAGE_SIZES = tuple(name for name in DEFAULTS if name.endswith(("_PER_PAGE", "_ENTRIES", "_STORIES")))
MAX_PAGE_SIZE = 1000

# Settings the environment may set, with the type each is read as.
ENVIRONMENT_SETTINGS = {
    "SECRET_KEY": str,
    "SITE_NAME": str,
    "SITE_TIMEZONE": str,
    "SITE_URL": str,
    "SITE_DESCRIPTION": str,
    "SITE_LANGUAGE": str,
    "SITE_LOGO": str,
    "SITEMAP_MAX_URLS": int,
    "COMMENT_MIN_SECONDS": float,
    "COMMENT_RATE_LIMIT": str,
    "COMMENT_MODERATION": str,
    "TRUSTED_PROXIES": str,
    "MAX_CONTENT_LENGTH": int,
    "MEDIA_ROOT": str,
    "SESSION_COOKIE_SECURE": bool,
    "HSTS_SECONDS": int,
}


@dataclass(frozen=True)
class Rule:
    """At most `limit` hits per `period` seconds."""

    limit: int
    period: int


class SettingsError(Exception):
    """A setting that cannot work; its message is the one line shown at start-up."""


def load_settings(app: Flask, test_config: dict | None) -> None:
    """Fill app.config from defaults, instance/config.py and the environment (or the test config alone)."""
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(read_environment(os.environ))
    else:
        app.config.update(test_config)
    if "SQLALCHEMY_DATABASE_URI" not in app.config:
        # The default file lives in the instance folder, which a fresh checkout or a new server may lack.
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_url(app.instance_path)
    # Several app servers may share one mounted folder; a relative path is read from the instance folder.
    app.config["MEDIA_ROOT"] = os.path.join(app.instance_path, app.config.get("MEDIA_ROOT") or "media")
    check_settings(app.config)
    check_logo(app.config["SITE_LOGO"], Path(app.static_folder))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))


def read_environment(environ: os._Environ | dict) -> dict:
    """The settings the environment sets, converted to their types."""
    found = {}
    for name, kind in ENVIRONMENT_SETTINGS.items():
        if name in environ:
            found[name] = parse_value(name, environ[name], kind)
    if environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    return found


def parse_value(name: str, raw: str, kind: type):
    """One environment value as its type, or a SettingsError naming it."""
    if kind is bool:
        word = raw.strip().lower()
        if word not in ("1", "true", "yes", "on", "0", "false", "no", "off", ""):
            raise SettingsError(f"{name}={raw!r} is not one of 1/0, true/false, yes/no, on/off")
        return word in ("1", "true", "yes", "on")
    try:
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}") from None


def default_database_url(instance_path: str) -> str:
    """A SQLite file in the instance folder."""
    return "sqlite:///" + os.path.join(instance_path, "news.sqlite3")


def instance_secret_key(instance: Path) -> str:
    """The key generated once into the instance folder, shared by every worker that starts there."""
    key_file = instance / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    # Write a private temp file, then hard-link it into place: the link fails if another
    # worker won the race, and then both read the winner's key.
    fd, temp_name = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as temp:
            temp.write(secrets.token_hex(32))
        os.chmod(temp_name, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(temp_name, key_file)
    finally:
        os.unlink(temp_name)
    return key_file.read_text().strip()


def check_settings(config: dict) -> None:
    """Raise SettingsError for the first setting that cannot work."""
    try:
        config["TIMEZONE"] = ZoneInfo(config["SITE_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"SITE_TIMEZONE={config['SITE_TIMEZONE']!r} is not a known time zone") from None
    try:
        config["SQLALCHEMY_DATABASE_URI"] = with_installed_driver(config["SQLALCHEMY_DATABASE_URI"])
    except ArgumentError:
        shown = hide_password(str(config["SQLALCHEMY_DATABASE_URI"]))
        raise SettingsError(f"DATABASE_URL={shown!r} is not a database URL") from None
    give_up_connecting_in_time(config)
    if config["COMMENT_MODERATION"] not in MODERATION_MODES:
        raise SettingsError(
            f"COMMENT_MODERATION={config['COMMENT_MODERATION']!r} must be one of {', '.join(MODERATION_MODES)}"
        )
    try:
        config["COMMENT_RATE_RULES"] = parse_rules(config["COMMENT_RATE_LIMIT"])
    except ValueError as error:
        raise SettingsError(f"COMMENT_RATE_LIMIT: {error}") from None
    check_site(config)
    check_transport(config)
    check_page_sizes(config)
    try:
        config["TRUSTED_PROXY_NETWORKS"] = parse_trusted_proxies(config["TRUSTED_PROXIES"])
    except ValueError as error:
        raise SettingsError(f"TRUSTED_PROXIES: {error}") from None


def with_installed_driver(url: str) -> str:
    """A PostgreSQL URL as hosting providers write it (postgres://, postgresql://) made to use psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in POSTGRESQL_SCHEMES:
        return parsed.set(drivername=POSTGRESQL_DRIVER).render_as_string(hide_password=False)
    return url


def give_up_connecting_in_time(config: dict) -> None:
    """On PostgreSQL, a connection attempt gives up after CONNECT_TIMEOUT seconds unless the URL says otherwise."""
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        # libpq waits for ever on a host that drops packets: start-up would hang instead of saying why.
        options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("connect_timeout", CONNECT_TIMEOUT)


def hide_password(text: str) -> str:
    """Text with the password of any URL in it replaced by ***, for messages."""
    return URL_PASSWORD.sub(":***@", text)


def check_page_sizes(config: dict) -> None:
    """Raise SettingsError for a page size that is not a whole number from 1 to MAX_PAGE_SIZE."""
    for name in PAGE_SIZES:
        size = config[name]
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
            raise SettingsError(f"{name}={size!r} must be a whole number from 1 to {MAX_PAGE_SIZE}")


def parse_rules(text: str) -> tuple[Rule, ...]:
    """'5 per minute, 30 per hour' as rules; ValueError naming the part that does not parse."""
    rules = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = re.fullmatch(r"(\d+)\s*(?:per|/)\s*(second|minute|hour|day)s?", part, re.IGNORECASE)
        if not match:
            raise ValueError(f"{part!r} is not like '5 per minute'")
        rules.append(Rule(int(match[1]), PERIODS[match[2].lower()]))
    return tuple(rules)


def parse_trusted_proxies(text: str) -> tuple:
    """'10.0.0.1, 192.168.0.0/16' as networks; ValueError on an entry that is no address or range."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def check_site(config: dict) -> None:
    """Raise SettingsError for a site address, language or sitemap size that cannot work."""
    problem = site_url_problem(config["SITE_URL"])
    if problem:
        raise SettingsError(f"SITE_URL={config['SITE_URL']!r} {problem}")
    if not LANGUAGE_TAG.fullmatch(config["SITE_LANGUAGE"]):
        raise SettingsError(f"SITE_LANGUAGE={config['SITE_LANGUAGE']!r} is not a language tag such as 'en' or 'pt-BR'")
    if not 1 <= config["SITEMAP_MAX_URLS"] <= 50_000:
        raise SettingsError(f"SITEMAP_MAX_URLS={config['SITEMAP_MAX_URLS']!r} must be between 1 and 50000")


def check_transport(config: dict) -> None:
    """On an https site cookies travel only over https; refuse a setting that would send them in clear."""
    https = config["SITE_URL"].startswith("https://")
    if config["SESSION_COOKIE_SECURE"] is None:
        config["SESSION_COOKIE_SECURE"] = https
    elif https and not config["SESSION_COOKIE_SECURE"]:
        raise SettingsError("SESSION_COOKIE_SECURE is off while SITE_URL is https: sign-in cookies would also travel "
                            "over plain http; remove the setting, it follows SITE_URL")
    seconds = config["HSTS_SECONDS"]
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
        raise SettingsError(f"HSTS_SECONDS={seconds!r} must be a whole number of seconds, 0 to send no HSTS")


def site_url_problem(url: str) -> str | None:
    """Why a SITE_URL cannot be the site's address, or None: http(s), a host, maybe a port, nothing more."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "has a port that is not a number from 0 to 65535"
    if parts.scheme not in ("http", "https") or not url.startswith(parts.scheme + "://"):
        return "must start with http:// or https://"
    if not parts.hostname or parts.netloc.endswith(":") or parts.username is not None or parts.password is not None or port == 0:
        return "must name a host (and at most a port), like https://news.example.org"
    if parts.path or parts.query or parts.fragment or url.endswith(("?", "#")):
        return "must have no path, query or trailing slash, like https://news.example.org"
    if any(ch.isspace() for ch in url):
        return "must not contain spaces"
    return None


def check_logo(logo: str, static_folder: Path) -> None:
    """Raise SettingsError unless SITE_LOGO names a file inside static/."""
    path = (static_folder / logo).resolve()
    if logo.startswith("/") or not path.is_relative_to(static_folder.resolve()) or not path.is_file():
        raise SettingsError(f"SITE_LOGO={logo!r} is not a file under static/ (give a path such as 'logo.png')")
