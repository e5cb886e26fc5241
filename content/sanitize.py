"""The one owner of bleach: allowlists, the URL check, and one function per kind of input.

Everything the site shows as HTML passes through a function here first; templates mark as
safe only what these functions returned.
"""

from __future__ import annotations

import html
import re
import threading
from functools import partial
from urllib.parse import urljoin

import bleach
from bleach.html5lib_shim import Filter, namespaces
from bleach.linkifier import LinkifyFilter

LINK_PROTOCOLS = frozenset({"http", "https", "mailto"})

ARTICLE_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "img",
})
ARTICLE_ATTRIBUTES = {"a": ["href", "title"], "img": ["src", "alt", "title"], "ol": ["start"]}

COMMENT_TAGS = frozenset({"strong", "em", "code", "pre", "blockquote", "a", "ul", "ol", "li", "p", "br"})
COMMENT_ATTRIBUTES = {"a": ["href"]}
# Older spellings readers type, kept as the elements that say the same.
COMMENT_TAG_SYNONYMS = {"b": "strong", "i": "em"}
COMMENT_LINK_REL = "nofollow ugc noopener noreferrer"
# Elements a comment's own paragraphs never wrap: text inside them keeps its line breaks as <br>.
COMMENT_BLOCKS = frozenset({"p", "blockquote", "pre", "ul", "ol"})
URL_ATTRIBUTES = ((None, "href"), (None, "src"))

# C0 controls but tab and newline, DEL, C1 controls: never part of anything a person typed.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Zero-width characters and the BOM: text made only of these shows nothing.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# What the WHATWG URL parser trims from both ends (C0 controls and space), and removes anywhere.
_C0_CONTROL_OR_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def url_as_browser_reads(value: str) -> str:
    """An attribute's URL as a browser reads it (WHATWG URL rules), so a check cannot be fooled by its spelling.

    Character references decoded (`&#106;avascript:`), C0 controls and spaces trimmed at both ends,
    tabs and newlines removed anywhere (`java\\tscript:`).
    """
    return _TAB_OR_NEWLINE.sub("", html.unescape(value).strip(_C0_CONTROL_OR_SPACE))


def allowed_url(value: str, on_site: bool = False) -> str | None:
    """The URL as a browser reads it when the policy allows it, else None.

    Absolute http, https and mailto URLs always pass; with `on_site`, so do paths and fragments on
    this site (`/articles/x`, `#top`), but not `//host` or `/\\host`, which browsers read as another site.
    """
    url = url_as_browser_reads(value)
    scheme = _SCHEME.match(url)
    if scheme:
        return url if scheme[1].lower() in LINK_PROTOCOLS else None
    on_this_site = url.startswith("#") or (url.startswith("/") and url[1:2] not in ("/", "\\"))
    return url if on_site and on_this_site else None


def _has_discernible_content(tokens: list[dict]) -> bool:
    """True when a link's inside shows something: text, or a picture with alt text."""
    for token in tokens:
        if token["type"] == "Characters" and _INVISIBLE.sub("", html.unescape(token["data"])).strip():
            return True
        if token.get("name") == "img" and token["data"].get((None, "alt"), "").strip():
            return True
    return False


class _UrlFilter(Filter):
    """Checks every URL attribute left after cleaning with allowed_url; unwraps links left without
    an href, drops links that show nothing and pictures left without a src."""

    def __init__(self, source, on_site: bool = False):
        super().__init__(source)
        self.on_site = on_site

    def __iter__(self):
        link: list[dict] | None = None  # the tokens of the link being read, from its start tag on
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag") and not self._check_urls(token):
                continue
            if link is not None:
                link.append(token)
                if token["type"] == "EndTag" and token["name"] == "a":
                    yield from _finished_link(link)
                    link = None
            elif token["type"] == "StartTag" and token["name"] == "a":
                link = [token]
            else:
                yield token
        if link:
            yield from _finished_link(link)

    def _check_urls(self, token: dict) -> bool:
        """Keep allowed URLs as a browser reads them, drop the others; False for a picture left without a src."""
        attributes = token["data"]
        for name in URL_ATTRIBUTES:
            if name not in attributes:
                continue
            url = allowed_url(attributes[name], self.on_site)
            if url:
                # Written back decoded; "&" escaped so the serializer keeps it as the one character.
                attributes[name] = url.replace("&", "&amp;")
            else:
                del attributes[name]
        return not (token["name"] == "img" and (None, "src") not in attributes)


def _finished_link(tokens: list[dict]):
    """A whole link: kept, unwrapped to its inside when it has no href, or dropped when it shows nothing."""
    start, inside = tokens[0], tokens[1:-1] if tokens[-1]["type"] == "EndTag" else tokens[1:]
    if (None, "href") not in start["data"]:
        yield from inside
    elif _has_discernible_content(inside):
        yield from tokens


class _SynonymFilter(Filter):
    """<b> and <i> become <strong> and <em>, so comments keep one spelling of each."""

    def __iter__(self):
        for token in super().__iter__():
            if token.get("name") in COMMENT_TAG_SYNONYMS:
                token = {**token, "name": COMMENT_TAG_SYNONYMS[token["name"]]}
            yield token


