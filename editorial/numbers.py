"""Checks on numbers that cannot all be true: a total smaller than what was added to it, a range
written backwards, a share of a group over 100%."""

from __future__ import annotations

import re

from editorial.findings import EditorialWarning, Finding, snippet
from editorial.reading import Body
from editorial.words import lemma, sentences

# "1,200", "2.5 million", "£1.8m", "45": the value, then an optional scale word.
_NUMBER = r"[£$€]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*(?:million|billion|thousand|bn|m|k)\b)?"
_SCALES = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}
_SCALE = re.compile(r"\s*(million|billion|thousand|bn|m|k)$")
_PERCENT = r"(?:\s*%|\s+per\s*cent)"
# "An additional 1,200 members ..., bringing its total to about 900": what was added, then the new total.
# The gaps are bounded so that a sentence with no end cannot make the search quadratic.
_ADDED_THEN_TOTAL = re.compile(
    rf"\b(?:[Aa]n additional|[Aa]nother|[Aa] further|[Aa]n extra|added)\s+(?P<added>{_NUMBER}(?:{_PERCENT})?)"
    r"(?:\s+(?P<added_unit>[a-z]+))?"
    rf".{{0,120}}?\b(?:bringing|taking|raising|lifting|pushing|boosting|increasing|swelling)\b"
    rf".{{0,60}}?\bto\s+(?:(?:about|around|some|nearly|almost|roughly|approximately|just|over|under|more than)\s+)*"
    rf"(?P<total>{_NUMBER}(?:{_PERCENT})?)(?:\s+(?P<total_unit>[a-z]+))?"
)
_BETWEEN = re.compile(
    rf"\b[Bb]etween\s+(?P<low>{_NUMBER})(?P<unit>{_PERCENT})?\s+and\s+(?P<high>{_NUMBER})(?!\s*(?:a\.?m\b|p\.?m\b|o'clock|[:.]\d))"
)
# Below this both numbers may be clock times: "open between 10 and 4" means ten in the morning to four.
_CLOCK_HOURS = 12
_SHARE = re.compile(
    rf"\b(?P<share>\d+(?:\.\d+)?){_PERCENT}\s+of\s+(?:(?:the|its|their|all|those|our)\s+)?(?P<whole>[\w-]+(?:\s+[\w-]+){{0,3}})"
)
# A percentage of these, within the four words after "of", compares with a level and is no share of a
# group: "120% of capacity", "112 per cent of the long-term average".
_LEVELS = frozenset({
    "capacity", "level", "levels", "target", "targets", "average", "normal", "budget", "cost", "costs",
    "price", "prices", "value", "salary", "pay", "income", "rent", "gdp", "original", "previous",
    "forecast", "estimate", "limit", "quota", "baseline", "benchmark", "expected", "usual", "last",
    "pre", "peak", "record", "maximum", "minimum", "amount", "figure", "total", "sum", "earnings",
})  # fmt: skip
MAX_SHARE = 100


def check_impossible_numbers(body: Body) -> list[Finding]:
    """Warn about totals, ranges and shares that cannot be right as written."""
    findings = []
    for unit in body.units:
        if unit.kind not in ("paragraph", "list-item"):
            continue
        for sentence in sentences(unit.plain):
            problem = _total_problem(sentence) or _range_problem(sentence) or _share_problem(sentence)
            if problem:
                message = f'{unit.label} {problem}: "{snippet(sentence)}"'
                findings.append((unit.line, EditorialWarning("impossible-number", message)))
    return findings


def _total_problem(sentence: str) -> str | None:
    """Describe a new total smaller than what was added to it, if the sentence gives one."""
    for match in _ADDED_THEN_TOTAL.finditer(sentence):
        added, total = match.group("added"), match.group("total")
        units = {lemma(unit) for unit in (match.group("added_unit"), match.group("total_unit")) if unit}
        if len(units) > 1:
            continue  # "another 12 months, taking the sentence to 3 years": different units
        if _is_percent(added) == _is_percent(total) and _value(total) < _value(added):
            return (
                f"gives a total of {total} after adding {added}, less than what was added; "
                "one of the two numbers is wrong"
            )
    return None


def _range_problem(sentence: str) -> str | None:
    """Describe a range whose first number is the larger ("between 700 and 500"), if there is one."""
    for match in _BETWEEN.finditer(sentence):
        low, high = _value(match.group("low")), _value(match.group("high"))
        if low > high and not (low <= _CLOCK_HOURS and high <= _CLOCK_HOURS):
            return (
                f'gives the range "{match.group().strip()}" backwards, from the larger number to the smaller; '
                "readers will wonder which end is wrong"
            )
    return None


def _share_problem(sentence: str) -> str | None:
    """Describe a share of a group over 100% ("112% of the members"), if there is one."""
    for match in _SHARE.finditer(sentence):
        whole = match.group("whole")
        if float(match.group("share")) > MAX_SHARE and not _LEVELS & set(re.split(r"[\s-]+", whole.lower())):
            return f'gives a share of {match.group("share")}% of "{whole}"; no part of a group is over 100%'
    return None


def _is_percent(number: str) -> bool:
    """Tell whether a number is a percentage."""
    return "%" in number or "cent" in number


def _value(number: str) -> float:
    """Read "£1.8 million" as 1800000.0."""
    text = re.sub(_PERCENT + "$", "", number).lstrip("£$€")
    scale = _SCALE.search(text)
    digits = text[: scale.start()] if scale else text
    return float(digits.replace(",", "")) * (_SCALES[scale.group(1)] if scale else 1)
