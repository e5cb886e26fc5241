"""Reading a body as readers see it: markdown-it's tokens, turned into blocks and the units warnings name.

The body is parsed by the parser that renders the page (`content.text.markdown_parser`), so a check never
points at a structure readers do not get. Block tokens give kinds and source lines (`map`); inline
tokens give a paragraph's Markdown source (`content`) and the words shown (`children`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from content.text import markdown_parser
from editorial.words import FINISHED_ENDING, plain_text

# About 37,000 words, several times the longest feature: only a pasted dump goes past it, and reading
# on would make every keystroke's check in the editor slow.
MAX_ANALYSED_CHARACTERS = 250_000

_PARSER = markdown_parser()
# A line holding nothing but a formatting marker: Markdown shows it as text.
_LONE_MARKER = re.compile(r"^(\*{1,2}|_{1,2}|#+)$")
# "#Heading": the writer meant a heading but Markdown needs a space after the #.
_GLUED_HEADING = re.compile(r"^(#{1,6})(?=[^\s#\d])")
_ATTRIBUTION = re.compile(r"^(?:—|–|--)\s*\S")
_HTML_START = re.compile(r"<[A-Za-z/!]")
_QUOTE_MARKERS = re.compile(r"^(?:[ \t]*>)+[ \t]?")
_LIST_OPENINGS = ("bullet_list_open", "ordered_list_open")
_LIST_CLOSINGS = ("bullet_list_close", "ordered_list_close")
# The kind of block each opening token starts, as a paragraph's colon may introduce it.
_KIND_OF_TOKEN = {
    "paragraph_open": "paragraph", "heading_open": "heading", "bullet_list_open": "list",
    "ordered_list_open": "list", "table_open": "table", "fence": "code", "code_block": "code",
    "hr": "rule", "blockquote_open": "quote",
}  # fmt: skip


@dataclass
class Block:
    """Something the page shows as one piece: a paragraph, heading, list, table, code, rule or debris."""

    kind: str
    line: int  # 1-based line it starts on
    level: int = 0  # heading level; 0 for other blocks
    glued: bool = False  # a "#Heading" written without its space, so it shows literally
    text: str = ""  # a heading's words, or the marker a debris line holds
    items: list[tuple[int, str]] = field(default_factory=list)  # a list's items: line, Markdown source


@dataclass(frozen=True)
class Unit:
    """A piece of prose a warning can point at: a paragraph, list item, heading or table row."""

    kind: str
    label: str  # how a warning names it, e.g. "Paragraph 3 (line 7)"
    line: int
    text: str  # the Markdown source on one line
    plain: str  # the words a reader sees, on one line
    lines: tuple[tuple[int, str], ...] = ()  # the source lines it was written on, with their numbers
    followed_by: str = ""  # kind of the next block, for paragraphs that introduce one


@dataclass(frozen=True)
class Body:
    """A body as read: its blocks and units in reading order, and where reading stopped if it was cut."""

    blocks: list[Block]
    units: list[Unit]
    cut_after_line: int | None  # the last line read, when the body was longer than MAX_ANALYSED_CHARACTERS


# The article form checks a body and suggests tags for it in one request: read it once.
@lru_cache(maxsize=4)
def read_body(body: str) -> Body:
    """Parse the analysed part of a body into blocks and units."""
    text, cut = analysed_part(body)
    reader = _Reader()
    reader.read(_PARSER.parse(text), text.split("\n"), offset=0, quoted=False)
    return Body(reader.blocks, _labelled(reader.units), text.count("\n") + 1 if cut else None)


def analysed_part(body: str) -> tuple[str, bool]:
    """Return the part of the body that is analysed, and whether it was cut: at a paragraph break if possible."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) <= MAX_ANALYSED_CHARACTERS:
        return text, False
    start = text[:MAX_ANALYSED_CHARACTERS]
    # Cutting between blocks, or at least lines, spares the last one a false "stops mid-sentence" warning.
    for separator in ("\n\n", "\n"):
        if (cut := start.rfind(separator)) > 0:
            return start[:cut], True
    return start, True


@dataclass
class _Draft:
    """A unit being read: its kind, first line, source lines and shown words."""

    kind: str
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    followed_by: str = ""
    contents: int = 0  # for list items: how many paragraphs and lists were read into it
    marker: str = ""  # for list items: "-", "*", "1."


