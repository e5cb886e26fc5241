"""Editorial checks and tag suggestions for news articles.

An article is a title, a short summary and a Markdown body. The checks here
catch mistakes that a Markdown renderer publishes without complaint but that
readers notice: paragraphs cut off mid-sentence, formatting debris, repeated
passages, empty subheadings, muddled dates, an overlong title and a missing
summary. They only warn; nothing here blocks publishing.

`suggest_tags` proposes tags from the body's most frequent significant words
and two-word phrases, preferring the tags an article already carries.

Everything is plain functions over strings using the standard library only,
so it runs the same in a request, a command-line script or a test.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

# Listings and search engines cut titles off beyond this many characters.
MAX_TITLE_LENGTH = 110
# Long enough to recognise the quoted text, short enough to scan a list of warnings.
SNIPPET_LENGTH = 60
# About 15,000 words, far longer than any news article: only a pasted dump goes past it,
# and reading on would make every keystroke pause in the editor slow.
MAX_ANALYSED_CHARACTERS = 100_000
# Real quotes nest two or three deep; deeper ">" markers are read as text, so nesting cannot exhaust the stack.
MAX_QUOTE_DEPTH = 20
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
# An article gives a few dozen full dates, a long timeline a couple of hundred; comparing every pair
# of dated sentences beyond this many would make a pasted list slow.
MAX_DATED_SENTENCES = 500
# A word or two-word phrase met only once says little about what an article is about.
MIN_TAG_COUNT = 2
# Shorter words are mostly abbreviations or leftovers, rarely useful tags.
MIN_TAG_WORD_LENGTH = 3
# A word inside a suggested phrase is suggested alone only when it is this many
# times more frequent on its own than inside phrases.
PHRASE_WORD_DOMINANCE = 2
# Existing tags of up to this many words are looked up among the body's runs of as many words;
# longer tags are rare enough to search the text for one at a time.
TAG_LOOKUP_MAX_WORDS = 3

STOPWORDS_PATH = Path(__file__).resolve().parent / "data" / "stopwords-en.txt"


@dataclass(frozen=True)
class EditorialWarning:
    """One problem an editor may want to fix; `check` is a stable code, `message` a sentence."""

    check: str
    message: str


# --- Markdown blocks -------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# The optional closing "#"s are removed in Python: a lazy group before optional
# trailing runs takes quadratic time on a heading padded with spaces.
_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*)$")
# "#Heading": the writer meant a heading but Markdown needs a space after the #.
_GLUED_HEADING = re.compile(r"^ {0,3}(#{1,6})(?=[^\s#\d])")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_LONE_MARKER = re.compile(r"^[ \t]*(\*{1,2}|_{1,2}|#+)[ \t]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$")
_TABLE_ROW = re.compile(r"^[ \t]*\|")
# No two runs of spaces may stand side by side, or a line of spaces takes quadratic time to reject.
_TABLE_DELIMITER = re.compile(r"^[ \t]*(?:\|[ \t]*)?:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)+(?:\|[ \t]*)?$")
_QUOTE_PREFIX = re.compile(r"^ {0,3}>[ \t]?")
_INDENTED = re.compile(r"^(?: {4}|\t)")
_HTML_START = re.compile(r"^ {0,3}<[A-Za-z/!]")
_ATTRIBUTION = re.compile(r"^(?:—|–|--)\s*\S")


@dataclass
class _Block:
    """A run of Markdown lines that renders as one thing: a paragraph, a list, a heading..."""

    kind: str
    lines: list[tuple[int, str]] = field(default_factory=list)
    level: int = 0  # heading level; 0 for other blocks
    glued: bool = False  # written "#Heading", so it shows literally
    quoted: bool = False  # inside a block quote

    @property
    def start(self) -> int:
        """Return the 1-based line number the block starts on."""
        return self.lines[0][0]


class _BlockParser:
    """Split a Markdown body into blocks, keeping each line's number."""

    def __init__(self, body: str, quote_depth: int = 0) -> None:
        """Prepare to parse body, whatever its line endings; quote_depth counts the block quotes around it."""
        self.lines = _unified_line_endings(body).split("\n")
        self.quote_depth = quote_depth
        self.blocks: list[_Block] = []
        self.current: _Block | None = None

    def parse(self) -> list[_Block]:
        """Return the body's blocks in reading order."""
        index = 0
        while index < len(self.lines):
            index = self._take_line(index)
        self._close()
        return _flatten_quotes([_promote_glued_heading(block) for block in self.blocks], self.quote_depth)

    def _take_line(self, index: int) -> int:
        """Consume the line at index (a fence takes its whole block) and return the next index."""
        number, line = index + 1, self.lines[index]
        if _FENCE.match(line):
            return self._take_fenced_code(index)
        if not line.strip():
            self._close()
        elif _SETEXT_UNDERLINE.match(line) and self._current_is("paragraph"):
            self._promote_to_setext_heading(number, line)
        elif _THEMATIC_BREAK.match(line):
            self._add_alone(_Block("rule", [(number, line)]))
        elif _LONE_MARKER.match(line):
            self._add_alone(_Block("debris", [(number, line)]))
        elif match := _ATX_HEADING.match(line):
            self._add_alone(_Block("heading", [(number, line)], level=len(match.group(1))))
        elif _QUOTE_PREFIX.match(line) and self.quote_depth < MAX_QUOTE_DEPTH:
            self._extend("quote", number, line)
        elif _LIST_ITEM.match(line):
            self._extend("list", number, line)
        elif _TABLE_ROW.match(line):
            self._extend("table", number, line)
        else:
            self._continue_text(number, line)
        return index + 1

    def _take_fenced_code(self, index: int) -> int:
        """Swallow a fenced code block whole, since nothing inside it is prose."""
        self._close()
        opening = _FENCE.match(self.lines[index]).group(1)
        closing = re.compile(rf"^ {{0,3}}{re.escape(opening[0])}{{{len(opening)},}}[ \t]*$")
        block = _Block("code", [(index + 1, self.lines[index])])
        index += 1
        while index < len(self.lines):
            block.lines.append((index + 1, self.lines[index]))
            index += 1
            if closing.match(self.lines[index - 1]):
                break
        self.blocks.append(block)
        return index

    def _continue_text(self, number: int, line: str) -> None:
        """Place a plain line: it continues the open block, or starts a new one."""
        if self.current is not None and self.current.kind != "code":
            if self.current.kind == "paragraph" and _TABLE_DELIMITER.match(line):
                self.current.kind = "table"  # a table without a leading pipe
            self.current.lines.append((number, line))
        elif _INDENTED.match(line) and self.current is None and self._last_is("list"):
            self._extend("list", number, line)  # an indented paragraph of a loose list item
        elif _INDENTED.match(line):
            self._extend("code", number, line)
        elif _HTML_START.match(line):
            self._extend("html", number, line)
        else:
            self._extend("paragraph", number, line)

    def _extend(self, kind: str, number: int, line: str) -> None:
        """Add the line to an open block of this kind, or start one."""
        if self.current is None and kind == "list" and self._last_is("list"):
            # List items separated by blank lines still form one (loose) list.
            self.current = self.blocks.pop()
        if self.current is None or self.current.kind != kind:
            self._close()
            self.current = _Block(kind)
        self.current.lines.append((number, line))

    def _promote_to_setext_heading(self, number: int, line: str) -> None:
        """Turn the open paragraph into the heading its underline makes it."""
        self.current.kind = "heading"
        self.current.level = 1 if "=" in line else 2
        self.current.lines.append((number, line))
        self._close()

    def _add_alone(self, block: _Block) -> None:
        """Add a one-line block that nothing may continue."""
        self._close()
        self.blocks.append(block)

    def _close(self) -> None:
        """Finish the open block, if any."""
        if self.current is not None:
            self.blocks.append(self.current)
            self.current = None

    def _current_is(self, kind: str) -> bool:
        """Tell whether the open block is of this kind."""
        return self.current is not None and self.current.kind == kind

    def _last_is(self, kind: str) -> bool:
        """Tell whether the last finished block is of this kind."""
        return bool(self.blocks) and self.blocks[-1].kind == kind


