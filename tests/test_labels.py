"""The newsroom's categories and tags: counts, rename, merge, delete, menu order, and their old addresses."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from content.text import now_utc
from models import ArticleStatus, Category, CategoryRedirect, Tag, TagRedirect, article_tags, db
from tests.conftest import csrf_token_of
from tests.test_admin import reader
from tests.test_reader import article_titles, text_of


def send(client, url: str, **fields):
    """Open the page at url and send its forms' CSRF tokens with these fields, as its buttons do."""
    html = client.get(url).get_data(as_text=True)
    tokens = dict(re.findall(r'name="([\w-]*csrf_token)" type="hidden" value="([^"]+)"', html))
    tokens |= dict(re.findall(r'type="hidden" name="(csrf_token)" value="([^"]+)"', html))
    return client.post(url, data={**tokens, **fields})


def category_id(name: str) -> int:
    """The id of the category of this name."""
    return db.session.execute(db.select(Category.id).filter_by(name=name)).scalar_one()


def tag_id(name: str) -> int:
    """The id of the tag of this name."""
    return db.session.execute(db.select(Tag.id).filter_by(name=name)).scalar_one()


def nav_categories(response) -> list[str]:
    """The category names in the header menu, in order."""
    menu = response.get_data(as_text=True).split('aria-label="Sections"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="/categories/[^"]+">([^<]+)</a>', menu)


def name_of_length(length: int) -> str:
    """A name of words, exactly `length` characters long, that tidying leaves as it is."""
    return ("Quay " * length)[:length - 1] + "s"


def flash_after(client, response) -> str:
    """The text of the page a redirect leads to, where its message shows."""
    assert response.status_code == 302, text_of(response)
    return text_of(client.get(response.headers["Location"]))


# --- Lists ----------------------------------------------------------------------------------------------------


def test_the_category_list_shows_published_and_unpublished_counts_in_menu_order(admin_client, make_article):
    make_article("One", category="Sport")
    make_article("Two", category="Sport")
    make_article("Three", category="Sport", status=ArticleStatus.DRAFT)
    make_article("Later", category="Arts", published_at=now_utc() + timedelta(days=1))
    page = text_of(admin_client.get("/admin/categories"))
    assert "1 Sport /categories/sport 2 1" in page
    assert "2 Arts /categories/arts 0 1" in page


def test_the_tag_list_shows_counts_by_name(admin_client, make_article):
    make_article("One", tags=("harbour", "Ferries"))
    make_article("Two", tags=("harbour",), status=ArticleStatus.DRAFT)
    page = text_of(admin_client.get("/admin/tags"))
    assert "Ferries /tags/ferries 1 0 harbour /tags/harbour 1 1" in page


@pytest.mark.parametrize(("path", "caption", "headings"), [
    ("/admin/categories", "Categories in menu order",
     ["Place", "Category", "Address", "Published", "Drafts and scheduled", "Menu order"]),
    ("/admin/tags", "Tags by name", ["Tag", "Address", "Published", "Drafts and scheduled"]),
])
def test_the_lists_are_tables_a_screen_reader_can_name(admin_client, make_article, path, caption, headings):
    make_article("One", category="Sport", tags=("harbour",))
    html = admin_client.get(path).get_data(as_text=True)
    assert f'<caption class="visually-hidden">{caption}</caption>' in html
    assert re.findall(r'<th scope="col">([^<]+)</th>', html) == headings


@pytest.mark.parametrize("path", ["/admin/categories", "/admin/tags", "/admin/categories/1", "/admin/tags/1"])
def test_the_pages_are_for_editors_only(client, make_article, path):
    make_article("One", category="Sport", tags=("harbour",))
    response = client.get(path)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


# --- Rename -----------------------------------------------------------------------------------------------------


