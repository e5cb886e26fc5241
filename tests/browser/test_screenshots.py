"""Screenshots of the home, article, search and newsroom category and tag pages at desktop and phone widths, light and dark."""

from __future__ import annotations

import pytest

WIDTHS = {"desktop": 1280, "phone": 375}


def assert_front_page_layout(page, wide: bool) -> None:
    """On a wide screen the stories stand beside the lead and sections three abreast; on a phone, one column."""
    lead, beside = page.locator(".front-lead").bounding_box(), page.locator(".front-beside").bounding_box()
    sections = [page.locator(".front-section").nth(n).bounding_box() for n in range(3)]
    if wide:
        assert beside["x"] >= lead["x"] + lead["width"] and beside["y"] == lead["y"]
        assert sections[0]["y"] == sections[1]["y"] == sections[2]["y"] and sections[0]["x"] < sections[1]["x"] < sections[2]["x"]
    else:
        assert beside["y"] >= lead["y"] + lead["height"] and beside["x"] == lead["x"]
        assert sections[0]["x"] == sections[1]["x"] and sections[1]["y"] >= sections[0]["y"] + sections[0]["height"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width_name", WIDTHS)
def test_home_and_article_screenshots(browser, live_server, screenshot_dir, width_name, scheme):
    context = browser.new_context(viewport={"width": WIDTHS[width_name], "height": 900}, color_scheme=scheme)
    page = context.new_page()
    suffix = "" if scheme == "light" else "-dark"
    page.goto(live_server + "/")
    # Nothing may stick out sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width_name]
    assert_front_page_layout(page, wide=width_name == "desktop")
    page.screenshot(path=screenshot_dir / f"home-{width_name}{suffix}.png", full_page=width_name == "desktop")
    page.locator(".item-title a").nth(1).click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width_name]
    page.screenshot(path=screenshot_dir / f"article-{width_name}{suffix}.png", full_page=width_name == "desktop")
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width_name", WIDTHS)
def test_category_and_tag_management_screenshots(browser, live_server, admin_state, screenshot_dir, width_name, scheme):
    context = browser.new_context(viewport={"width": WIDTHS[width_name], "height": 900}, color_scheme=scheme,
                                  storage_state=admin_state)
    page = context.new_page()
    suffix = "" if scheme == "light" else "-dark"
    for name, path in [("categories", "/admin/categories"), ("tags", "/admin/tags"), ("category", "/admin/categories/1")]:
        page.goto(live_server + path)
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width_name]
        page.screenshot(path=screenshot_dir / f"admin-{name}-{width_name}{suffix}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width_name", WIDTHS)
def test_byline_and_author_page_screenshots(browser, live_server, screenshot_dir, width_name, scheme):
    context = browser.new_context(viewport={"width": WIDTHS[width_name], "height": 900}, color_scheme=scheme)
    page = context.new_page()
    suffix = "" if scheme == "light" else "-dark"
    page.goto(live_server + "/")
    page.get_by_role("link", name="Calderwick council approves", exact=False).click()
    byline = page.locator(".article-header .byline")
    assert byline.inner_text() == "By Morag Keane and Tomasz Wiśniewski"
    page.screenshot(path=screenshot_dir / f"byline-{width_name}{suffix}.png")
    byline.get_by_role("link", name="Morag Keane").click()
    page.wait_for_url(live_server + "/authors/morag-keane")
    assert page.locator("h1").inner_text() == "Morag Keane"
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width_name]
    page.screenshot(path=screenshot_dir / f"author-{width_name}{suffix}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width_name", WIDTHS)
def test_people_page_screenshots(browser, live_server, admin_state, screenshot_dir, width_name, scheme):
    context = browser.new_context(viewport={"width": WIDTHS[width_name], "height": 900}, color_scheme=scheme,
                                  storage_state=admin_state)
    page = context.new_page()
    suffix = "" if scheme == "light" else "-dark"
    page.goto(live_server + "/admin/people")
    page.get_by_label("Editor: edits, publishes and moderates everything").check()
    page.get_by_role("button", name="Make an invitation link").click()
    page.wait_for_url(live_server + "/admin/people")
    assert "/admin/join/" in page.locator("#invitation-link").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width_name]
    page.screenshot(path=screenshot_dir / f"admin-people-{width_name}{suffix}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width_name", WIDTHS)
def test_an_article_with_a_lead_picture_and_the_media_page(browser, live_server, admin_state, screenshot_dir,
                                                          width_name, scheme):
    width = WIDTHS[width_name]
    suffix = "" if scheme == "light" else "-dark"
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    # Its section's page, where it stays listed with its picture whichever stories other tests publish.
    page.goto(live_server + "/categories/politics")
    page.locator(".item.with-picture .item-title a").first.click()
    page.wait_for_load_state("load")
    lead = page.locator("figure.lead-picture img")
    # Loaded, upright and laid out at its own proportions without sticking out sideways.
    assert lead.evaluate("img => img.complete && img.naturalWidth > 0")
    box = lead.bounding_box()
    assert box["width"] <= width and abs(box["height"] / box["width"] - 1350 / 2400) < 0.02
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=screenshot_dir / f"article-picture-{width_name}{suffix}.png", full_page=width_name == "desktop")
    context.close()
    admin = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme, storage_state=admin_state)
    page = admin.new_page()
    page.goto(live_server + "/admin/media")
    assert page.locator("h1").count() == 1 and page.locator(".media-item").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=screenshot_dir / f"admin-media-{width_name}{suffix}.png", full_page=True)
    admin.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width_name", WIDTHS)
def test_search_screenshots(browser, live_server, screenshot_dir, width_name, scheme):
    # Scripts off: the box is a plain GET form.
    context = browser.new_context(viewport={"width": WIDTHS[width_name], "height": 900}, color_scheme=scheme,
                                  java_script_enabled=False)
    page = context.new_page()
    suffix = "" if scheme == "light" else "-dark"
    page.goto(live_server + "/")
    # The header's box, as a reader uses it: type, press Enter, no script involved.
    page.get_by_label("Search", exact=True).fill("housing council")
    page.get_by_label("Search", exact=True).press("Enter")
    page.wait_for_load_state()
    assert page.url.endswith("/search?q=housing+council")
    assert page.locator(".result").count() >= 1 and page.locator(".result mark").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width_name]
    page.screenshot(path=screenshot_dir / f"search-{width_name}{suffix}.png", full_page=True)
    context.close()