def _unified_line_endings(text: str) -> str:
    """Turn Windows and old Mac line endings into Unix ones."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _promote_glued_heading(block: _Block) -> _Block:
    """Treat a one-line "#Heading" paragraph as the heading it was meant to be."""
    if block.kind != "paragraph" or len(block.lines) != 1:
        return block
    _, line = block.lines[0]
    match = _GLUED_HEADING.match(line)
    # A sentence that merely opens with a hashtag ends like a sentence.
    if match is None or _FINISHED_ENDING.search(line.rstrip()):
        return block
    return _Block("heading", block.lines, level=len(match.group(1)), glued=True)


def _heading_text(block: _Block) -> str:
    """Return a heading's words without its Markdown markers."""
    if block.glued:
        return block.lines[0][1].strip().lstrip("#")
    match = _ATX_HEADING.match(block.lines[0][1])
    if match and block.level and len(block.lines) == 1:
        return _without_closing_hashes(match.group(2))
    return " ".join(line.strip() for _, line in block.lines[:-1])


def _without_closing_hashes(text: str) -> str:
    """Drop the optional closing "#"s of an ATX heading ("## Results ##"), which must follow a space."""
    text = text.rstrip(" \t")
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):
        return bare.rstrip(" \t")
    return text


def _flatten_quotes(blocks: list[_Block], quote_depth: int) -> list[_Block]:
    """Replace each block quote by the blocks inside it, so a quoted list is checked as a list."""
    flat: list[_Block] = []
    for block in blocks:
        flat += _quoted_blocks(block, quote_depth + 1) if block.kind == "quote" else [block]
    return flat


