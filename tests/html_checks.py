"""Parse HTML as a browser would tokenize it and list anything that could run script."""

from __future__ import annotations

from html.parser import HTMLParser

DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "srcset"}


class _DangerFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "svg", "math", "style", "base", "meta", "link", "form"):
            self.found.append(f"<{tag}> element")
        for name, value in attrs:
            compact = "".join((value or "").split()).lower()
            if name.startswith("on"):
                self.found.append(f"{name} attribute on <{tag}>")
            elif name == "style":
                self.found.append(f"style attribute on <{tag}>")
            elif name in URL_ATTRIBUTES and compact.startswith(DANGEROUS_SCHEMES):
                self.found.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag


def dangerous_markup(html: str) -> list[str]:
    """Every script element, on* or style attribute and javascript:/data:/vbscript: URL in the HTML."""
    finder = _DangerFinder()
    finder.feed(html)
    finder.close()
    return finder.found
