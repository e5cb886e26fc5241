"""Tag suggestions: the tags an article already has that its body mentions, then its frequent words and phrases."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from editorial.reading import read_body
from editorial.words import is_significant, words

# A word or two-word phrase met only once says little about what an article is about.
MIN_TAG_COUNT = 2
# A word inside a suggested phrase is suggested alone only when it is this many
# times more frequent on its own than inside phrases.
PHRASE_WORD_DOMINANCE = 2
# Existing tags of up to this many words are looked up among the body's runs of as many words;
# longer tags are rare enough to search the text for one at a time.
TAG_LOOKUP_MAX_WORDS = 3

# Punctuation ends a phrase: "Korea. North" is not "korea north".
_PHRASE_BREAK = re.compile(r"[^\w\s'’-]+|\s-+\s")
# The site treats hyphens and underscores in tag names as spaces.
_TAG_NAME_SEPARATORS = re.compile(r"[-_]+")
# In normalized text, anything but letters, digits and spaces ends a run of words that can name a tag.
_WORD_RUN_BREAK = re.compile(r"[^\w\s]+")
_WORD = re.compile(r"[^\W_]+")


def suggest_tags(body: str, existing_tags: Iterable[str] = (), limit: int = 10) -> list[str]:
    """Suggest up to `limit` tags: existing tags found in the body first, then frequent words and phrases."""
    if limit <= 0:
        return []
    texts = [unit.plain for unit in read_body(body).units]
    preferred = _existing_tags_in(texts, existing_tags)
    taken = {_tag_key(tag) for tag in preferred}
    fresh = [term for term in _ranked_terms(texts) if _tag_key(term) not in taken]
    return (preferred + fresh)[:limit]


def _tag_key(text: str) -> str:
    """Normalize a tag name, or text to find tags in, as the site does, ignoring case."""
    return " ".join(_TAG_NAME_SEPARATORS.sub(" ", text.casefold()).split())


def _existing_tags_in(texts: list[str], existing_tags: Iterable[str]) -> list[str]:
    """Return the existing tags the text mentions, most mentioned first, spelled as given."""
    mentions = _Mentions(texts)
    counts: dict[str, int] = {}
    seen: set[str] = set()
    for tag in existing_tags:
        key = _tag_key(tag)
        if not key or key in seen:
            continue
        seen.add(key)
        if count := mentions.count(key):
            counts[tag.strip()] = count
    return sorted(counts, key=lambda tag: (-counts[tag], tag.casefold()))


class _Mentions:
    """The runs of words a text holds, counted once so that each existing tag is a lookup, not a search."""

    def __init__(self, texts: list[str]) -> None:
        """Normalize the texts and count their runs of one to TAG_LOOKUP_MAX_WORDS words."""
        normalized = [_tag_key(text) for text in texts]
        self.text = "\n".join(normalized)  # a normalized tag has no line break, so it cannot span two texts
        self.runs: Counter[str] = Counter()
        for clause in [clause for text in normalized for clause in _WORD_RUN_BREAK.split(text)]:
            words = clause.split()
            for size in range(1, TAG_LOOKUP_MAX_WORDS + 1):
                self.runs.update(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))

    def count(self, key: str) -> int:
        """Return how often the text mentions a tag, given its normalized name, as whole words."""
        if len(key.split()) <= TAG_LOOKUP_MAX_WORDS and not _WORD_RUN_BREAK.search(key):
            return self.runs[key]
        # Long tags and tags with punctuation ("C#", "U.S.") are rare: search for them, when all their words occur.
        if not all(word in self.runs for word in _WORD.findall(key)):
            return 0
        return len(re.findall(rf"(?<![^\W_]){re.escape(key)}(?![^\W_])", self.text))


def _ranked_terms(texts: list[str]) -> list[str]:
    """Rank the text's significant words and repeated two-word phrases by frequency."""
    word_counts, pair_counts = _term_counts(texts)
    phrases = {pair: count for pair, count in pair_counts.items() if count >= MIN_TAG_COUNT}
    in_phrases: Counter[str] = Counter()
    for (first, second), count in phrases.items():
        in_phrases[first] += count
        in_phrases[second] += count
    scores = {" ".join(pair): count for pair, count in phrases.items()}
    for word, count in word_counts.items():
        alone = count - in_phrases[word]
        # A phrase wins over its own words unless they mostly stand alone.
        if in_phrases[word] and alone < PHRASE_WORD_DOMINANCE * in_phrases[word]:
            continue
        if alone >= MIN_TAG_COUNT:
            scores[word] = alone
    return sorted(scores, key=lambda term: (-scores[term], term))


def _term_counts(texts: list[str]) -> tuple[Counter[str], Counter[tuple[str, str]]]:
    """Count tag-worthy words, and pairs of them standing side by side within a clause."""
    word_counts: Counter[str] = Counter()
    pair_counts: Counter[tuple[str, str]] = Counter()
    for text in texts:
        for clause in _PHRASE_BREAK.split(text):
            found = words(clause)
            eligible = [is_significant(word) for word in found]
            word_counts.update(word for word, ok in zip(found, eligible, strict=True) if ok)
            pair_counts.update(
                (found[i], found[i + 1])
                for i in range(len(found) - 1)
                if eligible[i] and eligible[i + 1] and found[i] != found[i + 1]  # "very very" is no phrase
            )
    return word_counts, pair_counts