def _quoted_blocks(block: _Block, quote_depth: int) -> list[_Block]:
    """Parse the inside of a block quote (quote_depth quotes deep) as Markdown, keeping the body's line numbers."""
    numbers = [number for number, _ in block.lines]
    inner = [_QUOTE_PREFIX.sub("", line, count=1) for _, line in block.lines]
    if len(inner) > 1 and _ATTRIBUTION.match(inner[-1].strip()):
        numbers, inner = numbers[:-1], inner[:-1]  # "— Jane Doe" credits the quote; it is no sentence
    quoted = _BlockParser("\n".join(inner), quote_depth).parse()
    for quoted_block in quoted:
        quoted_block.lines = [(numbers[number - 1], line) for number, line in quoted_block.lines]
        quoted_block.quoted = True
    return quoted


def _list_items(block: _Block) -> list[tuple[int, str]]:
    """Return each item of a list block with the line it starts on, marker removed."""
    items: list[tuple[int, list[str]]] = []
    for number, line in block.lines:
        match = _LIST_ITEM.match(line)
        if match:
            items.append((number, [match.group(1)]))
        elif items:
            items[-1][1].append(line.strip())
    return [(number, " ".join(parts).strip()) for number, parts in items]


# --- Text units ------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """A piece of prose a warning can point at: a paragraph, list item, heading or table row."""

    kind: str
    label: str  # how a warning names it, e.g. "Paragraph 3 (line 7)"
    line: int
    text: str  # the Markdown source on one line
    followed_by: str = ""  # kind of the next block, for paragraphs that introduce one


def _units(blocks: list[_Block]) -> list[_Unit]:
    """Break blocks into the units warnings talk about, numbering paragraphs as readers see them."""
    units: list[_Unit] = []
    paragraph_number = 0
    for index, block in enumerate(blocks):
        following = _kind_for_colon(blocks[index + 1]) if index + 1 < len(blocks) else ""
        if block.kind == "paragraph":
            paragraph_number += 1
            label = f"Paragraph {paragraph_number} (line {block.start})"
            units.append(_Unit("paragraph", label, block.start, _joined(block), following))
        elif block.kind == "list":
            units += [_Unit("list-item", f"List item on line {n}", n, text) for n, text in _list_items(block)]
        elif block.kind == "heading":
            units.append(_Unit("heading", f"Heading on line {block.start}", block.start, _heading_text(block)))
        elif block.kind == "table":
            units += [_Unit("table-row", f"Table row on line {n}", n, line.strip()) for n, line in block.lines]
    return units


def _kind_for_colon(block: _Block) -> str:
    """Name the block a colon introduces; anything inside a block quote counts as a quote."""
    return "quote" if block.quoted else block.kind


def _joined(block: _Block) -> str:
    """Return a block's lines as one line of text."""
    return " ".join(line.strip() for _, line in block.lines)


# --- Plain text, words and sentences ----------------------------------------

