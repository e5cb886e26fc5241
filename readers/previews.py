"""What link previews and search engines read in a page's head: its canonical address and structured data."""

from __future__ import annotations

from flask import Flask, current_app, request

from content.text import excerpt
from models import Article
from web.urls import absolute_url

# Search engines show at most this much of a NewsArticle's headline.
HEADLINE_MAX = 110
# The listing cursors are the only query arguments that make another page; any other is dropped.
PAGING_ARGUMENTS = ("before", "after")


def canonical_url() -> str | None:
    """This page's address on SITE_URL, with only the arguments that choose the page; None off the site's routes."""
    if request.url_rule is None:
        return None
    paging = {name: request.args[name] for name in PAGING_ARGUMENTS if name in request.args}
    return absolute_url(request.endpoint, **(request.view_args or {}), **paging)


def headline(title: str) -> str:
    """A title cut to HEADLINE_MAX characters at a word, with an ellipsis when cut."""
    return excerpt(title, HEADLINE_MAX - 1)


def news_article_data(article: Article, comment_count: int) -> dict:
    """The schema.org NewsArticle of an article page, from what the page already loaded (no query)."""
    url = absolute_url("reader.article", slug=article.slug)
    config = current_app.config
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": headline(article.title),
        "description": article.listing_summary,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": article.published_at.isoformat(timespec="seconds"),
        "dateModified": article.last_changed_at.isoformat(timespec="seconds"),
        "articleSection": article.category.name,
        "keywords": [tag.name for tag in article.tags],
        "commentCount": comment_count,
        "inLanguage": config["SITE_LANGUAGE"],
        "publisher": {
            "@type": "Organization",
            "name": config["SITE_NAME"],
            "url": absolute_url("reader.home"),
            "logo": {"@type": "ImageObject", "url": absolute_url("static", filename=config["SITE_LOGO"])},
        },
    }
    if article.authors:
        data["author"] = [author_data(author) for author in article.authors]
    if article.lead_picture:
        width, height = article.lead_picture.preview_size()
        data["image"] = {"@type": "ImageObject", "url": picture_url(article.lead_picture), "width": width,
                         "height": height}
    return data


def picture_url(picture) -> str:
    """The absolute address of a picture's link-preview JPEG (og:image, JSON-LD image)."""
    return absolute_url("reader.media_file", name=picture.preview_url().rsplit("/", 1)[1])


def author_data(author) -> dict:
    """A byline's author as a schema.org Person, with their page where they have one."""
    person = {"@type": "Person", "name": author.public_name}
    if not author.name_withheld:
        person["url"] = absolute_url("reader.author", slug=author.slug)
    return person


def publisher_context() -> dict:
    """The site's description and language for every page's head."""
    config = current_app.config
    return {"site_description": config["SITE_DESCRIPTION"], "site_language": config["SITE_LANGUAGE"]}


def init_app(app: Flask) -> None:
    """Give templates the address builders and the publisher's details."""
    app.add_template_global(absolute_url)
    app.add_template_global(canonical_url)
    app.add_template_global(news_article_data)
    app.add_template_global(picture_url)
    app.context_processor(publisher_context)
