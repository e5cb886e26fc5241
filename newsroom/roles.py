"""Who may do what in the newsroom: the role table every newsroom route is checked against."""

from __future__ import annotations

from flask import abort, request
from flask_login import current_user

from models import Article, Role

# Anyone may open these, signed in or not.
ANYONE = "anyone"
# A writer on their own drafts only; editors and admins on every article.
OWN_DRAFTS = "own drafts"

# Every newsroom endpoint and the least role it needs, for GET and POST alike. A route missing here is
# refused to everyone, and tests/test_roles.py fails until it is given its place.
ROUTE_ROLES: dict[str, str] = {
    "auth.login": ANYONE,
    "auth.logout": ANYONE,
    "people.join_by_invitation": ANYONE,
    "people.choose_password": ANYONE,
    "auth.account": Role.WRITER,
    "admin.articles": Role.WRITER,
    "admin.new_article": Role.WRITER,
    "admin.tag_suggestions": Role.WRITER,
    "admin.edit_article": OWN_DRAFTS,
    "admin.request_review": OWN_DRAFTS,
    "admin.unpublish_article": Role.EDITOR,
    "admin.delete_article": Role.EDITOR,
    "admin.comments": Role.EDITOR,
    "admin.moderate_comments": Role.EDITOR,
    "labels.categories": Role.EDITOR,
    "labels.move_category": Role.EDITOR,
    "labels.category": Role.EDITOR,
    "labels.tags": Role.EDITOR,
    "labels.tag": Role.EDITOR,
    # Writers may add pictures to their drafts; the media page with every upload is the editors'.
    "pictures.upload": Role.WRITER,
    "pictures.media": Role.EDITOR,
    # The site's own pages speak for the whole newsroom: editors and admins only.
    "site_pages.pages": Role.EDITOR,
    "site_pages.new_page": Role.EDITOR,
    "site_pages.edit_page": Role.EDITOR,
    "site_pages.preview_page": Role.EDITOR,
    "site_pages.delete_page": Role.EDITOR,
    "people.people": Role.ADMIN,
    "people.invite_someone": Role.ADMIN,
    "people.change_role_of": Role.ADMIN,
    "people.deactivate_account": Role.ADMIN,
    "people.reactivate_account": Role.ADMIN,
    "people.make_password_link_for": Role.ADMIN,
    "people.withdraw_invitation": Role.ADMIN,
    "people.withdraw_password_link": Role.ADMIN,
}
RANKS = {Role.WRITER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


def at_least(role: str, least: str) -> bool:
    """True when `role` can do what `least` can."""
    return RANKS.get(role, 0) >= RANKS[least]


def role_allows(role: str | None, endpoint: str | None) -> bool:
    """True when an account of this role (None: signed out) may open this endpoint at all."""
    need = ROUTE_ROLES.get(endpoint or "")
    if need == ANYONE:
        return True
    if need is None or role is None:
        return False
    return at_least(role, Role.WRITER if need == OWN_DRAFTS else need)


def refuse_below_role() -> None:
    """Before every newsroom view: a signed-in account whose role is too low gets the 403 page."""
    if current_user.is_authenticated and not role_allows(current_user.role, request.endpoint):
        abort(403)


def may_edit(user, article: Article) -> bool:
    """Editors edit every article; a writer only their own drafts."""
    return at_least(user.role, Role.EDITOR) or article.is_own_draft_of(user)


def require_edit_right(article: Article) -> None:
    """The 403 page for an account that may not change this article."""
    if not may_edit(current_user, article):
        abort(403)


def can(user, least: str) -> bool:
    """For templates: whether the signed-in account has at least this role."""
    return user.is_authenticated and at_least(user.role, least)


def a_role(role: str) -> str:
    """'a writer', 'an editor', 'an admin'."""
    return f"{'an' if role[0] in 'aeiou' else 'a'} {role}"
