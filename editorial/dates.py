"""Checks on dates: timelines out of order, and one event given two different dates."""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

from editorial.dating import MONTH, MONTHS, Span, can_coincide, date_spans, date_text_removed
from editorial.findings import EditorialWarning, Finding, lower_first, snippet
from editorial.reading import Body, Unit
from editorial.words import POSSESSIVE, TOKEN, is_significant, lemma, sentences

# With fewer dated items a list is always in some order.
DATED_LIST_MIN_ITEMS = 3
# A list without years that jumps back this many months is taken to cross New Year.
YEAR_WRAP_MONTHS = 9
# Share of named entities two dated sentences must have in common to be one event.
DATE_CONFLICT_MIN_ENTITY_OVERLAP = 0.5
# Share of other content words ("opened", "traffic") they must have in common too.
DATE_CONFLICT_MIN_WORD_OVERLAP = 0.6
# One shared content word is too common to identify an event on its own...
DATE_CONFLICT_MIN_SHARED_WORDS = 2
# ...unless the sentences also share this many names ("Jane Smith", "Hollin Bridge"): then one shared
# word ("opened") will do, as long as it is most of what the shorter sentence says happened.
DATE_CONFLICT_MIN_SHARED_NAMES = 2
# With fewer names, this many shared words of which most of the shorter account consists will do:
# "the union and the bus company agreed a new pay deal" and "the bus company and the union reached
# the pay agreement" share union, bus, company and pay (tests/editorial_cases/defect-dates.md, case 3).
DATE_CONFLICT_MIN_RETOLD_WORDS = 3
# An article gives a few dozen full dates, a long timeline a couple of hundred; comparing every pair
# of dated sentences beyond this many would make a pasted list slow.
MAX_DATED_SENTENCES = 500

_DATE = re.compile(
    rf"""
    \b(?P<iso_year>\d{{4}})-(?P<iso_month>\d{{2}})-(?P<iso_day>\d{{2}})\b
    | \b(?P<dmy_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmy_month>{MONTH})(?:,?\s+(?P<dmy_year>\d{{4}})\b)?
    | \b(?P<mdy_month>{MONTH})\s+(?P<mdy_day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<mdy_year>\d{{4}})\b)?
    | \b(?P<my_month>{MONTH})\s+(?P<my_year>\d{{4}})\b
    """,
    re.VERBOSE,
)
_LEADING_YEAR = re.compile(r"(\d{4})(?=[*_]*\s*[:–—])")
# What may follow the date that opens a list item: punctuation, or the end of bold.
_DATE_SEPARATOR = re.compile(r"[*_]*\s*[:,–—-]|[*_]+\s")


class _PartialDate(NamedTuple):
    """A calendar date of which the year, month or day may be unknown."""

    year: int | None
    month: int | None
    day: int | None


def _parse_date(match: re.Match[str]) -> _PartialDate | None:
    """Turn a _DATE match into a date, or None if no such day exists."""
    parts = match.groupdict()
    prefix = next(name.split("_")[0] for name, value in parts.items() if value)
    year, month, day = (parts.get(f"{prefix}_{part}") for part in ("year", "month", "day"))
    month_number = int(month) if month.isdigit() else MONTHS[month.rstrip(".").lower()]
    try:
        # 2000 is a leap year, so a yearless "February 29" passes.
        date(int(year or 2000), month_number, int(day or 1))
    except ValueError:
        return None
    return _PartialDate(int(year) if year else None, month_number, int(day) if day else None)


def _leading_date(item: str) -> _PartialDate | None:
    """Return the date a list item opens with ("June 4, 2025: ..."), if any."""
    text = item.lstrip("*_ ")
    match = _DATE.match(text)
    if match:
        return _parse_date(match) if _DATE_SEPARATOR.match(text, match.end()) else None
    year = _LEADING_YEAR.match(text)
    return _PartialDate(int(year.group(1)), None, None) if year else None


def check_dated_lists(body: Body) -> list[Finding]:
    """Warn about dated lists whose dates run neither forwards nor backwards."""
    findings = []
    for block in body.blocks:
        if block.kind != "list":
            continue
        dated = [(number, text, when) for number, text in block.items if (when := _leading_date(text))]
        if finding := _dated_list_finding(block.line, dated):
            findings.append(finding)
    return findings


def _dated_list_finding(start: int, dated: list[tuple[int, str, _PartialDate]]) -> Finding | None:
    """Describe the first item that breaks a dated list's order, if one does."""
    if len(dated) < DATED_LIST_MIN_ITEMS:
        return None
    keys = _chronological_keys([when for _, _, when in dated])
    breaking = _first_out_of_order(keys) if keys else None
    if breaking is None:
        return None
    number, text, _ = dated[breaking]
    message = (
        f"Dated list starting on line {start} is neither ascending nor descending; "
        f'line {number} breaks the order: "{snippet(text)}"'
    )
    return number, EditorialWarning("date-order", message)


def _chronological_keys(dates: list[_PartialDate]) -> list[tuple[int, int, int]] | None:
    """Return sortable keys for the dates, or None when they cannot be compared."""
    if all(when.year is not None for when in dates):
        return [(when.year, when.month or 0, when.day or 0) for when in dates]
    if any(when.year is not None for when in dates):
        return None  # mixing dates with and without years is too ambiguous to judge
    return _keys_assuming_years(dates)


def _keys_assuming_years(dates: list[_PartialDate]) -> list[tuple[int, int, int]]:
    """Key yearless dates, assuming a big jump in month means the list crossed New Year."""
    keys = []
    year = 0
    for index, when in enumerate(dates):
        jump = when.month - dates[index - 1].month if index else 0
        if jump <= -YEAR_WRAP_MONTHS:
            year += 1
        elif jump >= YEAR_WRAP_MONTHS:
            year -= 1
        keys.append((year, when.month, when.day))
    return keys


