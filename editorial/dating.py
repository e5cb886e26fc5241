"""Dates as a sentence gives them, exact or vague, read as the span of days they can mean.

"On 4 June 2025" is one day; "in mid-March 2025" about ten; "in the spring of 2023" three months;
"last Tuesday" a week before the publication date. Two dates of one event conflict when their spans
cannot meet, so a vague date only conflicts with what it rules out.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import NamedTuple

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
# Capitalised only: "may" and "march" in lowercase are usually not months.
MONTH = r"(?:" + "|".join(sorted((name.capitalize() for name in MONTHS), key=len, reverse=True)) + r")\b\.?"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = "(?:" + "|".join(_WEEKDAYS) + ")"
# The days of a month that "early", "mid" and "late" can mean, generously: writers round.
_PARTS = {"early": (1, 12), "start": (1, 12), "beginning": (1, 12), "mid": (8, 23), "middle": (8, 23),
          "late": (18, 31), "end": (18, 31)}  # fmt: skip
# A season's months, generously (meteorological and astronomical seasons differ by three weeks):
# (first month, first day), (last month, last day), and how many years the end lies after the start.
_SEASONS = {
    "spring": ((3, 1), (6, 21), 0), "summer": ((6, 1), (9, 22), 0), "autumn": ((9, 1), (12, 21), 0),
    "fall": ((9, 1), (12, 21), 0), "winter": ((12, 1), (3, 20), 1),
}  # fmt: skip
# A date without a year is taken to be in the year that puts it at most this long after publication.
_YEARLESS_AHEAD = timedelta(days=60)

_DATE_TEXT = re.compile(
    rf"""
    \b(?P<iso_year>\d{{4}})-(?P<iso_month>\d{{2}})-(?P<iso_day>\d{{2}})\b
    | \b(?P<dmy_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dmy_month>{MONTH})(?:,?\s+(?P<dmy_year>\d{{4}})\b)?
    | \b(?P<mdy_month>{MONTH})\s+(?P<mdy_day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<mdy_year>\d{{4}})\b)?
    | (?:\b(?P<part>[Ee]arly|[Mm]id|[Ll]ate)(?:-|\s+in\s+|\s+)|\b[Tt]he\s+(?P<part_of>start|beginning|middle|end)\s+of\s+)
      (?P<part_month>{MONTH})(?:,?\s+(?P<part_year>\d{{4}})\b)?
    | \b(?P<my_month>{MONTH})\s+(?P<my_year>\d{{4}})\b
    | \b(?:[Ii]n|[Dd]uring)\s+(?P<bare_month>{MONTH})(?!\s*\d)
    | \b(?P<season>[Ss]pring|[Ss]ummer|[Aa]utumn|[Ff]all|[Ww]inter)(?:\s+of)?\s+(?P<season_year>\d{{4}})\b
    | \b(?P<yesterday>[Yy]esterday)\b | \b(?P<today>[Tt]oday)\b
    | \b(?P<last>[Ll]ast)\s+(?P<last_weekday>{_WEEKDAY})\b
    | \b(?:[Oo]n|[Tt]his)\s+(?P<weekday>{_WEEKDAY})\b
    """,
    re.VERBOSE,
)


class Day(NamedTuple):
    """A calendar day whose year may be unknown."""

    year: int | None
    month: int
    day: int


class Span(NamedTuple):
    """The days a date in the text can mean, first to last, and the words that gave it."""

    first: Day
    last: Day
    text: str


def date_spans(sentence: str, published: date | None) -> list[Span | None]:
    """Return each date the sentence gives, as a span; None for one that cannot be placed or is no real day."""
    return [_span(match, published) for match in _DATE_TEXT.finditer(sentence)]


def date_text_removed(sentence: str) -> str:
    """Return the sentence without its dates, so their words ("Last", "March") are not taken for names."""
    return _DATE_TEXT.sub(" ", sentence)


def can_coincide(first: Span, second: Span, published: date | None) -> bool:
    """Tell whether two spans share a day, reading a yearless one in the other's year or near publication."""
    start, end = _dates(first, second, published)
    other_start, other_end = _dates(second, first, published)
    return start <= other_end and other_start <= end


