"""Checks on a body's shape: paragraphs cut off, markup shown as text, subheadings with nothing under them."""

from __future__ import annotations

import re

from editorial.findings import EditorialWarning, Finding, snippet, snippet_around
from editorial.reading import Block, Body, Unit
from editorial.words import FINISHED_ENDING

_LETTER = re.compile(r"[^\W\d_]")
_IMAGE_ONLY = re.compile(r"^!\[[^\]]*\]\([^)]*\)$")
# A "#" after a space at the end of prose; in a heading it would be a valid closing sequence.
_TRAILING_HASH = re.compile(r"(?<=\s)#+[ \t]*$")
# A paragraph ending in a colon may introduce one of these.
_BLOCKS_AFTER_COLON = frozenset({"list", "code", "table", "quote", "html"})
# Spans whose characters are literal, besides code spans: link targets, bare URLs, escapes.
_LITERAL_SPANS = re.compile(r"\]\([^()\n]*\)|<?(?:https?://|www\.)[^\s>]+>?|\\.")
_ESCAPE = re.compile(r"\\.")
_EMPHASIS_RUN = re.compile(r"\*+|_+")
_BACKTICKS = re.compile(r"`+")
# An HTML tag or comment as writers paste it ("<iframe src=...>", "</div>", "<br/>", "<!-- note");
# "a < b > c" has no name after "<".
_RAW_HTML = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--[^<>]*>?")
_PROSE_UNITS = frozenset({"paragraph", "list-item", "table-row"})
# Blocks that put no text under a heading.
_CONTENTLESS_BLOCKS = frozenset({"rule", "debris"})


# --- Unfinished paragraphs -----------------------------------------------------


def check_unfinished_paragraphs(body: Body) -> list[Finding]:
    """Warn about paragraphs that stop without closing punctuation."""
    findings = []
    for unit in body.units:
        if unit.kind == "paragraph" and _is_unfinished(unit):
            message = f'{unit.label} stops mid-sentence: "{snippet(unit.text, from_end=True)}"'
            findings.append((unit.line, EditorialWarning("unfinished-paragraph", message)))
    return findings


def _is_unfinished(unit: Unit) -> bool:
    """Tell whether a paragraph ends without closing punctuation."""
    # A stray "#" is reported as debris, and HTML as HTML: the sentence before them counts.
    text = _RAW_HTML.sub(" ", _TRAILING_HASH.sub("", unit.text)).rstrip()
    if not _LETTER.search(text) or _IMAGE_ONLY.match(text):
        return False
    if text.endswith(":") and unit.followed_by in _BLOCKS_AFTER_COLON:
        return False
    return not FINISHED_ENDING.search(text)


# --- Markup debris ---------------------------------------------------------------


def check_markup_debris(body: Body) -> list[Finding]:
    """Warn about Markdown markers that would show literally on the page."""
    findings = [_lone_marker_finding(block) for block in body.blocks if block.kind == "debris"]
    findings += [_glued_heading_finding(block) for block in body.blocks if block.glued]
    findings += [
        _trailing_hash_finding(number, line)
        for unit in body.units
        if unit.kind in _PROSE_UNITS
        for number, line in unit.lines
        if _TRAILING_HASH.search(line)
    ]
    findings += [finding for unit in body.units if (finding := _unmatched_emphasis_finding(unit))]
    return findings


def _lone_marker_finding(block: Block) -> Finding:
    """Describe a line holding nothing but a formatting marker."""
    message = f'Line {block.line} holds only "{block.text}", a formatting marker left behind.'
    return block.line, EditorialWarning("markup-debris", message)


def _glued_heading_finding(block: Block) -> Finding:
    """Describe a "#Heading" that lacks the space Markdown needs."""
    line = "#" * block.level + block.text
    message = (
        f'Line {block.line} starts with "#" but no space, so it shows literally instead of as a heading: '
        f'"{snippet(line)}"'
    )
    return block.line, EditorialWarning("markup-debris", message)


def _trailing_hash_finding(number: int, line: str) -> Finding:
    """Describe a stray "#" at the end of a line of prose."""
    message = f'Line {number} ends with a stray "#": "{snippet(line, from_end=True)}"'
    return number, EditorialWarning("markup-debris", message)


def _unmatched_emphasis_finding(unit: Unit) -> Finding | None:
    """Describe emphasis markers in a unit that have no partner, if any."""
    unmatched = _unmatched_markers(unit.text)
    if not unmatched:
        return None
    names = " and ".join(f'"{name}"' for name, _ in unmatched)
    quote = snippet_around(unit.text, unmatched[0][1])
    message = f"{unit.label} has an unmatched {names} that will show literally: \"{quote}\""
    return unit.line, EditorialWarning("markup-debris", message)


def _unmatched_markers(text: str) -> list[tuple[str, int]]:
    """Return each emphasis marker used an odd number of times, with its first position."""
    masked = _masked_literals(text)
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


def _masked_literals(text: str) -> str:
    """Blank code spans, link targets, bare URLs and escapes, whose characters show as written."""
    return _LITERAL_SPANS.sub(lambda match: " " * len(match.group()), _blank_code_spans(text))


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


# --- Raw HTML ------------------------------------------------------------------------


def check_raw_html(body: Body) -> list[Finding]:
    """Warn about HTML tags in the text: rendering keeps raw HTML off, so readers see them as typed."""
    findings = []
    for unit in body.units:
        match = _RAW_HTML.search(_ESCAPE.sub("  ", _blank_code_spans(unit.text)))
        if match:
            message = (
                f'{unit.label} holds HTML ("{snippet(match.group())}") that readers will see as typed, '
                f'since an article cannot carry HTML: "{snippet_around(unit.text, match.start())}"'
            )
            findings.append((unit.line, EditorialWarning("raw-html", message)))
    return findings


# --- Empty subheadings -----------------------------------------------------------


def check_empty_subheadings(body: Body) -> list[Finding]:
    """Warn about subheadings followed by a heading of the same or higher rank, or by nothing."""
    findings = []
    following: Block | None = None  # the next block with something in it, reading from the end
    for block in reversed(body.blocks):
        # Every body heading is a subheading: the page shifts them so the body's top level sits under
        # the title. A "#Heading" without its space shows as text and is reported as debris instead.
        if block.kind == "heading" and not block.glued and _has_nothing_under(block, following):
            message = f'Subheading on line {block.line} has no text under it: "{snippet(block.text)}"'
            findings.append((block.line, EditorialWarning("empty-subheading", message)))
        if block.kind not in _CONTENTLESS_BLOCKS:
            following = block
    return findings[::-1]


def _has_nothing_under(heading: Block, following: Block | None) -> bool:
    """Tell whether a heading is followed by the end of the body or a heading of its own or higher rank."""
    return following is None or (following.kind == "heading" and following.level <= heading.level)