def _first_out_of_order(keys: list[tuple[int, int, int]]) -> int | None:
    """Return the index of the first key against the list's direction, or None if it keeps one."""
    direction = 0
    for index in range(1, len(keys)):
        step = (keys[index] > keys[index - 1]) - (keys[index] < keys[index - 1])
        if step and not direction:
            direction = step
        elif step and step != direction:
            return index
    return None


# --- Conflicting dates -----------------------------------------------------------

# Words saying an event happened more than once, so two dates are expected.
_RECURRENCE_CUES = frozenset({
    "again", "another", "also", "annual", "each", "earlier", "every", "first", "last",
    "latest", "later", "next", "previous", "previously", "second", "third",
})  # fmt: skip


class _DatedSentence(NamedTuple):
    """A sentence that gives one date, with the words that say which event it is."""

    unit: Unit
    text: str
    span: Span
    entities: frozenset[str]  # capitalised words: people, places, organisations
    event_words: frozenset[str]  # other significant words as dictionary forms: "open", "traffic"


def _dated_sentence(unit: Unit, sentence: str, published: date | None) -> _DatedSentence | None:
    """Describe a sentence with exactly one date and no sign of a recurring event."""
    span = _the_date(date_spans(sentence, published))
    if span is None:
        return None
    tokens = TOKEN.findall(date_text_removed(sentence))
    if any(token.lower() in _RECURRENCE_CUES for token in tokens):
        return None
    words = [POSSESSIVE.sub("", token) for token in tokens]
    significant = [word for word in words if is_significant(word.lower())]
    entities = frozenset(word.lower() for word in significant if word[0].isupper())
    event_words = frozenset(lemma(word) for word in significant if word.islower())
    return _DatedSentence(unit, sentence, span, entities, event_words)


def _the_date(spans: list[Span | None]) -> Span | None:
    """Return the one day a sentence dates, or else its one vaguer date; None if it gives two of either."""
    days = [span for span in spans if span is not None and span.first == span.last]
    if days:
        # "Elected on June 1, 2022, she took office in July": the day dates the sentence's event.
        return days[0] if len(days) == 1 else None
    # A sentence with two dates usually spans two events.
    return spans[0] if len(spans) == 1 else None


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Return the Jaccard overlap of two word sets."""
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def _is_one_event(earlier: _DatedSentence, later: _DatedSentence) -> bool:
    """Tell whether two dated sentences seem to tell of one event: the same names, the same kind of action."""
    if earlier.unit.kind == later.unit.kind == "list-item":
        return False  # items of a timeline are different events by design
    if _overlap(earlier.entities, later.entities) < DATE_CONFLICT_MIN_ENTITY_OVERLAP:
        return False
    shared_words = earlier.event_words & later.event_words
    fewer = min(len(earlier.event_words), len(later.event_words))
    held = len(shared_words) / fewer if fewer else 0.0  # how much of the shorter account the longer one holds
    if len(earlier.entities & later.entities) >= DATE_CONFLICT_MIN_SHARED_NAMES:
        # Named this well, the event words one sentence has must mostly recur in the other,
        # but the other may add a clause of its own ("Crowds gathered when ...").
        return bool(shared_words) and held >= DATE_CONFLICT_MIN_WORD_OVERLAP
    if len(shared_words) < DATE_CONFLICT_MIN_SHARED_WORDS:
        return False
    # Retold in other words ("agreed a new pay deal", "reached the pay agreement"), most of the shorter
    # account recurs though the two share less than most of their words.
    retold = len(shared_words) >= DATE_CONFLICT_MIN_RETOLD_WORDS and held >= DATE_CONFLICT_MIN_WORD_OVERLAP
    return retold or _overlap(earlier.event_words, later.event_words) >= DATE_CONFLICT_MIN_WORD_OVERLAP


def check_conflicting_dates(body: Body, published: date | None = None) -> list[Finding]:
    """Warn when one event seems to be given two dates that cannot both be true."""
    dated = [
        found
        for unit in body.units
        if unit.kind in ("paragraph", "list-item")
        for sentence in sentences(unit.plain)
        if (found := _dated_sentence(unit, sentence, published))
    ]
    findings = []
    naming: dict[str, list[int]] = {}  # entity -> the dated sentences that name it
    for index, later in enumerate(dated[:MAX_DATED_SENTENCES]):
        # One event's sentences share a name, so only those are compared.
        candidates = sorted({before for name in later.entities for before in naming.get(name, ())})
        earlier = next((dated[i] for i in candidates if _conflict(dated[i], later, published)), None)
        if earlier is not None:
            findings.append(_conflicting_dates_finding(earlier, later))
        for name in later.entities:
            naming.setdefault(name, []).append(index)
    return findings


def _conflict(earlier: _DatedSentence, later: _DatedSentence, published: date | None) -> bool:
    """Tell whether two sentences date one event on days that cannot meet."""
    return not can_coincide(earlier.span, later.span, published) and _is_one_event(earlier, later)


def _conflicting_dates_finding(earlier: _DatedSentence, later: _DatedSentence) -> Finding:
    """Describe a sentence whose date contradicts an earlier one."""
    message = (
        f"{later.unit.label} gives {later.span.text} for what looks like the event "
        f'{lower_first(earlier.unit.label)} dates {earlier.span.text}: "{snippet(later.text)}"'
    )
    return later.unit.line, EditorialWarning("conflicting-dates", message)


