"""Plain functions over text and time: the clock, slugs, tag names, excerpts, relative time, Markdown."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo

from markdown_it import MarkdownIt

from sanitize import sanitize_article_html

SLUG_MAX_LENGTH = 80
TAG_NAME_MAX = 60
EXCERPT_LENGTH = 220


def now_utc() -> datetime:
    """The current time, timezone-aware UTC; the one clock everything reads (tests freeze it)."""
    return datetime.now(UTC)


def slugify(text: str) -> str:
    """A readable URL slug: accents dropped, other scripts kept, words joined by hyphens."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.findall(r"[^\W_]+", unicodedata.normalize("NFC", without_marks))
    slug = "-".join(words)
    if len(slug) > SLUG_MAX_LENGTH:
        slug = slug[:SLUG_MAX_LENGTH].rsplit("-", 1)[0]
    return slug


def unique_slug(text: str, taken: Callable[[str], bool], fallback: str = "article") -> str:
    """slugify(text), with -2, -3, ... appended while taken(slug) says it is in use."""
    base = slugify(text) or fallback
    slug, suffix = base, 1
    while taken(slug):
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


def normalize_tag_name(name: str) -> str:
    """A tag's display name: hyphens and runs of space folded to one space, ends trimmed."""
    return " ".join(re.sub(r"[-_]+", " ", name).split())


def split_tag_names(raw: str) -> list[str]:
    """Comma-separated tag names, normalized, one per slug, in the order given."""
    names: dict[str, str] = {}
    for part in raw.split(","):
        name = normalize_tag_name(part)
        if name and slugify(name):
            names.setdefault(slugify(name), name)
    return list(names.values())


# Seconds in each unit of "3 weeks ago"; months and years as relative_time counts them.
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400, "year": 365 * 86400}
# Older than this an age is a typing slip, not a news article.
MAX_AGE = timedelta(days=200 * 365)


def age_of(count: int, unit: str) -> timedelta:
    """'3', 'weeks' as a timedelta; ValueError for an unknown unit or an age past MAX_AGE."""
    seconds = UNIT_SECONDS.get(unit.lower().removesuffix("s"))
    if seconds is None:
        raise ValueError(f"unknown unit {unit!r}")
    if count * seconds > MAX_AGE.total_seconds():
        raise ValueError(f"an age of {count} {unit} is too old")
    return timedelta(seconds=count * seconds)


def excerpt(plain_text: str, length: int = EXCERPT_LENGTH) -> str:
    """The start of a text, cut at a word boundary with an ellipsis when it is longer."""
    text = " ".join(plain_text.split())
    if len(text) <= length:
        return text
    cut = text[: length + 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"


# (limit in seconds, divisor in seconds, singular, plural); the first limit above the age wins.
_RELATIVE_UNITS = (
    (3600, 60, "1 minute ago", "{} minutes ago"),
    (86400, 3600, "1 hour ago", "{} hours ago"),
    (2 * 86400, None, "yesterday", "yesterday"),
    (7 * 86400, 86400, "1 day ago", "{} days ago"),
    (30 * 86400, 7 * 86400, "1 week ago", "{} weeks ago"),
    (365 * 86400, 30 * 86400, "1 month ago", "{} months ago"),
)


def relative_time(then: datetime, now: datetime | None = None) -> str:
    """'just now', '5 minutes ago', 'yesterday', '3 weeks ago', ... for a past time."""
    seconds = ((now or now_utc()) - then).total_seconds()
    if seconds < 60:
        return "just now"
    for limit, divisor, one, many in _RELATIVE_UNITS:
        if seconds < limit:
            count = int(seconds // divisor) if divisor else 1
            return one if count == 1 else many.format(count)
    years = int(seconds // (365 * 86400))
    return "1 year ago" if years == 1 else f"{years} years ago"


def markdown_parser() -> MarkdownIt:
    """The one Markdown parser, for rendering and for the editorial checks: CommonMark with tables, raw HTML shown as text."""
    return MarkdownIt("commonmark", {"html": False}).enable("table")


_MARKDOWN = markdown_parser()


def _shift_headings(tokens) -> None:
    """Move the body's top heading level to h2 and cap at h4, so the page title stays the only h1."""
    headings = [token for token in tokens if token.type in ("heading_open", "heading_close")]
    if not headings:
        return
    offset = 2 - min(int(token.tag[1]) for token in headings)
    for token in headings:
        token.tag = f"h{min(int(token.tag[1]) + offset, 4)}"


def render_markdown(source: str) -> tuple[str, str]:
    """(sanitized body HTML, plain text of its paragraphs) for an article's Markdown source."""
    tokens = _MARKDOWN.parse(source)
    _shift_headings(tokens)
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return sanitize_article_html(html), _paragraph_text(tokens)


def _paragraph_text(tokens) -> str:
    """The plain words of the top-level paragraphs, for excerpts."""
    paragraphs = []
    for previous, token in itertools.pairwise(tokens):
        if token.type == "inline" and previous.type == "paragraph_open" and previous.level == 0:
            words = [child.content for child in token.children or () if child.type in ("text", "code_inline")]
            paragraphs.append("".join(words))
    return " ".join(paragraphs)


def escape_markdown(line: str) -> str:
    """One line of plain text as Markdown that renders exactly as written."""
    escaped = re.sub(r"([\\`*_\[\]<>&~|])", r"\\\1", line.strip())
    # Characters that only mean something at the start of a line: headings, quotes, lists, rules.
    escaped = re.sub(r"^([#>+=-])", r"\\\1", escaped)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)


def local_to_utc(local: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time typed in the site's time zone, as aware UTC."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def utc_to_local(moment: datetime, zone: tzinfo) -> datetime:
    """An aware time as the site's wall clock, without tzinfo, for a datetime-local field."""
    return moment.astimezone(zone).replace(tzinfo=None)
