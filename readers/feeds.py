"""The site read by machines: Atom feeds, sitemaps and robots.txt, every address built from SITE_URL."""

from __future__ import annotations

import functools
import hashlib
import math
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, abort, current_app, request

from content.sanitize import article_html_with_absolute_urls
from content.text import now_utc
from models import (
    Article,
    Category,
    Listing,
    SitePage,
    Tag,
    User,
    by_author,
    feed_articles,
    in_category,
    published_article_count,
    published_article_stamps,
    published_since,
    with_tag,
)
from readers.addresses import resolve
from web.conditional import client_has_current_copy
from web.urls import absolute_url, absolute_urls, site_host

bp = Blueprint("feeds", __name__)

# The date in every tag: URI (RFC 4151): fixed, so an entry's id never changes once published.
TAG_URI_DATE = "2026"
# Atom needs an `updated` even with no entry; a fixed one keeps an empty feed's ETag still.
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)
# Feed readers poll; five minutes old is fresh enough for them and spares the database.
FEED_CACHE_CONTROL = "public, max-age=300"
NEWS_SITEMAP_WINDOW = timedelta(hours=48)
NEWS_SITEMAP_MAX = 1000
DISALLOWED_FOR_CRAWLERS = ("/admin/", "/search")


def tag_uri(specific: str) -> str:
    """A permanent id for the site's feeds and entries: tag:host,date:specific."""
    return f"tag:{site_host()},{TAG_URI_DATE}:{specific}"


def feed_entry(article: Article) -> dict:
    """What one entry shows: the article, its address, its permanent id and its body with absolute links."""
    url = absolute_url("reader.article", slug=article.slug)
    return {"article": article, "url": url, "id": tag_uri(f"article:{article.id}"),
            "content": article_html_with_absolute_urls(article.body_html, url)}


@functools.cache
def template_digest(app_root: str) -> bytes:
    """The feed template's text, hashed once per process and app folder: a new layout is a new document too."""
    source, _, _ = current_app.jinja_env.loader.get_source(current_app.jinja_env, "readers/feeds/atom.xml")
    return hashlib.sha256(source.encode()).digest()


def feed_etag(parts: tuple, articles: list[Article]) -> str:
    """A hash of everything a feed document is made of, taken before the costly part (a sanitizer pass per body).

    Publishing, editing, unpublishing or deleting an article, a renamed category or tag, a setting: each changes
    what goes in, so the ETag moves, even where the newest change among the entries (Last-Modified) does not.
    """
    config = current_app.config
    digest = hashlib.sha256(template_digest(current_app.root_path))
    settings = tuple(config[name] for name in ("SITE_URL", "SITE_NAME", "SITE_DESCRIPTION", "SITE_LANGUAGE", "SITE_LOGO"))
    digest.update(repr((settings, parts)).encode())
    for article in articles:
        labels = [(article.category.slug, article.category.name), *((tag.slug, tag.name) for tag in article.tags),
                  *((author.slug, author.public_name) for author in article.authors)]
        digest.update(repr((article.id, article.slug, article.title, article.summary, article.excerpt, article.body_html,
                            article.published_at, article.updated_at, labels)).encode())
    return digest.hexdigest()[:32]


def last_modified_of(articles: list[Article]) -> datetime | None:
    """The newest change among a feed's entries, to the second as HTTP dates go; None for an empty feed."""
    newest = max((article.last_changed_at for article in articles), default=None)
    return newest.replace(microsecond=0) if newest else None


def atom_feed(title: str, page_url: str, feed_id: str, listing: Listing | None) -> Response:
    """An Atom 1.0 document of a listing's newest published articles, or a 304 when the client has it.

    A category's or tag's feed with nothing published is a 404, as its page is: it must not
    announce what is still in draft.
    """
    articles = feed_articles(listing, current_app.config["FEED_ENTRIES"])
    if listing is not None and not articles:
        abort(404)
    feed_url = absolute_url(request.endpoint, **request.view_args)
    etag, last_modified = feed_etag((title, page_url, feed_url, feed_id), articles), last_modified_of(articles)
    if client_has_current_copy(etag, last_modified):  # asked before the costly body is prepared
        response = Response(status=304)
    else:
        response = Response(render_xml(
            "readers/feeds/atom.xml", title=title, page_url=page_url, feed_url=feed_url, feed_id=feed_id,
            entries=[feed_entry(article) for article in articles],
            updated=max((article.last_changed_at for article in articles), default=EMPTY_FEED_UPDATED),
        ), mimetype="application/atom+xml")
    response.set_etag(etag)
    if last_modified:  # Werkzeug would write None as "now"
        response.last_modified = last_modified
    response.headers["Cache-Control"] = FEED_CACHE_CONTROL
    return response


@bp.get("/feed.xml")
def site_feed():
    """The site's newest published articles, as Atom."""
    site_name = current_app.config["SITE_NAME"]
    return atom_feed(site_name, absolute_url("reader.home"), tag_uri("feed"), None)


# Each section with a feed of its own: its model, its page, its listing, and the name its feed is titled by.
SECTION_FEEDS = {
    "category": (Category, "reader.category", in_category, lambda category: category.name),
    "tag": (Tag, "reader.tag", with_tag, lambda tag: tag.name),
    "author": (User, "reader.author", by_author, lambda author: author.public_name),
}