def _labelled(drafts: list[_Draft | None]) -> list[Unit]:
    """Name each unit as warnings will, numbering paragraphs as readers count them."""
    units, paragraph_number = [], 0
    for draft in drafts:
        if draft is None or not draft.lines:
            continue
        if draft.kind == "paragraph":
            paragraph_number += 1
            label = f"Paragraph {paragraph_number} (line {draft.line})"
        else:
            label = f"{draft.kind.replace('-', ' ').capitalize()} on line {draft.line}"
        text = " ".join(line for _, line in draft.lines)
        plain = " ".join(part for part in draft.plain if part)
        units.append(Unit(draft.kind, label, draft.line, text, plain, tuple(draft.lines), draft.followed_by))
    return units


class _Reader:
    """Walk a token stream once, keeping blocks and unit drafts in reading order."""

    def __init__(self) -> None:
        """Start with nothing read."""
        self.blocks: list[Block] = []
        self.units: list[_Draft | None] = []
        self.items: list[tuple[int, _Draft]] = []  # open list items: their slot in units, their draft
        self.lists: list[tuple[Block, list[int]]] = []  # open outermost list, and its items' slots

    def read(self, tokens: list, lines: list[str], offset: int, quoted: bool) -> None:
        """Read tokens parsed from lines, which start on line offset + 1 of the body."""
        depth = 1 if quoted else 0  # block quotes around the current token
        for index, token in enumerate(tokens):
            line = token.map[0] + offset + 1 if token.map else 0
            if token.type == "blockquote_open":
                depth += 1
                if tokens[index + 1].type == "blockquote_close":
                    self._read_past_nesting_limit(lines[token.map[0] : token.map[1]], line - 1)
            elif token.type == "blockquote_close":
                depth -= 1
            elif token.type == "paragraph_open":
                self._paragraph(tokens[index + 1], line, depth > 0, _followed_by(tokens, index + 3, depth))
            elif token.type == "heading_open":
                self._heading(token, tokens[index + 1], line, lines[token.map[0]])
            elif token.type == "list_item_open":
                self._open_item(line, (_QUOTE_MARKERS.sub("", lines[token.map[0]]).split() or ["-"])[0])
            else:
                self._other(token, tokens, index, line)

    def _other(self, token, tokens: list, index: int, line: int) -> None:
        """Read a list, table row, code block or rule token, or the end of a list item."""
        kind = token.type
        if kind in _LIST_OPENINGS or kind in _LIST_CLOSINGS:
            self._list(kind in _LIST_OPENINGS, line)
        elif kind == "list_item_close":
            self._close_item()
        elif kind == "table_open":
            self.blocks.append(Block("table", line))
        elif kind == "tr_open":
            self._table_row(tokens, index, line)
        elif kind in ("fence", "code_block", "hr"):
            self.blocks.append(Block("rule" if kind == "hr" else "code", line))

    def _read_past_nesting_limit(self, lines: list[str], offset: int) -> None:
        """Read a quote nested past the parser's limit, which it leaves empty, as text quoted once."""
        inner = [_QUOTE_MARKERS.sub("", line, count=1) for line in lines]
        if any(line.strip() for line in inner):
            self.read(_PARSER.parse("\n".join(inner)), inner, offset, quoted=True)

    def _paragraph(self, inline, line: int, quoted: bool, followed_by: str) -> None:
        """Read a paragraph, as a unit of its own or as part of the list item holding it."""
        kept = self._without_debris(inline.content.split("\n"), line, quoted)
        groups = _shown_lines(inline.children or [])
        if len(groups) != len(inline.content.split("\n")):
            groups = [[part for group in groups for part in group]]  # a code span ran over a line break
        plain = [plain_text(groups[index]) if index < len(groups) else "" for index, _ in kept]
        numbered = [(line + index, text) for index, text in kept]
        if self.items:
            item = self.items[-1][1]
            item.contents += 1
            item.lines += numbered
            item.plain += plain
        elif numbered:
            self._add_paragraph(_Draft("paragraph", numbered[0][0], numbered, plain, followed_by))

    def _add_paragraph(self, draft: _Draft) -> None:
        """Keep a paragraph, or the heading a lone "#Heading" line was meant to be."""
        first = draft.lines[0][1]
        glued = _GLUED_HEADING.match(first)
        # A sentence that merely opens with a hashtag ends like a sentence.
        if len(draft.lines) == 1 and glued and not FINISHED_ENDING.search(first):
            self.blocks.append(Block("heading", draft.line, len(glued.group(1)), glued=True, text=first.lstrip("#")))
            self.units.append(_Draft("heading", draft.line, [(draft.line, first.lstrip("#"))], draft.plain))
            return
        self.blocks.append(Block("paragraph", draft.line))
        self.units.append(draft)

    def _without_debris(self, lines: list[str], line: int, quoted: bool) -> list[tuple[int, str]]:
        """Return a paragraph's lines by index, keeping lone markers out as debris and a quote's credit out."""
        kept = []
        for index, text in enumerate(lines):
            if _LONE_MARKER.match(text.strip()):
                self.blocks.append(Block("debris", line + index, text=text.strip()))
            else:
                kept.append((index, text.strip()))
        if quoted and len(lines) > 1 and kept and _ATTRIBUTION.match(kept[-1][1]):
            kept.pop()  # "— Jane Doe" credits the quote; it is no sentence
        return kept

    def _heading(self, token, inline, line: int, source: str) -> None:
        """Read a heading; one with no words ("###") is a marker left behind."""
        words = " ".join(inline.content.split())
        if not words:
            self.blocks.append(Block("debris", line, text=_QUOTE_MARKERS.sub("", source).strip()))
            return
        self.blocks.append(Block("heading", line, int(token.tag[1]), text=words))
        self.units.append(_Draft("heading", line, [(line, words)], [plain_text(_pieces(inline.children or []))]))

    def _list(self, opening: bool, line: int) -> None:
        """Open or close a list; nested lists belong to the outermost one."""
        if opening:
            if self.items:
                self.items[-1][1].contents += 1  # an item holding a list is not empty
            block = Block("list", line) if not self.lists else self.lists[0][0]
            if not self.lists:
                self.blocks.append(block)
            self.lists.append((block, self.lists[0][1] if self.lists else []))
            return
        block, slots = self.lists.pop()
        if not self.lists:
            block.items = [(unit.line, " ".join(text for _, text in unit.lines)) for unit in _drafts(self.units, slots)]

    def _open_item(self, line: int, marker: str) -> None:
        """Start a list item, keeping its place in reading order until it closes."""
        self.units.append(None)
        self.items.append((len(self.units) - 1, _Draft("list-item", line, marker=marker)))
        self.lists[-1][1].append(len(self.units) - 1)

    def _close_item(self) -> None:
        """Finish a list item; one with nothing in it shows as a bare marker."""
        slot, item = self.items.pop()
        if item.lines:
            self.units[slot] = item
        elif not item.contents:
            self.blocks.append(Block("debris", item.line, text=item.marker))

    def _table_row(self, tokens: list, index: int, line: int) -> None:
        """Read a table row as one unit, written as its cells between pipes."""
        cells, plain = [], []
        for token in tokens[index + 1 :]:
            if token.type == "tr_close":
                break
            if token.type == "inline":
                cells.append(token.content)
                plain.append(plain_text(_pieces(token.children or [])))
        text = "| " + " | ".join(cells) + " |"
        self.units.append(_Draft("table-row", line, [(line, text)], plain))