# Brackets and parentheses exclude their own kind, so an unclosed "[a](" is given up at the next
# bracket rather than at the end of the text: matching stays linear on a run of them.
_IMAGE = re.compile(r"!\[[^\[\]\n]*\]\([^()\n]*\)")
_LINK = re.compile(r"\[([^\[\]\n]*)\](?:\([^()\n]*\)|\[[^\[\]\n]*\])")
_BACKTICKS = re.compile(r"`+")
_URL = re.compile(r"<?(?:https?://|www\.)[^\s>]+>?")
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
# Underscores inside a word (snake_case) are text; at a word's edge they are emphasis.
_EMPHASIS_MARKS = re.compile(r"[*~]+|(?<![^\W_])_+|_+(?![^\W_])")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_POSSESSIVE = re.compile(r"['’]s$", re.IGNORECASE)
# Split only before a capital or an opening quote, so "Jan. 4" and "No. 5" stay whole.
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’)\]]))\s+(?=[\"'“‘(\[]*[A-Z])")


def _plain_text(markdown: str) -> str:
    """Strip Markdown syntax, code, URLs and HTML, leaving the words a reader sees."""
    text = _IMAGE.sub(" ", markdown)
    text = _blank_code_spans(_LINK.sub(r"\1", text))
    for pattern in (_URL, _HTML_TAG):
        text = pattern.sub(" ", text)
    text = _EMPHASIS_MARKS.sub("", text)
    return " ".join(text.split())


def _blank_code_spans(text: str) -> str:
    """Replace each code span by spaces, so every other character keeps its position."""
    pieces, position = [], 0
    for start, end in _code_spans(text):
        pieces += [text[position:start], " " * (end - start)]
        position = end
    return "".join(pieces) + text[position:]


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Return where each code span starts and ends: from a run of backticks to the next run as long."""
    # Pairing runs by length in one pass keeps unclosed runs of many lengths from being rescanned.
    runs = [match.span() for match in _BACKTICKS.finditer(text)]
    closer: dict[int, int] = {}  # index of a run -> index of the next run of the same length
    next_of_length: dict[int, int] = {}
    for index in reversed(range(len(runs))):
        length = runs[index][1] - runs[index][0]
        if length in next_of_length:
            closer[index] = next_of_length[length]
        next_of_length[length] = index
    spans, index = [], 0
    while index < len(runs):
        if index in closer:
            spans.append((runs[index][0], runs[closer[index]][1]))
            index = closer[index]
        index += 1
    return spans


def _sentences(text: str) -> list[str]:
    """Split plain text into sentences, well enough to compare them."""
    return [sentence for sentence in _SENTENCE_BREAK.split(text) if sentence.strip()]


def _words(text: str) -> list[str]:
    """Return the lowercase words of plain text, possessives trimmed."""
    return [_POSSESSIVE.sub("", token.lower()) for token in _TOKEN.findall(text)]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    """Load the stop-word list once; it ships with this module in data/."""
    lines = STOPWORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


# --- Snippets and findings ---------------------------------------------------

_Finding = tuple[int, EditorialWarning]  # the line it concerns, for reading order


def _snippet(text: str, *, from_end: bool = False) -> str:
    """Shorten text to about SNIPPET_LENGTH characters, marking the cut with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_LENGTH:
        return flat
    if from_end:
        return "…" + flat[-SNIPPET_LENGTH:].lstrip()
    return flat[:SNIPPET_LENGTH].rstrip() + "…"


def _snippet_around(text: str, index: int) -> str:
    """Quote about SNIPPET_LENGTH characters of text with position index near the start."""
    start = max(0, index - SNIPPET_LENGTH // 3)
    end = start + SNIPPET_LENGTH
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{text[start:end].strip()}{suffix}"


def _lower_first(label: str) -> str:
    """Let a label like "Paragraph 2 (line 5)" stand mid-sentence."""
    return label[:1].lower() + label[1:]


# --- Title and summary ---------------------------------------------------------


def _title_and_summary_warnings(title: str, summary: str) -> list[EditorialWarning]:
    """Warn about an overlong title and a missing summary."""
    warnings = []
    length = len(title.strip())
    if length > MAX_TITLE_LENGTH:
        message = f'Title is {length} characters, over the {MAX_TITLE_LENGTH}-character limit: "{_snippet(title)}"'
        warnings.append(EditorialWarning("long-title", message))
    if not summary.strip():
        message = "Summary is missing; listings will show the start of the body instead."
        warnings.append(EditorialWarning("missing-summary", message))
    return warnings


# --- Unfinished paragraphs -----------------------------------------------------

# Closing punctuation, optionally followed by closing quotes, brackets,
# emphasis markers or a footnote reference.
_FINISHED_ENDING = re.compile(r"[.!?…](?:[\"'”’»)\]*_]|\[\^[^\[\]]*\])*$")
_LETTER = re.compile(r"[^\W\d_]")
_IMAGE_ONLY = re.compile(r"^!\[[^\]]*\]\([^)]*\)$")
# A "#" after a space at the end of prose; in a heading it would be a valid closing sequence.
_TRAILING_HASH = re.compile(r"(?<=\s)#+[ \t]*$")
# A paragraph ending in a colon may introduce one of these.
_BLOCKS_AFTER_COLON = frozenset({"list", "code", "table", "quote", "html"})


def _check_unfinished_paragraphs(blocks: list[_Block], units: list[_Unit]) -> list[_Finding]:
    """Warn about paragraphs that stop without closing punctuation."""
    findings = []
    for unit in units:
        if unit.kind == "paragraph" and _is_unfinished(unit):
            message = f'{unit.label} stops mid-sentence: "{_snippet(unit.text, from_end=True)}"'
            findings.append((unit.line, EditorialWarning("unfinished-paragraph", message)))
    return findings


def _is_unfinished(unit: _Unit) -> bool:
    """Tell whether a paragraph ends without closing punctuation."""
    text = _TRAILING_HASH.sub("", unit.text).rstrip()  # a stray "#" is reported as debris
    if not _LETTER.search(text) or _IMAGE_ONLY.match(text):
        return False
    if text.endswith(":") and unit.followed_by in _BLOCKS_AFTER_COLON:
        return False
    return not _FINISHED_ENDING.search(text)


# --- Markup debris ---------------------------------------------------------------

# Spans whose characters are literal, besides code spans: link targets, bare URLs, escapes.
_LITERAL_SPANS = re.compile(r"\]\([^()\n]*\)|<?(?:https?://|www\.)[^\s>]+>?|\\.")
_EMPHASIS_RUN = re.compile(r"\*+|_+")
_PROSE_BLOCKS = frozenset({"paragraph", "list", "table"})


def _check_markup_debris(blocks: list[_Block], units: list[_Unit]) -> list[_Finding]:
    """Warn about Markdown markers that would show literally on the page."""
    findings = [_lone_marker_finding(block) for block in blocks if block.kind == "debris"]
    findings += [_glued_heading_finding(block) for block in blocks if block.glued]
    findings += [
        _trailing_hash_finding(number, line)
        for block in blocks
        if block.kind in _PROSE_BLOCKS
        for number, line in block.lines
        if _TRAILING_HASH.search(line)
    ]
    findings += [finding for unit in units if (finding := _unmatched_emphasis_finding(unit))]
    return findings


def _lone_marker_finding(block: _Block) -> _Finding:
    """Describe a line holding nothing but a formatting marker."""
    number, line = block.lines[0]
    message = f'Line {number} holds only "{line.strip()}", a formatting marker left behind.'
    return number, EditorialWarning("markup-debris", message)


def _glued_heading_finding(block: _Block) -> _Finding:
    """Describe a "#Heading" that lacks the space Markdown needs."""
    number, line = block.lines[0]
    message = (
        f'Line {number} starts with "#" but no space, so it shows literally instead of as a heading: "{_snippet(line)}"'
    )
    return number, EditorialWarning("markup-debris", message)


def _trailing_hash_finding(number: int, line: str) -> _Finding:
    """Describe a stray "#" at the end of a line of prose."""
    message = f'Line {number} ends with a stray "#": "{_snippet(line, from_end=True)}"'
    return number, EditorialWarning("markup-debris", message)


def _unmatched_emphasis_finding(unit: _Unit) -> _Finding | None:
    """Describe emphasis markers in a unit that have no partner, if any."""
    unmatched = _unmatched_markers(unit.text)
    if not unmatched:
        return None
    names = " and ".join(f'"{name}"' for name, _ in unmatched)
    quote = _snippet_around(unit.text, unmatched[0][1])
    message = f'{unit.label} has an unmatched {names} that will show literally: "{quote}"'
    return unit.line, EditorialWarning("markup-debris", message)


def _unmatched_markers(text: str) -> list[tuple[str, int]]:
    """Return each emphasis marker used an odd number of times, with its first position."""
    masked = _LITERAL_SPANS.sub(lambda match: " " * len(match.group()), _blank_code_spans(text))
    positions: dict[str, list[int]] = {}
    for match in _EMPHASIS_RUN.finditer(masked):
        if match.group()[0] == "_" and _is_inside_word(masked, match.start(), match.end()):
            continue  # snake_case, not emphasis
        for name in _marker_names(match.group()):
            positions.setdefault(name, []).append(match.start())
    return [(name, spots[0]) for name, spots in positions.items() if len(spots) % 2]


def _marker_names(run: str) -> list[str]:
    """Name the emphasis markers a run of "*" or "_" can open or close."""
    # A single "*" is too often a footnote mark or multiplication to judge.
    if run[0] == "*":
        return ["**"] if len(run) in (2, 3) else []
    return {1: ["_"], 2: ["__"], 3: ["__", "_"]}.get(len(run), [])


def _is_inside_word(text: str, start: int, end: int) -> bool:
    """Tell whether text[start:end] has a letter or digit on both sides."""
    return start > 0 and end < len(text) and text[start - 1].isalnum() and text[end].isalnum()


# --- Repetition ------------------------------------------------------------------


class _Sentence(NamedTuple):
    """A sentence, or a whole paragraph or list item, with its unit and its word trigrams."""

    unit: _Unit
    text: str
    word_count: int
    shingles: frozenset[tuple[str, ...]]


def _shingled(unit: _Unit, text: str) -> _Sentence:
    """Cut text into overlapping word trigrams for comparison."""
    words = _words(text)
    size = REPETITION_SHINGLE_SIZE
    shingles = frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))
    return _Sentence(unit, text, len(words), shingles)


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