def test_renaming_a_category_moves_its_address_and_the_old_one_answers_301(admin_client, make_article):
    make_article("Match report", category="Créé")
    response = send(admin_client, f"/admin/categories/{category_id('Créé')}", action="rename", **{"rename-name": "Sport"})
    assert response.status_code == 302
    assert "“Créé” is now “Sport”. Its old address /categories/cree leads to the new one." in text_of(
        admin_client.get(response.headers["Location"]))
    old = reader().get("/categories/cree")
    assert old.status_code == 301 and old.headers["Location"] == "/categories/sport"
    assert article_titles(reader().get("/categories/sport")) == ["Match report"]
    assert nav_categories(reader().get("/")) == ["Sport"]
    # The old name now means the renamed category: typing it again creates no second one.
    assert Category.get_or_create("Créé").name == "Sport"


def test_renaming_a_tag_keeps_its_old_address_and_a_taken_name_is_refused(admin_client, make_article):
    make_article("Ferry news", tags=("fery", "ferries"))
    response = send(admin_client, f"/admin/tags/{tag_id('fery')}", action="rename", **{"rename-name": "Ferries"})
    assert response.status_code == 400
    assert "The tag “ferries” already has this address: merge into it instead." in text_of(response)
    response = send(admin_client, f"/admin/tags/{tag_id('fery')}", action="rename", **{"rename-name": "a"})
    assert "A tag needs at least 2 characters" in text_of(response)
    send(admin_client, f"/admin/tags/{tag_id('fery')}", action="rename", **{"rename-name": "#Boats"})
    old = reader().get("/tags/fery")
    assert old.status_code == 301 and old.headers["Location"] == "/tags/boats"
    assert article_titles(reader().get("/tags/boats")) == ["Ferry news"]


def test_renaming_back_to_an_old_name_drops_the_redirect_that_would_loop(admin_client, make_article):
    make_article("One", category="Local")
    url = f"/admin/categories/{category_id('Local')}"
    send(admin_client, url, action="rename", **{"rename-name": "Town"})
    send(admin_client, url, action="rename", **{"rename-name": "Local"})
    assert db.session.execute(db.select(CategoryRedirect.old_slug)).scalars().all() == ["town"]
    assert article_titles(reader().get("/categories/local")) == ["One"]
    assert reader().get("/categories/town").headers["Location"] == "/categories/local"


def test_a_new_name_is_tidied_as_the_models_store_names(admin_client, make_article):
    make_article("One", category="Town", tags=("fery",))
    renamed = send(admin_client, f"/admin/categories/{category_id('Town')}", action="rename",
                   **{"rename-name": "Local    news"})
    assert "“Town” is now “Local news”. Its old address /categories/town leads to the new one." in flash_after(
        admin_client, renamed)
    assert nav_categories(reader().get("/")) == ["Local news"]
    assert reader().get("/categories/town").headers["Location"] == "/categories/local-news"
    renamed = send(admin_client, f"/admin/tags/{tag_id('fery')}", action="rename", **{"rename-name": "#harbour--life"})
    assert "“fery” is now “harbour life”. Its old address /tags/fery leads to the new one." in flash_after(
        admin_client, renamed)
    old = reader().get("/tags/fery")
    assert old.status_code == 301 and old.headers["Location"] == "/tags/harbour-life"


def test_a_new_name_is_checked_as_it_would_be_stored(admin_client, make_article):
    make_article("One", category="Town", tags=("harbour",))
    # "#x" is two characters as typed, one once tidied.
    refused = send(admin_client, f"/admin/tags/{tag_id('harbour')}", action="rename", **{"rename-name": "#x"})
    assert refused.status_code == 400 and "A tag needs at least 2 characters" in text_of(refused)
    refused = send(admin_client, f"/admin/categories/{category_id('Town')}", action="rename", **{"rename-name": "?!"})
    assert refused.status_code == 400 and "Use at least one letter or digit in the name." in text_of(refused)
    assert db.session.execute(db.select(Tag.name)).scalars().all() == ["harbour"]
    assert db.session.execute(db.select(Category.name)).scalars().all() == ["Town"]


