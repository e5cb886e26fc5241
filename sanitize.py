"""The one owner of bleach: allowlists and one function per kind of input.

Everything the site shows as HTML passes through a function here first; templates mark as
safe only what these functions returned.
"""

from __future__ import annotations

import html
import re
from functools import partial

import bleach
from bleach.linkifier import LinkifyFilter

LINK_PROTOCOLS = frozenset({"http", "https", "mailto"})

ARTICLE_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
})
ARTICLE_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "title"], "ol": ["start"]}

COMMENT_TAGS = frozenset({"strong", "em", "code", "pre", "blockquote", "a", "ul", "ol", "li", "p", "br"})
COMMENT_ATTRIBUTES = {"a": ["href"]}
COMMENT_LINK_REL = "nofollow ugc noopener noreferrer"

# C0 controls but tab and newline, DEL, C1 controls: never part of anything a person typed.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Zero-width characters and the BOM: text made only of these shows nothing.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

_article_cleaner = bleach.Cleaner(
    tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES, protocols=LINK_PROTOCOLS, strip=True
)


def sanitize_article_html(rendered: str) -> str:
    """An article body, rendered from the editor's Markdown, reduced to the article allowlist."""
    return _article_cleaner.clean(rendered)


def has_control_characters(text: str) -> bool:
    """True when text holds a control character other than newline, carriage return or tab."""
    return bool(_CONTROL_CHARACTERS.search(text.replace("\r", "")))


def _comment_link_attributes(attrs: dict, new: bool = False) -> dict:
    """Every comment link gets the same rel, whatever the reader wrote."""
    attrs[(None, "rel")] = COMMENT_LINK_REL
    return attrs


_comment_cleaner = bleach.Cleaner(
    tags=COMMENT_TAGS,
    attributes=COMMENT_ATTRIBUTES,
    protocols=LINK_PROTOCOLS,
    strip=True,
    filters=[partial(LinkifyFilter, callbacks=[_comment_link_attributes], parse_email=False)],
)


def sanitize_comment(body: str) -> str:
    """A reader's comment as safe HTML: paragraphs and line breaks kept, a small allowlist, linkified."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", body.replace("\r\n", "\n")) if part.strip()]
    wrapped = "".join(f"<p>{part.replace(chr(10), '<br>')}</p>" for part in paragraphs)
    cleaned = _comment_cleaner.clean(wrapped)
    return _drop_empty_paragraphs(cleaned)


def _drop_empty_paragraphs(cleaned: str) -> str:
    """Remove paragraphs that held only stripped markup."""
    return re.sub(r"<p>(\s|<br>)*</p>", "", cleaned).strip()


def visible_text(fragment: str) -> str:
    """The text a reader would see in an HTML fragment, for checks such as 'is it empty?'."""
    text = html.unescape(bleach.clean(fragment, tags=set(), strip=True))
    return _INVISIBLE.sub("", text).strip()
