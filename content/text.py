"""Plain functions over text and time: the clock, slugs, tag names, excerpts, relative time, Markdown."""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo

from markdown_it import MarkdownIt

from content.sanitize import sanitize_article_html

SLUG_MAX_LENGTH = 80
TAG_NAME_MAX = 60
EXCERPT_LENGTH = 220


def now_utc() -> datetime:
    """The current time, timezone-aware UTC; the one clock everything reads (tests freeze it)."""
    return datetime.now(UTC)


class AtMostEvery:
    """Work done at most once per interval by this process, by the one clock: due at first, when the
    interval has passed, when the clock went back past the last time (a test moving it), or when forgotten."""

    def __init__(self, interval: timedelta) -> None:
        self.interval, self.last = interval, None

    def due(self) -> bool:
        """True when the work should run now; the time is then noted as its last run."""
        now = now_utc()
        if self.last is not None and self.last <= now < self.last + self.interval:
            return False
        self.last = now
        return True

    def forget(self) -> None:
        """Make the work due at the next ask."""
        self.last = None


def token_digest(token: str) -> str:
    """How a secret token is stored: hashed, so a copy of the database opens nothing."""
    return hashlib.sha256(token.encode()).hexdigest()


# Latin letters with no accent to decompose that still have a plain ASCII spelling.
LATIN_ASCII = {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ħ": "h", "ı": "i",
               "ŧ": "t", "ƀ": "b", "ß": "ss"}


def _is_latin(ch: str) -> bool:
    """True for a letter of the Latin script (full-width forms included)."""
    return unicodedata.category(ch).startswith("L") and "LATIN" in unicodedata.name(ch, "")


def _fold_latin(ch: str) -> str:
    """A Latin letter lowercased with its accents folded to ASCII: 'É' -> 'e', 'Æ' -> 'ae'."""
    folded = unicodedata.normalize("NFKD", ch.casefold())
    return "".join(LATIN_ASCII.get(c, c) for c in folded if not unicodedata.combining(c))


def _slug_pieces(text: str):
    """Each character of NFC text as a slug spells it; '-' for anything but a letter, mark or digit."""
    after_latin = False
    # Lowercasing the whole text, not letter by letter, keeps the Greek final sigma: 'ΟΔΟΣ' -> 'οδος'.
    for ch in unicodedata.normalize("NFC", text.lower()):
        kind = unicodedata.category(ch)
        if kind.startswith("M"):
            # On a Latin letter a mark is an accent; in other scripts (Arabic, Hindi) it is part of the word.
            yield "" if after_latin else ch
            continue
        after_latin = _is_latin(ch)
        if after_latin:
            yield _fold_latin(ch)
        elif kind.startswith("L") or kind == "Nd":
            yield ch
        elif kind in ("Nl", "No") and unicodedata.normalize("NFKC", ch) != ch:
            yield from _slug_pieces(unicodedata.normalize("NFKC", ch))  # '²' -> '2', 'Ⅻ' -> 'xii'
        else:
            yield "-"


def slugify(text: str) -> str:
    """A readable URL slug: the title's words as written (NFC, lowercase), Latin accents folded, hyphens between.

    Marks stay with their letters: dropping the voiced marks of 'で' or the hamza of 'أ' would spell other words.
    """
    slug = re.sub(r"-+", "-", "".join(_slug_pieces(text))).strip("-")
    if len(slug) > SLUG_MAX_LENGTH:
        slug = _cut_slug(slug)
    return slug


def _cut_slug(slug: str) -> str:
    """The slug cut to SLUG_MAX_LENGTH at a hyphen, or at least not between a letter and its marks."""
    cut = slug[:SLUG_MAX_LENGTH]
    if slug[SLUG_MAX_LENGTH] != "-" and "-" in cut:
        return cut.rsplit("-", 1)[0]
    while cut and unicodedata.category(slug[len(cut)]).startswith("M"):
        cut = cut[:-1]
    return cut.rstrip("-")