def _check_repetition(blocks: list[_Block], units: list[_Unit]) -> list[_Finding]:
    """Warn about paragraphs and sentences that repeat, or nearly repeat, earlier ones."""
    findings: list[_Finding] = []
    earlier_units = _EarlierTexts()
    earlier_sentences = _EarlierTexts()
    for unit in units:
        if unit.kind not in ("paragraph", "list-item"):
            continue
        plain = _plain_text(unit.text)
        whole = _shingled(unit, plain)
        sentences = [_shingled(unit, text) for text in _sentences(plain)]
        source = earlier_units.source_of(whole)
        if source is not None:
            findings.append(_repeated_unit_finding(whole, source))
            for sentence in sentences:
                earlier_sentences.add(sentence)
        else:
            findings += _repeated_sentence_findings(sentences, earlier_sentences)
        earlier_units.add(whole)
    return findings


def _repeated_sentence_findings(sentences: list[_Sentence], earlier: _EarlierTexts) -> list[_Finding]:
    """Report each sentence that repeats an earlier sentence, including earlier ones of its own unit."""
    findings = []
    for sentence in sentences:
        source = earlier.source_of(sentence)
        if source is not None:
            findings.append(_repeated_sentence_finding(sentence, source))
        earlier.add(sentence)
    return findings


