"""The one rule for what a reader's address names: categories, tags, authors, articles and the newsroom's own
pages, pages and feeds alike."""

from __future__ import annotations

import unicodedata

from flask import abort, redirect, request, url_for

from models import Article, Category, SitePage, Tag, User

Addressed = Article | Category | SitePage | Tag | User


def resolve(model: type[Addressed], slug: str) -> Addressed:
    """What `slug` names now; else a 301 to the address it has now, or a 404.

    A former slug (a rename, a merge, a new headline) leads to the slug now. Slugs are NFC and lowercase:
    one typed in capitals or decomposed is sent to the canonical form, which then answers by these rules.
    """
    found = model.at_address(slug)
    if found is not None:
        return found
    new_slug = model.former_target(slug)
    if new_slug is None:
        new_slug = unicodedata.normalize("NFC", slug).lower()
        if new_slug == slug:
            abort(404)
    abort(redirect(url_for(request.endpoint, **(request.view_args | {"slug": new_slug})), 301))
