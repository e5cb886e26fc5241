"""What every template gets: filters for times and the site's navigation."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import unquote

from flask import Flask, current_app

from forms import COMMENT_BODY_MAX
from models import Category
from text import relative_time


def local_time(moment: datetime) -> str:
    """An exact date and time in SITE_TIMEZONE, for hover titles."""
    local = moment.astimezone(current_app.config["TIMEZONE"])
    return local.strftime("%-d %B %Y, %H:%M %Z")


def iso_time(moment: datetime) -> str:
    """ISO-8601 in UTC, for machine-readable datetime attributes."""
    return moment.isoformat(timespec="seconds")


def plural(count: int, singular: str, many: str | None = None) -> str:
    """'1 Read', '13 Reads': a count with its noun."""
    return f"{count:,} {singular if count == 1 else (many or singular + 's')}"


def field_attributes(form_field, hint: str | None, **attributes) -> dict:
    """HTML attributes tying a field to its hint and errors, so screen readers announce them."""
    described = [f"{form_field.id}-hint"] * bool(hint) + [f"{form_field.id}-error"] * bool(form_field.errors)
    if described:
        attributes["aria-describedby"] = " ".join(described)
    if form_field.errors:
        attributes["aria-invalid"] = "true"
    return attributes


COMMENT_HINTS = {
    "none": "",
    "links": " Comments with links appear once a moderator approves them.",
    "all": " Comments appear once a moderator approves them.",
}


def comment_hint() -> str:
    """What the comment field promises, true to the moderation setting."""
    moderation = COMMENT_HINTS[current_app.config["COMMENT_MODERATION"]]
    return f"Plain text, or a little HTML: bold, italic, links. Up to {COMMENT_BODY_MAX:,} characters." + moderation


def site_context() -> dict:
    """The site name and categories for the header of every page."""
    return {"site_name": current_app.config["SITE_NAME"], "nav_categories": Category.in_use()}


def init_app(app: Flask) -> None:
    """Register the filters and the context processor."""
    app.add_template_filter(relative_time, "ago")
    app.add_template_filter(local_time)
    app.add_template_filter(iso_time)
    app.add_template_filter(unquote, "urldecode")  # addresses shown as readers' address bars show them
    app.add_template_global(plural)
    app.add_template_global(field_attributes)
    app.add_template_global(comment_hint)
    app.context_processor(site_context)