def _repeated_unit_finding(repeat: _Sentence, source: _Sentence) -> _Finding:
    """Describe a paragraph or list item that repeats an earlier one."""
    message = (
        f'{repeat.unit.label} repeats what {_lower_first(source.unit.label)} already says: "{_snippet(repeat.text)}"'
    )
    return repeat.unit.line, EditorialWarning("repetition", message)


def _repeated_sentence_finding(repeat: _Sentence, source: _Sentence) -> _Finding:
    """Describe a sentence that repeats an earlier sentence."""
    where = "earlier in the same paragraph" if source.unit == repeat.unit else f"in {_lower_first(source.unit.label)}"
    message = f'{repeat.unit.label} repeats a sentence already said {where}: "{_snippet(repeat.text)}"'
    return repeat.unit.line, EditorialWarning("repetition", message)


# --- Empty subheadings -----------------------------------------------------------

# Blocks that put no text under a heading.
_CONTENTLESS_BLOCKS = frozenset({"rule", "debris"})


def _check_empty_subheadings(blocks: list[_Block], units: list[_Unit]) -> list[_Finding]:
    """Warn about subheadings followed by a heading of the same or higher rank, or by nothing."""
    findings = []
    following: _Block | None = None  # the next block with something in it, reading from the end
    for block in reversed(blocks):
        # Every body heading is a subheading: the page shifts them so the body's top level sits under
        # the title. A "#Heading" without its space shows as text and is reported as debris instead.
        if block.kind == "heading" and not block.glued and _has_nothing_under(block, following):
            message = f'Subheading on line {block.start} has no text under it: "{_snippet(_heading_text(block))}"'
            findings.append((block.start, EditorialWarning("empty-subheading", message)))
        if block.kind not in _CONTENTLESS_BLOCKS:
            following = block
    return findings[::-1]