def test_a_rename_that_keeps_the_address_leaves_no_redirect(admin_client, make_article):
    make_article("One", category="Sport")
    page = flash_after(admin_client, send(admin_client, f"/admin/categories/{category_id('Sport')}", action="rename",
                                          **{"rename-name": "SPORT"}))
    assert "“Sport” is now “SPORT”." in page and "Its old address" not in page
    assert db.session.execute(db.select(CategoryRedirect)).scalars().all() == []
    assert article_titles(reader().get("/categories/sport")) == ["One"]


@pytest.mark.parametrize(("kind", "model", "refusal"), [
    # The form refuses a category's name past the limit before the view does; either way the editor reads it.
    ("categories", Category, "{limit} characters"),
    ("tags", Tag, "A tag can have at most {limit} characters"),
])
def test_a_name_may_be_as_long_as_the_model_allows_and_no_longer(admin_client, make_article, kind, model, refusal):
    make_article("One", category="Town", tags=("harbour",))
    item = db.session.execute(db.select(model)).scalar_one()
    url, old_name, limit = f"/admin/{kind}/{item.id}", item.name, model.NAME_MAX
    refused = send(admin_client, url, action="rename", **{"rename-name": name_of_length(limit + 1)})
    assert refused.status_code == 400 and refusal.format(limit=limit) in text_of(refused)
    assert db.session.execute(db.select(model.name)).scalars().all() == [old_name]
    longest = name_of_length(limit)
    assert f"“{old_name}” is now “{longest}”." in flash_after(
        admin_client, send(admin_client, url, action="rename", **{"rename-name": longest}))
    assert db.session.execute(db.select(model.name)).scalars().all() == [longest]


# --- Merge ------------------------------------------------------------------------------------------------------


def test_merging_categories_moves_the_articles_and_the_old_address(admin_client, make_article):
    make_article("A", category="Créé")
    make_article("B", category="Culture")
    send(admin_client, f"/admin/categories/{category_id('Culture')}", action="rename", **{"rename-name": "Kultur"})
    response = send(admin_client, f"/admin/categories/{category_id('Kultur')}", action="merge",
                    **{"merge-target": "créé"})
    page = flash_after(admin_client, response)
    assert "“Kultur” is merged into “Créé”; its articles and its address now belong to it." in page
    assert "2 published articles" in page
    assert [c.name for c in db.session.execute(db.select(Category)).scalars()] == ["Créé"]
    assert sorted(article_titles(reader().get("/categories/cree"))) == ["A", "B"]
    for old in ("/categories/kultur", "/categories/culture"):
        assert reader().get(old).headers["Location"] == "/categories/cree"


def test_merging_tags_keeps_one_link_per_article_with_the_earlier_listing_time(frozen_clock, admin_client, make_article):
    both = make_article("Both", tags=("boats", "ships"))
    make_article("Only ships", tags=("ships",))
    earlier = now_utc() - timedelta(days=30)
    db.session.execute(db.update(article_tags).where(article_tags.c.article_id == both.id,
                                                     article_tags.c.tag_id == tag_id("ships")).values(listed_at=earlier))
    db.session.commit()
    response = send(admin_client, f"/admin/tags/{tag_id('ships')}", action="merge", **{"merge-target": "Boats"})
    assert response.status_code == 302
    links = db.session.execute(db.select(article_tags.c.article_id, article_tags.c.listed_at)
                               .order_by(article_tags.c.article_id)).all()
    assert [(article_id, listed.replace(tzinfo=None)) for article_id, listed in links][0] == (
        both.id, earlier.replace(tzinfo=None))
    assert len(links) == 2 and db.session.execute(db.select(Tag.name)).scalars().all() == ["boats"]
    assert article_titles(reader().get("/tags/boats")) == ["Only ships", "Both"]
    assert reader().get("/tags/ships").headers["Location"] == "/tags/boats"
    assert TagRedirect.target_of("ships") == "boats"
    # An importer keyword or a typed tag "ships" now lands on the merged tag.
    assert [tag.name for tag in Tag.get_or_create_all(["ships", "boats"])] == ["boats"]