class _ParagraphFilter(Filter):
    """A comment's plain text laid out after cleaning: blank lines part paragraphs, a newline is a <br>.

    Done on the cleaned tokens, so a newline inside a tag's attribute is never touched.
    """

    def __iter__(self):
        open_elements: list[str] = []
        in_paragraph = False
        for token in super().__iter__():
            kind = token["type"]
            at_top = not open_elements
            if kind in ("Characters", "SpaceCharacters") and "pre" not in open_elements:
                for part in re.split(r"(\n[ \t]*\n\s*|\n)", token["data"]):
                    if _BLANK_LINE.fullmatch(part) and at_top:
                        yield from _close_paragraph(in_paragraph)
                        in_paragraph = False
                    elif part.startswith("\n"):
                        if in_paragraph or not at_top:
                            yield from [_tag("EmptyTag", "br")] * (2 if _BLANK_LINE.fullmatch(part) else 1)
                    elif part.strip() or (part and in_paragraph):
                        if at_top and not in_paragraph:
                            yield _tag("StartTag", "p")
                            in_paragraph = True
                        yield {"type": "Characters", "data": part}
                continue
            if at_top and kind in ("StartTag", "EmptyTag"):
                if token["name"] in COMMENT_BLOCKS:
                    yield from _close_paragraph(in_paragraph)
                    in_paragraph = False
                elif not in_paragraph:
                    yield _tag("StartTag", "p")
                    in_paragraph = True
            if kind == "StartTag":
                open_elements.append(token["name"])
            elif kind == "EndTag" and open_elements:
                open_elements.pop()
            yield token
        yield from _close_paragraph(in_paragraph)


def _tag(kind: str, name: str) -> dict:
    """A start, end or empty tag token with no attributes."""
    return {"type": kind, "name": name, "namespace": namespaces["html"], "data": {}}


def _close_paragraph(in_paragraph: bool):
    """The end tag of the paragraph being written, if one is open."""
    if in_paragraph:
        yield _tag("EndTag", "p")


def _comment_link_attributes(attrs: dict, new: bool = False) -> dict:
    """Every comment link gets the same rel, whatever the reader wrote."""
    attrs[(None, "rel")] = COMMENT_LINK_REL
    return attrs


class PerThread:
    """A bleach Cleaner for each thread: a Cleaner's parser keeps state while it cleans, so threads
    (a threaded server, fifty readers posting at once) must not share one. Each is built once per thread."""

    def __init__(self, **options) -> None:
        self.options, self.local = options, threading.local()

    def clean(self, text: str) -> str:
        """This thread's Cleaner's answer."""
        cleaner = getattr(self.local, "cleaner", None)
        if cleaner is None:
            cleaner = self.local.cleaner = bleach.Cleaner(**self.options)
        return cleaner.clean(text)


_article_cleaner = PerThread(
    tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES, protocols=LINK_PROTOCOLS, strip=True,
    filters=[partial(_UrlFilter, on_site=True)],
)
_COMMENT_FILTERS = [
    _SynonymFilter, partial(LinkifyFilter, callbacks=[_comment_link_attributes], parse_email=False), _UrlFilter,
]
_comment_cleaner = PerThread(
    tags=COMMENT_TAGS | COMMENT_TAG_SYNONYMS.keys(), attributes=COMMENT_ATTRIBUTES, protocols=LINK_PROTOCOLS,
    strip=True, filters=[*_COMMENT_FILTERS, _ParagraphFilter],
)
# For HTML stored by an earlier version: the same rules, its paragraphs already laid out.
_stored_comment_cleaner = PerThread(
    tags=COMMENT_TAGS | COMMENT_TAG_SYNONYMS.keys(), attributes=COMMENT_ATTRIBUTES, protocols=LINK_PROTOCOLS,
    strip=True, filters=_COMMENT_FILTERS,
)


def sanitize_article_html(rendered: str) -> str:
    """An article body, rendered from the editor's Markdown, reduced to the article allowlist."""
    return _article_cleaner.clean(rendered)


class _AbsoluteUrlFilter(Filter):
    """Every href and src resolved against a base address, for HTML read away from the site (feeds)."""

    def __init__(self, source, base: str):
        super().__init__(source)
        self.base = base

    def __iter__(self):
        for token in super().__iter__():
            if token["type"] in ("StartTag", "EmptyTag"):
                for name in URL_ATTRIBUTES:
                    if name in token["data"]:
                        token["data"][name] = urljoin(self.base, token["data"][name])
            yield token


def article_html_with_absolute_urls(body_html: str, base: str) -> str:
    """A stored article body with its links and pictures made absolute against `base`, the article's address.

    The body is cleaned again by the article rules on the way, so only what they allow reaches a feed.
    """
    cleaner = bleach.Cleaner(
        tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES, protocols=LINK_PROTOCOLS, strip=True,
        filters=[partial(_UrlFilter, on_site=True), partial(_AbsoluteUrlFilter, base=base)],
    )
    return cleaner.clean(body_html)


def has_control_characters(text: str) -> bool:
    """True when text holds a control character other than newline, carriage return or tab."""
    return bool(_CONTROL_CHARACTERS.search(text.replace("\r", "")))


def sanitize_comment(body: str) -> str:
    """A reader's comment as safe HTML: paragraphs and line breaks kept, a small allowlist, linkified."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    return _drop_empty_paragraphs(_comment_cleaner.clean(text))


def resanitize_stored_comment(stored_html: str) -> str:
    """A comment's stored HTML cleaned again under today's rules (for a migration), its layout kept."""
    return _drop_empty_paragraphs(_stored_comment_cleaner.clean(stored_html))


def _drop_empty_paragraphs(cleaned: str) -> str:
    """Remove paragraphs that held only stripped markup, and line breaks that end a paragraph."""
    cleaned = re.sub(r"(<br>\s*)+</p>", "</p>", cleaned)
    return re.sub(r"<p>(\s|<br>)*</p>", "", cleaned).strip()


# Not bleach.clean(), which builds a Cleaner (and its parser) on every call.
_text_cleaner = PerThread(tags=set(), strip=True)


def visible_text(fragment: str) -> str:
    """The text a reader would see in an HTML fragment, for checks such as 'is it empty?'."""
    text = html.unescape(_text_cleaner.clean(fragment))
    return _INVISIBLE.sub("", text).strip()
