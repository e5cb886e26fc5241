"""The page-capture importer: parse a plain-text capture, then store it in one transaction."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from content.text import age_of, escape_markdown, now_utc, slugify, sort_tag_names, unique_slug
from models import Article, ArticleStatus, Category, Tag, db

# Larger read counts are typing slips, and would not fit a database integer.
MAX_READS = 10**12

FIRST_LINE = re.compile(
    r"^(?P<category>\S.*?)\s+Created\s+"
    r"(?:(?P<count>\d+|an?|one)\s+(?P<unit>minute|hour|day|week|month|year)s?\s+ago|(?P<word>yesterday|just now))\s+"
    r"(?P<reads>\d{1,3}(?:[,.\u00a0\u202f' ]\d{3})+|\d+)\s+Reads?\b(?P<keywords>.*)$",
    re.IGNORECASE,
)
TITLE_LINE = re.compile(r'^["“”„](?P<title>.*\S.*)["“”]$')
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
# 'June 4, 2025:', 'November 2024:', '4 June 2025:', '2024-03-03:', and without a year 'March 3:' or
# '1 February:', start an item of a dated list.
DATED_LINE = re.compile(
    rf"^(?:{_MONTH}\s+(?:\d{{1,2}},?\s+)?\d{{4}}|{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}):\s*\S",
    re.IGNORECASE,
)
CLOSING_PUNCTUATION = tuple(".!?…:;\"”’)]")
SUBHEADING_MAX_LENGTH = 80
TRAILER = "be the first to comment."


class CaptureError(ValueError):
    """A capture that breaks the format, at a 1-based line number."""

    def __init__(self, line: int, problem: str):
        super().__init__(f"line {line}: {problem}")
        self.line = line


@dataclass
class Capture:
    """What a page capture says: the article's fields, its body as Markdown."""

    category: str
    age: timedelta
    reads: int
    keywords: list[str]
    title: str
    body: str
    refused_keywords: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportResult:
    """How one file went: imported, skipped (slug exists) or refused (bad format)."""

    path: str
    status: str
    message: str
    notes: list[str] = field(default_factory=list)  # keywords dropped, categories created

    @property
    def ok(self) -> bool:
        """True unless the file was refused."""
        return self.status != "refused"

    @property
    def refused(self) -> bool:
        """True when the file broke the format or could not be stored."""
        return self.status == "refused"


def parse_first_line(line: str) -> tuple[str, timedelta, int, list[str], list[tuple[str, str]]]:
    """(category, age, reads, keywords, refused keywords with why) from '<Category> Created ... Reads <keyword>...'."""
    match = FIRST_LINE.match(line.strip())
    if not match:
        raise CaptureError(1, "expected '<Category> Created <N> <unit> ago <R> Reads <keyword> ...'")
    category, reads = " ".join(match["category"].split()), int(re.sub(r"\D", "", match["reads"]))
    if not slugify(category) or len(category) > Category.NAME_MAX:
        raise CaptureError(1, f"the category needs 1 to {Category.NAME_MAX} characters with a letter or digit")
    if reads > MAX_READS:
        raise CaptureError(1, f"{reads:,} reads is more than this site can count")
    keywords, refused = sort_tag_names(match["keywords"], separator=None)
    return category, parse_age(match), reads, keywords, refused


def parse_age(match: re.Match) -> timedelta:
    """The age a first line gives: 'N units ago', 'yesterday' or 'just now'."""
    word = (match["word"] or "").lower()
    if word == "just now":
        return timedelta(0)
    if word == "yesterday":
        return timedelta(days=1)
    count = 1 if match["count"].lower() in ("a", "an", "one") else int(match["count"])
    try:
        return age_of(count, match["unit"])
    except ValueError as error:
        raise CaptureError(1, str(error)) from None


def parse_title(line: str) -> str:
    """The title from line 2, inside straight or curly double quotes."""
    match = TITLE_LINE.match(line.strip())
    if not match:
        raise CaptureError(2, "expected the title in double quotes")
    title = match["title"].strip()
    if len(title) > Article.TITLE_MAX:
        raise CaptureError(2, f"the title is longer than {Article.TITLE_MAX} characters")
    return title


def is_debris(line: str) -> bool:
    """A line holding only markup left over from the capture, such as '**'."""
    return not re.search(r"\w", line)