def _span(match: re.Match[str], published: date | None) -> Span | None:
    """Read one matched date as a span of days."""
    parts = {name: value for name, value in match.groupdict().items() if value}
    text = match.group().strip()
    try:
        if "iso_year" in parts or "dmy_day" in parts or "mdy_day" in parts:
            return _day_span(parts, text)
        if "my_month" in parts or "bare_month" in parts or "part_month" in parts:
            return _month_span(parts, text)
        if "season" in parts:
            return _season_span(parts, text)
    except ValueError:
        return None  # "February 30", "2024-13-45": no such day
    return _relative_span(parts, text, published) if published else None


def _day_span(parts: dict[str, str], text: str) -> Span:
    """Read "4 June 2025", "June 4" or "2025-06-04" as one day."""
    prefix = next(name.split("_")[0] for name in parts)
    year, month, day = (parts.get(f"{prefix}_{part}") for part in ("year", "month", "day"))
    when = Day(int(year) if year else None, _month_number(month), int(day))
    date(when.year or 2000, when.month, when.day)  # 2000 is a leap year, so a yearless "February 29" passes
    return Span(when, when, text)


def _month_span(parts: dict[str, str], text: str) -> Span:
    """Read "mid-March 2025", "in late July", "November 2023" or "in May" as days of one month."""
    month = _month_number(parts.get("my_month") or parts.get("bare_month") or parts["part_month"])
    year_text = parts.get("my_year") or parts.get("part_year")
    year = int(year_text) if year_text else None
    last_day = calendar.monthrange(year or 2000, month)[1]
    part = (parts.get("part") or parts.get("part_of") or "").lower()
    first, last = _PARTS.get(part, (1, last_day))
    return Span(Day(year, month, first), Day(year, month, min(last, last_day)), text)


def _season_span(parts: dict[str, str], text: str) -> Span:
    """Read "the spring of 2023" or "winter 2024" as the months of that season."""
    (first_month, first_day), (last_month, last_day), years = _SEASONS[parts["season"].lower()]
    year = int(parts["season_year"])
    if years:  # "winter 2024" may be the one that starts in December 2023 or the one that ends in 2025
        return Span(Day(year - 1, first_month, first_day), Day(year + years, last_month, last_day), text)
    return Span(Day(year, first_month, first_day), Day(year, last_month, last_day), text)


def _relative_span(parts: dict[str, str], text: str, published: date) -> Span:
    """Read "yesterday", "last Tuesday" or "on Friday" as days around the publication date."""
    if "yesterday" in parts or "today" in parts:
        first = last = published - timedelta(days=1 if "yesterday" in parts else 0)
    elif "last_weekday" in parts:
        # "Last Tuesday" is the latest Tuesday before publication, or for some writers the one before it.
        back = (published.weekday() - _WEEKDAYS.index(parts["last_weekday"])) % 7 or 7
        first, last = published - timedelta(days=back + 7), published - timedelta(days=back)
    else:
        first, last = published - timedelta(days=6), published + timedelta(days=6)
    return Span(Day(first.year, first.month, first.day), Day(last.year, last.month, last.day), text)


def _month_number(name: str) -> int:
    """Return the number of a month name or abbreviation, or of a two-digit month."""
    return int(name) if name.isdigit() else MONTHS[name.rstrip(".").lower()]


def _dates(span: Span, other: Span, published: date | None) -> tuple[date, date]:
    """Return a span's first and last dates, giving a yearless span the other's year or one near publication."""
    if span.first.year is not None:
        return _date(span.first), _date(span.last)
    if other.first.year is not None:
        year = other.first.year
    elif published is not None:
        year = published.year if _date(span.first._replace(year=published.year)) <= published + _YEARLESS_AHEAD else published.year - 1
    else:
        year = 2000  # both yearless: compare within one leap year
    return _date(span.first._replace(year=year)), _date(span.last._replace(year=year))


def _date(day: Day) -> date:
    """Return a Day with a year as a date, moving February 29 of a common year to the 28th."""
    last_day = calendar.monthrange(day.year, day.month)[1]
    return date(day.year, day.month, min(day.day, last_day))
