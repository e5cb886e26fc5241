"""The reader's side: the pages everyone reads, comments, read counting, feeds and sitemaps, link previews.

Blueprints: pages (home, sections, authors, articles, search, media files, the counting routes), comments,
feeds. Beside them:
addresses (what an address names), article_page (rendering an article, the newsroom's preview too),
reads (counting in front of Flask) and previews (what a page's head tells machines).
"""