def is_subheading(line: str) -> bool:
    """A short line without closing punctuation reads as a subheading."""
    return len(line) <= SUBHEADING_MAX_LENGTH and not line.endswith(CLOSING_PUNCTUATION)


def body_markdown(lines: list[str]) -> str:
    """The capture's body lines as Markdown: paragraphs, subheadings, dated lists."""
    kept = [line.strip() for line in lines if line.strip() and not is_debris(line)]
    if kept and kept[-1].lower() == TRAILER:
        kept.pop()
    blocks: list[str] = []
    for line in kept:
        if DATED_LINE.match(line):
            item = "- " + escape_markdown(line)
            if blocks and blocks[-1].startswith("- "):
                blocks[-1] += "\n" + item
            else:
                blocks.append(item)
        elif is_subheading(line):
            blocks.append("## " + escape_markdown(line))
        else:
            blocks.append(escape_markdown(line))
    return "\n\n".join(blocks)


def parse_capture(text: str) -> Capture:
    """A whole capture, or CaptureError naming the first line that breaks the format."""
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CaptureError(1, "the file is empty")
    category, age, reads, keywords, refused = parse_first_line(lines[0])
    if len(lines) < 2:
        raise CaptureError(2, "expected the title in double quotes")
    title = parse_title(lines[1])
    body = body_markdown(lines[2:])
    if not body:
        raise CaptureError(3, "the article has no body")
    return Capture(category, age, reads, keywords, title, body, refused)


def read_capture(path: Path) -> str:
    """The file's text; CaptureError naming the first line that is not UTF-8."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CaptureError(raw[: error.start].count(b"\n") + 1, "is not valid UTF-8 text") from None


def store_capture(capture: Capture, slug: str) -> Article:
    """Add the article a capture describes, published at now minus its age (flushed, not committed)."""
    published_at = now_utc() - capture.age
    article = Article(
        slug=slug, title=capture.title, status=ArticleStatus.PUBLISHED,
        category=Category.get_or_create(capture.category), tags=Tag.get_or_create_all(capture.keywords),
        created_at=published_at, published_at=published_at, reads=capture.reads,
    )
    article.set_body(capture.body)
    db.session.add(article)
    db.session.flush()
    return article


def slug_for(title: str) -> str:
    """The title's slug; a title with no letter or digit takes 'article', then 'article-2', ..."""
    return slugify(title) or unique_slug(title, Article.slug_taken)


def capture_notes(path: Path, capture: Capture, new_categories: set[str]) -> list[str]:
    """The lines told besides the result: each keyword dropped and why, the category if it is new."""
    notes = [f"{path}: dropped keyword '{name}': {why}" for name, why in capture.refused_keywords]
    if Category.find(capture.category) is None and slugify(capture.category) not in new_categories:
        notes.append(f"new category: {capture.category}")
    return notes


def import_file(path: Path, dry_run: bool = False, new_categories: set[str] | None = None) -> ImportResult:
    """Parse and store one capture (or, in a dry run, only check it); nothing is stored unless all of it is."""
    try:
        capture = parse_capture(read_capture(path))
    except CaptureError as error:
        return ImportResult(str(path), "refused", f"{path}: refused: {error}")
    except OSError as error:
        return ImportResult(str(path), "refused", f"{path}: refused: cannot read the file ({error.strerror})")
    slug = slug_for(capture.title)
    if Article.slug_taken(slug):
        return ImportResult(str(path), "skipped", f"{path}: skipped: an article with the slug '{slug}' exists")
    new_categories = set() if new_categories is None else new_categories
    notes = capture_notes(path, capture, new_categories)
    try:
        store_capture(capture, slug)
        db.session.rollback() if dry_run else db.session.commit()
    except (SQLAlchemyError, OverflowError, ValueError) as error:
        db.session.rollback()
        return ImportResult(str(path), "refused", f"{path}: refused: could not be stored ({type(error).__name__})")
    new_categories.add(slugify(capture.category))  # a dry run tells of it once, as a real import would
    verb = "would import" if dry_run else "imported"
    return ImportResult(str(path), "imported", f"{path}: {verb} '{capture.title}' as /articles/{slug}", notes)


def import_files(paths: Iterable[str | Path], dry_run: bool = False) -> list[ImportResult]:
    """Import each file on its own, so one bad file does not stop the others; a dry run stores nothing."""
    new_categories: set[str] = set()
    return [import_file(Path(path), dry_run, new_categories) for path in paths]
