"""The role table walked over the whole URL map: every newsroom route, GET and POST, for each role."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from models import Article, ArticleStatus, Comment, Invitation, Role, SitePage, User, db
from newsroom.roles import ANYONE, OWN_DRAFTS, ROUTE_ROLES, at_least
from tests.conftest import csrf_token_of, signed_in_client

# Requests that end what later requests need run last: deleting the sample article, then signing out.
LAST = ("admin.delete_article", "auth.logout")


def newsroom_rules(app) -> list:
    """Every URL rule under /admin, with each of its methods."""
    return [(rule, method) for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")
            for method in sorted(rule.methods & {"GET", "POST"})]


def unlisted_endpoints(app) -> set[str]:
    """Newsroom endpoints the role table does not name."""
    return {rule.endpoint for rule, _ in newsroom_rules(app)} - set(ROUTE_ROLES)


def expected_to_pass(role: str, endpoint: str) -> bool:
    """What the table says: may this role open this route on an article that is not its own draft?"""
    need = ROUTE_ROLES[endpoint]
    if need == ANYONE:
        return True
    return at_least(role, Role.EDITOR if need == OWN_DRAFTS else need)


def database_contents() -> dict:
    """Every row of every table, to prove a refused request changed nothing."""
    db.session.expire_all()
    return {table.name: sorted(map(repr, db.session.execute(table.select()).all()))
            for table in db.metadata.sorted_tables}


@pytest.fixture
def newsroom(app, make_article, make_comment, make_person):
    """A writer, an editor, an admin, another account to act on, and an article none of the first two wrote."""
    people = {role: make_person(f"{role}-account", role, f"The {role}") for role in Role}
    target = make_person("target", Role.WRITER, "Someone Else")
    article = make_article("Somebody else's draft", status=ArticleStatus.DRAFT, tags=("harbour",),
                           authors=(people[Role.ADMIN],))
    article.created_by_id = people[Role.ADMIN].id
    make_comment(article, "A comment")
    db.session.commit()
    return {"people": people, "target": target, "article": article}


def sample_path(rule, newsroom) -> str:
    """The rule's URL with the sample article, the first category, tag and page, and the other account filled in."""
    values = {"article_id": newsroom["article"].id, "item_id": 1, "user_id": newsroom["target"].id,
              "token": "not-a-link", "invitation_id": 1, "link_id": 1, "page_id": 1}
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m[1]]), rule.rule)


def test_every_newsroom_route_has_a_line_in_the_role_table(app):
    assert unlisted_endpoints(app) == set()


def test_a_route_added_without_a_line_is_refused_to_everyone_and_fails_the_table_check(app, make_person):
    # A route another module adds later to the newsroom's blueprint, with no line in the table.
    blueprint = app.blueprints["admin"]
    app.add_url_rule("/admin/new-feature", endpoint="admin.new_feature", view_func=lambda: "the new feature")
    assert isinstance(blueprint, Blueprint)
    assert unlisted_endpoints(app) == {"admin.new_feature"}
    make_person("boss", Role.ADMIN, "The Boss")
    response = signed_in_client(app, "boss").get("/admin/new-feature")
    assert response.status_code == 403 and "the new feature" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_what_the_table_gives_it(frozen_clock, app, newsroom, role):
    client = signed_in_client(app, f"{role}-account")
    token = csrf_token_of(client.get("/admin/account"))
    rules = sorted(newsroom_rules(app), key=lambda pair: (pair[0].endpoint in LAST, LAST.index(pair[0].endpoint)
                                                          if pair[0].endpoint in LAST else 0))
    wrong = []
    for rule, method in rules:
        path = sample_path(rule, newsroom)
        before = database_contents()
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token}, headers={"Referer": "http://localhost/admin/"})
        page = response.get_data(as_text=True)
        refused = response.status_code == 403
        if refused:
            # Refused in the site's layout, saying why, and with nothing changed.
            assert "Not allowed" in page and 'class="site-header"' in page, path
            assert database_contents() == before, f"{method} {path} changed the database"
        if refused == expected_to_pass(role, rule.endpoint):
            wrong.append(f"{method} {path}: {'refused' if refused else 'allowed'}")
    assert wrong == []


def test_a_refused_post_changes_nothing_even_with_a_full_form(app, newsroom):
    writer = signed_in_client(app, "writer-account")
    token = csrf_token_of(writer.get("/admin/account"))
    article, target = newsroom["article"], newsroom["target"]
    posts = {
        f"/admin/articles/{article.id}/edit": {"title": "Taken over", "category": "X", "body": "B", "status": "published"},
        f"/admin/articles/{article.id}/delete": {},
        f"/admin/articles/{article.id}/unpublish": {},
        "/admin/comments": {"one": "delete:1"},
        "/admin/categories/1": {"action": "rename", "rename-name": "Renamed"},
        f"/admin/people/{target.id}/role": {"role": "admin"},
        f"/admin/people/{target.id}/deactivate": {},
        "/admin/pages/1": {"title": "Taken over", "body": "B", "published": "y"},
        "/admin/pages/1/delete": {},
        "/admin/pages/new": {"title": "A writer's page", "body": "B", "published": "y"},
        "/admin/people/invite": {"role": "admin"},
    }
    for path, fields in posts.items():
        assert writer.post(path, data={"csrf_token": token, **fields}).status_code == 403, path
    db.session.expire_all()
    assert db.session.get(Article, article.id).title == "Somebody else's draft"
    assert db.session.execute(db.select(db.func.count(Comment.id))).scalar_one() == 1
    assert db.session.get(User, target.id).role == Role.WRITER and db.session.get(User, target.id).active
    assert db.session.execute(db.select(Invitation)).first() is None
    # The starter pages, untouched: none published, none renamed, none deleted, none added.
    assert [(page.title, page.published) for page in SitePage.for_newsroom()] == [
        ("About", False), ("Contact", False), ("Corrections policy", False), ("Privacy", False)]


def test_the_newsroom_bar_offers_each_role_only_its_pages(app, newsroom):
    pages = {role: signed_in_client(app, f"{role}-account").get("/admin/").get_data(as_text=True) for role in Role}
    assert "/admin/comments" not in pages[Role.WRITER] and "/admin/people" not in pages[Role.WRITER]
    assert "/admin/comments" in pages[Role.EDITOR] and "/admin/people" not in pages[Role.EDITOR]
    assert "/admin/comments" in pages[Role.ADMIN] and "/admin/people" in pages[Role.ADMIN]
    assert "/admin/pages/" not in pages[Role.WRITER]
    assert "/admin/pages/" in pages[Role.EDITOR] and "/admin/pages/" in pages[Role.ADMIN]
