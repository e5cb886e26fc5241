"""What a check reports: the warning an editor reads, and the short quotes it holds."""

from __future__ import annotations

from dataclasses import dataclass

# Long enough to recognise the quoted text, short enough to scan a list of warnings.
SNIPPET_LENGTH = 60


@dataclass(frozen=True)
class EditorialWarning:
    """One problem an editor may want to fix; `check` is a stable code, `message` a sentence."""

    check: str
    message: str


Finding = tuple[int, EditorialWarning]  # the line it concerns, for reading order


def snippet(text: str, *, from_end: bool = False) -> str:
    """Shorten text to about SNIPPET_LENGTH characters, marking the cut with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= SNIPPET_LENGTH:
        return flat
    if from_end:
        return "…" + flat[-SNIPPET_LENGTH:].lstrip()
    return flat[:SNIPPET_LENGTH].rstrip() + "…"


def snippet_around(text: str, index: int) -> str:
    """Quote about SNIPPET_LENGTH characters of text with position index near the start."""
    start = max(0, index - SNIPPET_LENGTH // 3)
    end = start + SNIPPET_LENGTH
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return f"{prefix}{text[start:end].strip()}{suffix}"


def lower_first(label: str) -> str:
    """Let a label like "Paragraph 2 (line 5)" stand mid-sentence."""
    return label[:1].lower() + label[1:]