def _has_nothing_under(heading: _Block, following: _Block | None) -> bool:
    """Tell whether a heading is followed by the end of the body or a heading of its own or higher rank."""
    return following is None or (following.kind == "heading" and following.level <= heading.level)


# --- Dates -----------------------------------------------------------------------

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3,
    "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
    "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10,
    "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
# Capitalised only: "may" and "march" in lowercase are usually not months.
_MONTH = r"(?:" + "|".join(sorted((name.capitalize() for name in _MONTHS), key=len, reverse=True)) + r")\b\.?"
_DATE = re.compile(
    rf"""
    \b(?P<iso_year>\d{{4}})-(?P<iso_month>\d{{2}})-(?P<iso_day>\d{{2}})\b
    | \b(?P<dmy_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmy_month>{_MONTH})(?:,?\s+(?P<dmy_year>\d{{4}})\b)?
    | \b(?P<mdy_month>{_MONTH})\s+(?P<mdy_day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<mdy_year>\d{{4}})\b)?
    | \b(?P<my_month>{_MONTH})\s+(?P<my_year>\d{{4}})\b
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
    month_number = int(month) if month.isdigit() else _MONTHS[month.rstrip(".").lower()]
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


def _check_dated_lists(blocks: list[_Block], units: list[_Unit]) -> list[_Finding]:
    """Warn about dated lists whose dates run neither forwards nor backwards."""
    findings = []
    for block in blocks:
        if block.kind != "list":
            continue
        dated = [(number, text, when) for number, text in _list_items(block) if (when := _leading_date(text))]
        if finding := _dated_list_finding(block.start, dated):
            findings.append(finding)
    return findings


def _dated_list_finding(start: int, dated: list[tuple[int, str, _PartialDate]]) -> _Finding | None:
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
        f'line {number} breaks the order: "{_snippet(text)}"'
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
    """A sentence that gives one full date, with the words that say which event it is."""

    unit: _Unit
    text: str
    date_text: str
    date: _PartialDate
    entities: frozenset[str]  # capitalised words: people, places, organisations
    event_words: frozenset[str]  # other significant words: "opened", "traffic"


def _dated_sentence(unit: _Unit, sentence: str) -> _DatedSentence | None:
    """Describe a sentence with exactly one full date and no sign of a recurring event."""
    full_dates = [(match, when) for match in _DATE.finditer(sentence) if (when := _parse_date(match)) and when.day]
    if len(full_dates) != 1:
        return None  # a sentence with two dates usually spans two events
    match, when = full_dates[0]
    tokens = _TOKEN.findall(sentence[: match.start()] + " " + sentence[match.end() :])
    if any(token.lower() in _RECURRENCE_CUES for token in tokens):
        return None
    words = [_POSSESSIVE.sub("", token) for token in tokens]
    significant = [word for word in words if _is_tag_word(word.lower())]
    entities = frozenset(word.lower() for word in significant if word[0].isupper())
    event_words = frozenset(word for word in significant if word.islower())
    return _DatedSentence(unit, sentence, match.group(), when, entities, event_words)


def _same_day(first: _PartialDate, second: _PartialDate) -> bool:
    """Tell whether two dates can be the same day, comparing years only when both have one."""
    if first.year is not None and second.year is not None and first.year != second.year:
        return False
    return (first.month, first.day) == (second.month, second.day)


def _overlap(first: frozenset[str], second: frozenset[str]) -> float:
    """Return the Jaccard overlap of two word sets."""
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def _same_event_other_date(earlier: _DatedSentence, later: _DatedSentence) -> bool:
    """Tell whether two sentences seem to date one event differently."""
    if _same_day(earlier.date, later.date):
        return False
    if earlier.unit.kind == later.unit.kind == "list-item":
        return False  # items of a timeline are different events by design
    if _overlap(earlier.entities, later.entities) < DATE_CONFLICT_MIN_ENTITY_OVERLAP:
        return False
    shared_words = earlier.event_words & later.event_words
    if len(earlier.entities & later.entities) >= DATE_CONFLICT_MIN_SHARED_NAMES:
        # Named this well, the event words one sentence has must mostly recur in the other,
        # but the other may add a clause of its own ("Crowds gathered when ...").
        fewer = min(len(earlier.event_words), len(later.event_words))
        return bool(shared_words) and len(shared_words) / fewer >= DATE_CONFLICT_MIN_WORD_OVERLAP
    return (
        _overlap(earlier.event_words, later.event_words) >= DATE_CONFLICT_MIN_WORD_OVERLAP
        and len(shared_words) >= DATE_CONFLICT_MIN_SHARED_WORDS
    )


def _check_conflicting_dates(blocks: list[_Block], units: list[_Unit]) -> list[_Finding]:
    """Warn when one event seems to be given two different dates."""
    dated = [
        found
        for unit in units
        if unit.kind in ("paragraph", "list-item")
        for sentence in _sentences(_plain_text(unit.text))
        if (found := _dated_sentence(unit, sentence))
    ]
    findings = []
    naming: dict[str, list[int]] = {}  # entity -> the dated sentences that name it
    for index, later in enumerate(dated[:MAX_DATED_SENTENCES]):
        # One event's sentences share a name, so only those are compared.
        candidates = sorted({before for name in later.entities for before in naming.get(name, ())})
        earlier = next((dated[i] for i in candidates if _same_event_other_date(dated[i], later)), None)
        if earlier is not None:
            findings.append(_conflicting_dates_finding(earlier, later))
        for name in later.entities:
            naming.setdefault(name, []).append(index)
    return findings


def _conflicting_dates_finding(earlier: _DatedSentence, later: _DatedSentence) -> _Finding:
    """Describe a sentence whose date contradicts an earlier one."""
    message = (
        f"{later.unit.label} gives {later.date_text} for what looks like the event "
        f'{_lower_first(earlier.unit.label)} dates {earlier.date_text}: "{_snippet(later.text)}"'
    )
    return later.unit.line, EditorialWarning("conflicting-dates", message)


# --- Public entry points ---------------------------------------------------------

_BODY_CHECKS: tuple[Callable[[list[_Block], list[_Unit]], list[_Finding]], ...] = (
    _check_unfinished_paragraphs,
    _check_markup_debris,
    _check_repetition,
    _check_empty_subheadings,
    _check_dated_lists,
    _check_conflicting_dates,
)


def editorial_warnings(title: str, summary: str, body: str) -> list[EditorialWarning]:
    """List what an editor may want to fix: title and summary first, then the body in reading order."""
    blocks = _BlockParser(_analysed_part(body)).parse()
    units = _units(blocks)
    findings = [finding for check in _BODY_CHECKS for finding in check(blocks, units)]
    findings.sort(key=lambda finding: finding[0])  # stable, so one line's warnings keep check order
    return _title_and_summary_warnings(title, summary) + [warning for _, warning in findings]


def _analysed_part(body: str) -> str:
    """Return the part of the body that is analysed: all of it, or its start, cut at a paragraph break if possible."""
    text = _unified_line_endings(body)
    if len(text) <= MAX_ANALYSED_CHARACTERS:
        return text
    start = text[:MAX_ANALYSED_CHARACTERS]
    # Cutting between blocks, or at least lines, spares the last one a false "stops mid-sentence" warning.
    for separator in ("\n\n", "\n"):
        if (cut := start.rfind(separator)) > 0:
            return start[:cut]
    return start


# --- Tag suggestions ---------------------------------------------------------------

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
    texts = [_plain_text(unit.text) for unit in _units(_BlockParser(_analysed_part(body)).parse())]
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
            words = _words(clause)
            eligible = [_is_tag_word(word) for word in words]
            word_counts.update(word for word, ok in zip(words, eligible, strict=True) if ok)
            pair_counts.update(
                (words[i], words[i + 1])
                for i in range(len(words) - 1)
                if eligible[i] and eligible[i + 1] and words[i] != words[i + 1]  # "very very" is no phrase
            )
    return word_counts, pair_counts


def _is_tag_word(word: str) -> bool:
    """Tell whether a word could be a tag: letters only, long enough, not a stop word."""
    return word.isalpha() and len(word) >= MIN_TAG_WORD_LENGTH and word not in _stopwords()
