"""What every template gets: filters for times and the site's navigation."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import unquote

from flask import Flask, current_app, g
from markupsafe import Markup

from content.text import now_utc, relative_time, relative_time_holds_until
from models import Category, Page, SitePage
from web.pagecache import rendering_shared

# Listings say "3 days ago" for a week; past that a date says more than "5 weeks ago".
RELATIVE_DATES_FOR = timedelta(days=7)


def local_time(moment: datetime) -> str:
    """An exact date and time in SITE_TIMEZONE, for hover titles."""
    local = moment.astimezone(current_app.config["TIMEZONE"])
    return local.strftime("%-d %B %Y, %H:%M %Z")


def local_date(moment: datetime) -> str:
    """The day in SITE_TIMEZONE, as readers write it: '12 March 2026'."""
    return moment.astimezone(current_app.config["TIMEZONE"]).strftime("%-d %B %Y")


def page_holds_until(moment: datetime) -> None:
    """Note on `g` when the page being rendered next reads differently; a kept page is rendered again then."""
    g.page_holds_until = min(g.get("page_holds_until") or moment, moment)


def ago(moment: datetime) -> str:
    """relative_time for a page, noting when its text changes."""
    page_holds_until(relative_time_holds_until(moment))
    return relative_time(moment)


def listing_date(moment: datetime) -> str:
    """A listed article's date: relative for a week, then the day."""
    if now_utc() - moment >= RELATIVE_DATES_FOR:
        return local_date(moment)
    page_holds_until(moment + RELATIVE_DATES_FOR)
    return ago(moment)


def paged(heading: str, page: Page) -> str:
    """A listing's heading, with its page number past the first page: 'Politics — Page 2'."""
    return f"{heading} — Page {page.number}" if page.number and page.number > 1 else heading


def set_nav_section(kind: str, slug: str | None = None, current: str = "page") -> None:
    """Mark the header link of this page's section: 'page' when the page is the link's, 'true' within it."""
    g.nav_section = (kind, slug, current)


def nav_current(kind: str, slug: str | None = None) -> Markup:
    """The aria-current attribute for a header link, if it is this page's section."""
    section = g.get("nav_section")
    if section and section[:2] == (kind, slug):
        return Markup(' aria-current="{}"').format(section[2])
    return Markup("")


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


def menu_categories() -> list[Category]:
    """The categories the header menu lists, read once a request: the front page's sections follow the same list."""
    if "menu_categories" not in g:
        g.menu_categories = Category.in_use()
    return g.menu_categories


def site_context() -> dict:
    """The site name, the categories for the header and the newsroom's pages for the footer of every page, and
    whether the page is everyone's."""
    if g.get("database_unavailable"):  # the 503 page: nothing that needs the database
        return {"site_name": current_app.config["SITE_NAME"], "nav_categories": [], "footer_pages": [], "shared": True}
    return {"site_name": current_app.config["SITE_NAME"], "nav_categories": menu_categories(),
            "footer_pages": SitePage.in_footer(), "shared": rendering_shared()}


def init_app(app: Flask) -> None:
    """Register the filters and the context processor."""
    app.add_template_filter(ago)
    app.add_template_filter(local_time)
    app.add_template_filter(local_date)
    app.add_template_filter(listing_date)
    app.add_template_filter(iso_time)
    app.add_template_filter(unquote, "urldecode")  # addresses shown as readers' address bars show them
    app.add_template_global(plural)
    app.add_template_global(paged)
    app.add_template_global(nav_current)
    app.add_template_global(field_attributes)
    app.context_processor(site_context)
