"""Checks for passages said twice: a paragraph, list item or sentence that repeats an earlier one."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from editorial.findings import EditorialWarning, Finding, lower_first, snippet
from editorial.reading import Body, Unit
from editorial.words import sentences, words

# Word trigrams survive small edits yet rarely match between unrelated sentences.
REPETITION_SHINGLE_SIZE = 3
# Shorter sentences ("She declined to comment.") may legitimately recur.
REPETITION_MIN_WORDS = 6
# Share of a sentence's trigrams that one earlier sentence must already contain: "most of its word
# sequence", low enough that a restatement with its clauses swapped round (about two thirds) counts.
REPETITION_MIN_OVERLAP = 0.6
# A trigram already in this many earlier sentences is a stock phrase ("said in a"); noting every
# further sentence that holds it would make finding repeats in a long body quadratic, for no better warning.
MAX_TRIGRAM_HOLDERS = 20


class _Sentence(NamedTuple):
    """A sentence, or a whole paragraph or list item, with its unit and its word trigrams."""

    unit: Unit
    text: str
    word_count: int
    shingles: frozenset[tuple[str, ...]]


def _shingled(unit: Unit, text: str) -> _Sentence:
    """Cut text into overlapping word trigrams for comparison."""
    found = words(text)
    size = REPETITION_SHINGLE_SIZE
    shingles = frozenset(tuple(found[i : i + size]) for i in range(len(found) - size + 1))
    return _Sentence(unit, text, len(found), shingles)


class _EarlierTexts:
    """The sentences, or paragraphs, read so far, indexed by word trigram to find what a new one repeats."""

    def __init__(self) -> None:
        """Start with nothing read."""
        self.texts: list[_Sentence] = []
        self.holders: dict[tuple[str, ...], list[int]] = {}

    def add(self, text: _Sentence) -> None:
        """Remember a text as read, under each trigram not yet held by MAX_TRIGRAM_HOLDERS texts."""
        for shingle in text.shingles:
            holders = self.holders.setdefault(shingle, [])
            if len(holders) < MAX_TRIGRAM_HOLDERS:
                holders.append(len(self.texts))
        self.texts.append(text)

    def source_of(self, later: _Sentence) -> _Sentence | None:
        """Return the first earlier text that already holds most of the later text's word sequence, if any."""
        if later.word_count < REPETITION_MIN_WORDS or not later.shingles:
            return None
        # Only texts sharing a trigram can hold most of them, so only those are counted, not every pair.
        shared = Counter(index for shingle in later.shingles for index in self.holders.get(shingle, ()))
        size = len(later.shingles)
        first = min((index for index, count in shared.items() if count / size >= REPETITION_MIN_OVERLAP), default=None)
        return None if first is None else self.texts[first]


def check_repetition(body: Body) -> list[Finding]:
    """Warn about paragraphs and sentences that repeat, or nearly repeat, earlier ones."""
    findings: list[Finding] = []
    earlier_units = _EarlierTexts()
    earlier_sentences = _EarlierTexts()
    for unit in body.units:
        if unit.kind not in ("paragraph", "list-item"):
            continue
        whole = _shingled(unit, unit.plain)
        said = [_shingled(unit, text) for text in sentences(unit.plain)]
        source = earlier_units.source_of(whole)
        if source is not None:
            findings.append(_repeated_unit_finding(whole, source))
            for sentence in said:
                earlier_sentences.add(sentence)
        else:
            findings += _repeated_sentence_findings(said, earlier_sentences)
        earlier_units.add(whole)
    return findings


def _repeated_sentence_findings(said: list[_Sentence], earlier: _EarlierTexts) -> list[Finding]:
    """Report each sentence that repeats an earlier sentence, including earlier ones of its own unit."""
    findings = []
    for sentence in said:
        source = earlier.source_of(sentence)
        if source is not None:
            findings.append(_repeated_sentence_finding(sentence, source))
        earlier.add(sentence)
    return findings


def _repeated_unit_finding(repeat: _Sentence, source: _Sentence) -> Finding:
    """Describe a paragraph or list item that repeats an earlier one."""
    message = (
        f'{repeat.unit.label} repeats what {lower_first(source.unit.label)} already says: "{snippet(repeat.text)}"'
    )
    return repeat.unit.line, EditorialWarning("repetition", message)


def _repeated_sentence_finding(repeat: _Sentence, source: _Sentence) -> Finding:
    """Describe a sentence that repeats an earlier sentence."""
    where = "earlier in the same paragraph" if source.unit == repeat.unit else f"in {lower_first(source.unit.label)}"
    message = f'{repeat.unit.label} repeats a sentence already said {where}: "{snippet(repeat.text)}"'
    return repeat.unit.line, EditorialWarning("repetition", message)
