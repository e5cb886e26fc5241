"""Checks for passages said twice: a paragraph, list item or sentence that repeats an earlier one."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from editorial.findings import EditorialWarning, Finding, lower_first, snippet
from editorial.reading import Body, Unit
from editorial.words import content_words, sentences, words

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
# A paraphrase shares few word runs, so sentences are also compared by their content words (stop words
# out, dictionary forms, numbers kept). The cases in tests/editorial_cases/defect-paraphrase.md set the
# thresholds: their restatements have 5 to 9 content words, 75% to 100% of them in the earlier sentence,
# and 56% to 100% of the two sentences' content words in common (Jaccard). The clean articles there and
# the demo articles peak at 33% in common, however much of a short sentence an earlier one holds.
PARAPHRASE_MIN_CONTENT_WORDS = 5
PARAPHRASE_MIN_SHARE = 0.7
PARAPHRASE_MIN_COMMON = 0.45
# A content word already in this many earlier sentences ("council") says little about which one is restated.
MAX_CONTENT_WORD_HOLDERS = 20


class _Sentence(NamedTuple):
    """A sentence, or a whole paragraph or list item, with its unit and its word trigrams."""

    unit: Unit
    text: str
    word_count: int
    shingles: frozenset[tuple[str, ...]]


def _shingled(unit: Unit, text: str, found: list[str]) -> _Sentence:
    """Cut text, whose words are found, into overlapping word trigrams for comparison."""
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


class _Meaning(NamedTuple):
    """A sentence with its unit and its content words."""

    unit: Unit
    text: str
    words: frozenset[str]


class _EarlierMeanings:
    """The sentences read so far, indexed by content word to find one a new sentence says again in other words."""

    def __init__(self) -> None:
        """Start with nothing read."""
        self.sentences: list[_Meaning] = []
        self.holders: dict[str, list[int]] = {}

    def add(self, sentence: _Meaning) -> None:
        """Remember a sentence as read, under each content word not yet held by MAX_CONTENT_WORD_HOLDERS."""
        for word in sentence.words:
            holders = self.holders.setdefault(word, [])
            if len(holders) < MAX_CONTENT_WORD_HOLDERS:
                holders.append(len(self.sentences))
        self.sentences.append(sentence)

    def source_of(self, later: _Meaning) -> _Meaning | None:
        """Return the first earlier sentence whose content words are most of the later one's, if any."""
        if len(later.words) < PARAPHRASE_MIN_CONTENT_WORDS:
            return None
        shared = Counter(index for word in later.words for index in self.holders.get(word, ()))
        for index in sorted(index for index, count in shared.items() if count / len(later.words) >= PARAPHRASE_MIN_SHARE):
            earlier = self.sentences[index]
            if shared[index] / len(later.words | earlier.words) >= PARAPHRASE_MIN_COMMON:
                return earlier
        return None


class _Earlier(NamedTuple):
    """What has been read so far, three ways."""

    units: _EarlierTexts
    sentences: _EarlierTexts
    meanings: _EarlierMeanings


def check_repetition(body: Body) -> list[Finding]:
    """Warn about paragraphs and sentences that repeat, nearly repeat or restate earlier ones."""
    findings: list[Finding] = []
    earlier = _Earlier(_EarlierTexts(), _EarlierTexts(), _EarlierMeanings())
    for unit in body.units:
        if unit.kind not in ("paragraph", "list-item"):
            continue
        whole = _shingled(unit, unit.plain, words(unit.plain))
        said = sentences(unit.plain)
        source = earlier.units.source_of(whole)
        if source is not None:
            findings.append(_repeated_unit_finding(whole, source))
            for text in said:
                found = words(text)
                earlier.sentences.add(_shingled(unit, text, found))
                earlier.meanings.add(_Meaning(unit, text, content_words(found)))
        else:
            findings += _repeated_sentence_findings(unit, said, earlier)
        earlier.units.add(whole)
    return findings


def _repeated_sentence_findings(unit: Unit, said: list[str], earlier: _Earlier) -> list[Finding]:
    """Report each sentence that repeats or restates an earlier sentence, including earlier ones of its own unit."""
    findings = []
    for text in said:
        found = words(text)
        sentence, meaning = _shingled(unit, text, found), _Meaning(unit, text, content_words(found))
        if (source := earlier.sentences.source_of(sentence)) is not None:
            findings.append(_repeated_sentence_finding(sentence, source))
        elif (restated := earlier.meanings.source_of(meaning)) is not None:
            findings.append(_restated_sentence_finding(meaning, restated))
        earlier.sentences.add(sentence)
        earlier.meanings.add(meaning)
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


def _restated_sentence_finding(repeat: _Meaning, source: _Meaning) -> Finding:
    """Describe a sentence that says again, in other words, what an earlier sentence said."""
    where = "earlier in the same paragraph" if source.unit == repeat.unit else f"in {lower_first(source.unit.label)}"
    message = (
        f'{repeat.unit.label} says again in other words what a sentence {where} said: "{snippet(repeat.text)}" '
        f'restates "{snippet(source.text)}"'
    )
    return repeat.unit.line, EditorialWarning("repetition", message)
