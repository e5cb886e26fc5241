"""Plain functions on text: Markdown, slugs, tag names, times (`now_utc`), and the one sanitizer (bleach)."""