def test_merging_into_nothing_or_itself_is_refused_with_a_message(admin_client, make_article):
    make_article("A", category="Local")
    url = f"/admin/categories/{category_id('Local')}"
    assert "There is no category of that name." in text_of(send(admin_client, url, action="merge", **{"merge-target": "Nowhere"}))
    assert "Name another existing category." in text_of(send(admin_client, url, action="merge", **{"merge-target": "local"}))
    assert db.session.execute(db.select(Category.name)).scalars().all() == ["Local"]


# --- Delete -----------------------------------------------------------------------------------------------------


def test_only_an_unused_category_can_be_deleted(admin_client, make_article):
    make_article("A", category="Local")
    empty = Category.get_or_create("Empty")
    db.session.commit()
    refused = send(admin_client, f"/admin/categories/{category_id('Local')}", action="delete")
    assert "“Local” is still used by articles" in text_of(admin_client.get(refused.headers["Location"]))
    assert "Delete “Empty”" in text_of(admin_client.get(f"/admin/categories/{empty.id}"))
    done = send(admin_client, f"/admin/categories/{empty.id}", action="delete")
    assert "The category “Empty” is deleted." in text_of(admin_client.get(done.headers["Location"]))
    assert db.session.execute(db.select(Category.name)).scalars().all() == ["Local"]


def test_an_unused_tag_can_be_deleted_and_a_used_one_cannot(admin_client, make_article):
    make_article("A", tags=("harbour",))
    db.session.add(Tag(name="leftover", slug="leftover"))
    db.session.commit()
    send(admin_client, f"/admin/tags/{tag_id('harbour')}", action="delete")
    send(admin_client, f"/admin/tags/{tag_id('leftover')}", action="delete")
    assert db.session.execute(db.select(Tag.name)).scalars().all() == ["harbour"]


# --- Menu order -------------------------------------------------------------------------------------------------


def test_the_menu_shows_categories_with_published_articles_in_the_editors_order(admin_client, make_article):
    for name in ("Arts", "Business", "Culture"):
        make_article(name, category=name)
    make_article("Hidden", category="Drafts only", status=ArticleStatus.DRAFT)
    assert nav_categories(reader().get("/")) == ["Arts", "Business", "Culture"]
    moved = admin_client.post(f"/admin/categories/{category_id('Culture')}/move",
                              data={"direction": "up", "csrf_token": csrf_of(admin_client)})
    assert moved.status_code == 302
    admin_client.post(f"/admin/categories/{category_id('Culture')}/move",
                      data={"direction": "up", "csrf_token": csrf_of(admin_client)})
    assert nav_categories(reader().get("/")) == ["Culture", "Arts", "Business"]
    assert "Drafts only" not in text_of(reader().get("/")) and "Drafts only" in text_of(admin_client.get("/admin/categories"))
    # A new category joins at the end of the order the editors set.
    make_article("New", category="Aardvarks")
    assert nav_categories(reader().get("/")) == ["Culture", "Arts", "Business", "Aardvarks"]


def csrf_of(client) -> str:
    """A CSRF token from the category list."""
    return csrf_token_of(client.get("/admin/categories"))


def test_a_bad_move_is_a_400(admin_client, make_article):
    make_article("A", category="Local")
    response = admin_client.post(f"/admin/categories/{category_id('Local')}/move",
                                 data={"direction": "sideways", "csrf_token": csrf_of(admin_client)})
    assert response.status_code == 400


def test_addresses_shown_read_as_typed(admin_client, make_article):
    make_article("東京", category="ニュース")
    page = admin_client.get(f"/admin/categories/{category_id('ニュース')}").get_data(as_text=True)
    assert ">/categories/ニュース</a>" in page