def unique_slug(text: str, taken: Callable[[str], bool], fallback: str = "article") -> str:
    """slugify(text), with -2, -3, ... appended while taken(slug) says it is in use."""
    base = slugify(text) or fallback
    slug, suffix = base, 1
    while taken(slug):
        suffix += 1
        slug = f"{base}-{suffix}"
    return slug


# Scripts written without spaces between words, where one character can be a whole word ('株').
UNSPACED_SCRIPTS = ("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH", "HIRAGANA", "KATAKANA", "THAI",
                    "LAO", "KHMER", "MYANMAR", "TIBETAN", "YI ")
TAG_NAME_MIN = 2


def normalize_tag_name(name: str) -> str:
    """A tag's display name: a leading '#' dropped, hyphens and runs of space folded to one space, ends trimmed."""
    return " ".join(re.sub(r"[-_]+", " ", name.strip().lstrip("#")).split())


def _in_unspaced_script(ch: str) -> bool:
    """True for a character of a script written without spaces (Chinese, Japanese, Thai, ...)."""
    return unicodedata.name(ch, "").startswith(UNSPACED_SCRIPTS)


def tag_problem(name: str) -> str | None:
    """Why a normalized tag name cannot be a tag, or None when it can."""
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        return "a tag needs a letter, not only digits or punctuation"
    characters = [ch for ch in name if not ch.isspace() and not unicodedata.category(ch).startswith("M")]
    if len(characters) < TAG_NAME_MIN and not any(map(_in_unspaced_script, characters)):
        return f"a tag needs at least {TAG_NAME_MIN} characters (one is enough in Chinese or Japanese)"
    if len(name) > TAG_NAME_MAX:
        return f"a tag can have at most {TAG_NAME_MAX} characters"
    return None


def sort_tag_names(raw: str, separator: str | None = ",") -> tuple[list[str], list[tuple[str, str]]]:
    """(names kept, one per slug in the order given; (name, why) for each refused) from a list of tag names."""
    names: dict[str, str] = {}
    refused: list[tuple[str, str]] = []
    for part in raw.split(separator):
        name = normalize_tag_name(part)
        if not name:
            continue
        if problem := tag_problem(name):
            refused.append((name, problem))
        else:
            names.setdefault(slugify(name), name)
    return list(names.values()), refused


def split_tag_names(raw: str) -> list[str]:
    """Comma-separated tag names, normalized, one per slug, in the order given; refused names left out."""
    return sort_tag_names(raw)[0]


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


def relative_time_holds_until(then: datetime, now: datetime | None = None) -> datetime:
    """The moment relative_time(then) next reads differently: '5 minutes ago' holds until the sixth minute."""
    seconds = ((now or now_utc()) - then).total_seconds()
    if seconds < 60:
        return then + timedelta(seconds=60)
    for limit, divisor, _, _ in _RELATIVE_UNITS:
        if seconds < limit:
            return then + timedelta(seconds=min((seconds // divisor + 1) * divisor, limit) if divisor else limit)
    return then + timedelta(days=365 * (seconds // (365 * 86400) + 1))


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
            paragraphs.append(_inline_words(token))
    return " ".join(paragraphs)


def _inline_words(token) -> str:
    """The text of one inline token (a paragraph, heading, list item or table cell), line breaks as spaces."""
    # A line break inside a paragraph separates words; joined as nothing it would glue two into one.
    return "".join(child.content if child.type in ("text", "code_inline") else " "
                   for child in token.children or () if child.type in ("text", "code_inline", "softbreak", "hardbreak"))


# What a browser would read as a tag or a comment, had the text been HTML: never words for the index.
_TAG_LIKE = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.S)


def markdown_text(source: str) -> str:
    """Every word a reader sees in a Markdown body: paragraphs, headings, lists, quotes, tables and code.

    Raw HTML is shown to readers as text, but tag-shaped runs are dropped, so `<span>` never becomes a word.
    """
    parts = []
    for token in _MARKDOWN.parse(source):
        if token.type == "inline":
            parts.append(_inline_words(token))
        elif token.type in ("code_block", "fence"):
            parts.append(token.content)
    return " ".join(_TAG_LIKE.sub(" ", " ".join(parts)).split())


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
