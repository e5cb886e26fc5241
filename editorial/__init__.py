"""Editorial checks and tag suggestions for news articles.

An article is a title, a short summary and a Markdown body. The checks catch mistakes that a
Markdown renderer publishes without complaint but that readers notice: paragraphs cut off
mid-sentence, formatting debris and HTML shown as text, repeated passages, empty subheadings,
muddled dates, an overlong title and a missing summary. They only warn; nothing here blocks
publishing. `suggest_tags` proposes tags from the body's most frequent significant words and
two-word phrases, preferring the tags an article already carries.

Inside: `reading` (the body through the site's Markdown parser), `words`, `findings`, one module
per family of checks (`structure`, `repetition`, `dates`), `checks` (all of them) and `tags`.
"""

from editorial.checks import editorial_warnings
from editorial.tags import suggest_tags

__all__ = ["editorial_warnings", "suggest_tags"]
