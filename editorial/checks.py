"""The editorial checks over a whole article: title and summary, then each family of body checks in reading order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from editorial import dates, numbers, repetition, structure
from editorial.findings import EditorialWarning, Finding, snippet
from editorial.reading import MAX_ANALYSED_CHARACTERS, Body, read_body

# Listings and search engines cut titles off beyond this many characters.
MAX_TITLE_LENGTH = 110

_BODY_CHECKS: tuple[Callable[[Body], list[Finding]], ...] = (
    structure.check_unfinished_paragraphs,
    structure.check_markup_debris,
    structure.check_raw_html,
    repetition.check_repetition,
    structure.check_empty_subheadings,
    dates.check_dated_lists,
    numbers.check_impossible_numbers,
)


def editorial_warnings(title: str, summary: str, body: str, published: date | None = None) -> list[EditorialWarning]:
    """List what an editor may want to fix: title and summary first, then the body in reading order.

    `published` is the publication date, when known: relative dates ("last Tuesday") are read from it.
    """
    read = read_body(body)
    conflicts = dates.check_conflicting_dates(read, published)  # the one check that needs the date
    findings = _without_restated_conflicts([finding for check in _BODY_CHECKS for finding in check(read)], conflicts)
    findings += conflicts
    findings.sort(key=lambda finding: finding[0])  # stable, so one line's warnings keep check order
    warnings = _title_and_summary_warnings(title, summary) + [warning for _, warning in findings]
    return warnings + _cut_warning(read)


def _without_restated_conflicts(findings: list[Finding], conflicts: list[Finding]) -> list[Finding]:
    """Drop a repetition where the same place gives one event another date: the conflict says more."""
    conflicting_lines = {line for line, _ in conflicts}
    return [(line, warning) for line, warning in findings if not (warning.check == "repetition" and line in conflicting_lines)]


def _title_and_summary_warnings(title: str, summary: str) -> list[EditorialWarning]:
    """Warn about an overlong title and a missing summary."""
    warnings = []
    length = len(title.strip())
    if length > MAX_TITLE_LENGTH:
        message = f'Title is {length} characters, over the {MAX_TITLE_LENGTH}-character limit: "{snippet(title)}"'
        warnings.append(EditorialWarning("long-title", message))
    if not summary.strip():
        message = "Summary is missing; listings will show the start of the body instead."
        warnings.append(EditorialWarning("missing-summary", message))
    return warnings


def _cut_warning(read: Body) -> list[EditorialWarning]:
    """Say that a body past the limit was checked only up to a line, so silence about the rest means nothing."""
    if read.cut_after_line is None:
        return []
    message = (
        f"Body is longer than {MAX_ANALYSED_CHARACTERS:,} characters, so it was checked only up to line "
        f"{read.cut_after_line}; nothing after it was checked."
    )
    return [EditorialWarning("body-too-long", message)]