def section_feed(kind: str, slug: str) -> Response:
    """One section's newest published articles, as Atom; unknown until something in it is published."""
    model, page_endpoint, listing_of, name_of = SECTION_FEEDS[kind]
    section = resolve(model, slug)
    title = f"{name_of(section)} · {current_app.config['SITE_NAME']}"
    return atom_feed(title, absolute_url(page_endpoint, slug=section.slug), tag_uri(f"{kind}:{section.id}"),
                     listing_of(section))


@bp.get("/categories/<slug>/feed.xml")
def category_feed(slug: str):
    """One category's newest published articles, as Atom."""
    return section_feed("category", slug)


@bp.get("/tags/<slug>/feed.xml")
def tag_feed(slug: str):
    """The newest published articles carrying one tag, as Atom."""
    return section_feed("tag", slug)


@bp.get("/authors/<slug>/feed.xml")
def author_feed(slug: str):
    """One author's newest published articles, as Atom."""
    return section_feed("author", slug)


def section_urls() -> list[tuple[str, str | None]]:
    """The home page and every category and tag page readers can open, without a date; then the newsroom's
    published pages, with theirs."""
    categories = [absolute_url("reader.category", slug=category.slug) for category in Category.in_use()]
    tags = [absolute_url("reader.tag", slug=tag.slug) for tag, _ in Tag.with_published_counts()]
    pages = [(absolute_url("reader.site_page", slug=slug), changed.isoformat(timespec="seconds"))
             for slug, changed in SitePage.published_stamps()]
    return [(url, None) for url in [absolute_url("reader.home"), *categories, *tags]] + pages


def sitemap_slice(sections: list, start: int, end: int) -> list[tuple[str, str | None]]:
    """Addresses start to end of the whole list: the section pages first, then articles oldest first."""
    urls = sections[start:end]
    first_article = max(start - len(sections), 0)
    wanted = end - max(start, len(sections))
    stamps = published_article_stamps(first_article, wanted) if wanted > 0 else []
    addresses = absolute_urls("reader.article", "slug", [slug for slug, _ in stamps])
    lastmods = [changed.isoformat(timespec="seconds") for _, changed in stamps]
    return urls + list(zip(addresses, lastmods, strict=True))


def render_xml(template: str, **context) -> str:
    """A document for machines, rendered without the pages' context: no navigation query, no session, no cookie."""
    config = current_app.config
    site = {"site_name": config["SITE_NAME"], "site_description": config["SITE_DESCRIPTION"],
            "site_language": config["SITE_LANGUAGE"]}
    return current_app.jinja_env.get_template(template).render(**site, **context)


def xml_response(template: str, **context) -> Response:
    """An XML document rendered from a template."""
    return Response(render_xml(template, **context), mimetype="application/xml")


def sitemap_plan() -> tuple[list, int, int]:
    """(section page addresses, how many addresses in all, how many one file holds)."""
    sections = section_urls()
    return sections, len(sections) + published_article_count(), current_app.config["SITEMAP_MAX_URLS"]


@bp.get("/sitemap.xml")
def sitemap():
    """Every page search engines should know, or, past SITEMAP_MAX_URLS, an index of sitemap files."""
    sections, total, per_file = sitemap_plan()
    if total <= per_file:
        return xml_response("readers/feeds/sitemap.xml", urls=sitemap_slice(sections, 0, total))
    files = [absolute_url("feeds.sitemap_file", number=n) for n in range(1, math.ceil(total / per_file) + 1)]
    return xml_response("readers/feeds/sitemap_index.xml", files=files)


@bp.get("/sitemap-<int:number>.xml")
def sitemap_file(number: int):
    """One file of the sitemap index; a 404 when the sitemap fits in one file or the number is past the end."""
    sections, total, per_file = sitemap_plan()
    if total <= per_file or not 1 <= number <= math.ceil(total / per_file):
        abort(404)
    start = (number - 1) * per_file
    return xml_response("readers/feeds/sitemap.xml", urls=sitemap_slice(sections, start, min(start + per_file, total)))


@bp.get("/sitemap-news.xml")
def news_sitemap():
    """The articles published in the last 48 hours, at most 1,000, for news search."""
    recent = published_since(now_utc() - NEWS_SITEMAP_WINDOW, NEWS_SITEMAP_MAX)
    articles = [(absolute_url("reader.article", slug=slug), title, published_at) for slug, title, published_at in recent]
    return xml_response("readers/feeds/sitemap_news.xml", articles=articles, news_language=news_language())


def news_language() -> str:
    """SITE_LANGUAGE as news sitemaps name languages: ISO 639 ('pt-BR' is 'pt'), but for zh-cn and zh-tw."""
    language = current_app.config["SITE_LANGUAGE"].lower()
    return language if language in ("zh-cn", "zh-tw") else language.split("-")[0]


@bp.get("/robots.txt")
def robots():
    """Where the sitemaps are, and what crawlers should leave alone."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED_FOR_CRAWLERS), "",
             f"Sitemap: {absolute_url('feeds.sitemap')}", f"Sitemap: {absolute_url('feeds.news_sitemap')}"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")