def _drafts(units: list[_Draft | None], slots: list[int]) -> list[_Draft]:
    """Return the filled drafts in these slots."""
    return [draft for slot in slots if (draft := units[slot]) is not None]


def _followed_by(tokens: list, index: int, depth: int) -> str:
    """Name the block that starts at or after index; anything inside a block quote counts as a quote."""
    for position in range(index, len(tokens)):  # not a slice: copying the rest for every paragraph is quadratic
        token = tokens[position]
        if token.type == "blockquote_close":
            depth -= 1
        elif not token.type.endswith("_close"):
            kind = _KIND_OF_TOKEN.get(token.type, "")
            if kind == "paragraph" and _HTML_START.match(tokens[position + 1].content):
                kind = "html"  # pasted HTML shows as text, and is reported as such
            return "quote" if depth > 0 and kind else kind
    return ""


def _shown_lines(children: list) -> list[list[str]]:
    """Split a paragraph's inline children into the text pieces shown for each source line."""
    groups: list[list] = [[]]
    for child in children:
        if child.type in ("softbreak", "hardbreak"):
            groups.append([])
        else:
            groups[-1].append(child)
    return [_pieces(group) for group in groups]


def _pieces(children: list) -> list[str]:
    """Return the text a reader sees in inline children: no code, pictures or bare link addresses."""
    pieces, in_autolink = [], False
    for child in children:
        if child.type == "text" and not in_autolink:
            pieces.append(child.content)
        elif child.type in ("code_inline", "image", "softbreak", "hardbreak"):
            pieces.append(" ")
        elif child.type == "link_open":
            in_autolink = child.markup in ("autolink", "linkify")
        elif child.type == "link_close":
            in_autolink = False
    return pieces
