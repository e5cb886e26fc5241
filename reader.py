"""The reader's pages: home, categories, tags, articles, and counting reads."""

from __future__ import annotations

import re
import unicodedata

from flask import (
    Blueprint,
    Request,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user

from forms import CommentForm
from media import served_file
from models import (
    Article,
    BadCursor,
    Category,
    CategoryRedirect,
    Comment,
    Listing,
    SlugRedirect,
    Tag,
    TagRedirect,
    User,
    by_author,
    in_category,
    published_page,
    with_tag,
)
from templating import set_nav_section

bp = Blueprint("reader", __name__)

# User-Agents that fetch pages for machines, not for a person reading: crawlers, link
# previews, AI agents and HTTP libraries. Many of them carry no "bot" in their name.
NON_READER_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|scrape|archiver|preview|facebookexternalhit|whatsapp|embedly|"
    r"quora link|vkshare|chatgpt|claude|anthropic|perplexity|bytespider|ccbot|cohere|diffbot|"
    r"yandex|baidu|google-extended|googleother|headless|phantomjs|lighthouse|pagespeed|"
    r"curl|wget|httpie|python-requests|python-urllib|aiohttp|httpx|go-http-client|okhttp|"
    r"java/|libwww|lwp::|node-fetch|axios|undici|postman|insomnia|monitor|uptime|check_http",
    re.IGNORECASE,
)

# A picture's file never changes under its name (the name is its content's hash).
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"

# How many article ids the session cookie remembers as read; the oldest drop off first.
READS_REMEMBERED = 100


def should_count_read(req: Request) -> bool:
    """True when this request is a person opening the article, not a machine or a prefetch."""
    if req.method != "GET":
        return False
    purpose = (req.headers.get("Sec-Purpose", "") + " " + req.headers.get("Purpose", "")).lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return False
    agent = req.headers.get("User-Agent", "").strip()
    if not agent or NON_READER_AGENTS.search(agent):
        return False
    return not current_user.is_authenticated  # the newsroom reading its own site is no reader


def first_read_in_session(article_id: int) -> bool:
    """Remember the article as read in this browser session; True the first time only."""
    read = session.get("read", [])
    if article_id in read:
        return False
    session["read"] = (read + [article_id])[-READS_REMEMBERED:]
    return True


def listing(template: str, section: Listing | None = None, **context):
    """Render one keyset page of a listing; a bad cursor, a page past the end or an empty section is a 404.

    Only the front page may be empty (a new site): a category or tag with nothing published
    would otherwise announce what is still in draft.
    """
    try:
        page = published_page(
            section,
            before=request.args.get("before"),
            after=request.args.get("after"),
            per_page=current_app.config["ARTICLES_PER_PAGE"],
        )
    except BadCursor:
        abort(404)
    paging = request.args.get("before") or request.args.get("after")
    if not page.articles and (paging or section is not None):
        abort(404)
    return render_template(template, page=page, **context)


@bp.get("/")
def home():
    """The newest published articles."""
    return listing("reader/home.html")


def redirect_to_slug(slug: str):
    """301 to the same view under another slug."""
    return redirect(url_for(request.endpoint, **(request.view_args | {"slug": slug})), 301)


def canonical_redirect(slug: str):
    """Slugs are NFC and lowercase; a link typed in capitals or decomposed is sent to the real address, or a 404."""
    canonical = unicodedata.normalize("NFC", slug).lower()
    if slug == canonical:
        abort(404)
    return redirect_to_slug(canonical)


@bp.get("/categories/<slug>")
def category(slug: str):
    """The newest published articles of one category; a former slug answers 301."""
    found = Category.by_slug(slug)
    if found is None:
        new_slug = CategoryRedirect.target_of(slug)
        return redirect_to_slug(new_slug) if new_slug else canonical_redirect(slug)
    set_nav_section("category", found.slug)
    return listing("reader/category.html", in_category(found), category=found)


@bp.get("/tags/<slug>")
def tag(slug: str):
    """The newest published articles carrying one tag; a former slug answers 301."""
    found = Tag.by_slug(slug)
    if found is None:
        new_slug = TagRedirect.target_of(slug)
        return redirect_to_slug(new_slug) if new_slug else canonical_redirect(slug)
    set_nav_section("tags", current="true")
    return listing("reader/tag.html", with_tag(found), tag=found)


@bp.get("/authors/<slug>")
def author(slug: str):
    """One author's bio and their newest published articles; an author with none published is a 404.

    A former account known only by its sign-in name has no page: its address is made of that name.
    """
    found = User.by_slug(slug)
    if found is None or found.name_withheld:
        abort(404)
    return listing("reader/author.html", by_author(found), author=found)


@bp.get("/tags")
def tags():
    """Every tag in use, with how many published articles carry it."""
    set_nav_section("tags")
    return render_template("reader/tags.html", tag_counts=Tag.with_published_counts())


def render_article(article: Article, form: CommentForm, reads: int | None = None, **extra) -> str:
    """The article page with its comments (the reader's own held ones too) and the comment form.

    The newsroom's preview renders through here too, with `extra` for its banner.
    """
    comments = Comment.shown_on(article.id, session.get("own_comments", [])) if article.id else []
    set_nav_section("category", article.category.slug, current="true")
    return render_template("reader/article.html", article=article, comments=comments, form=form,
                           reads=article.reads if reads is None else reads, **extra)


@bp.get("/articles/<slug>")
def article(slug: str):
    """One article, its comments, and its read counted once per browser session."""
    found = Article.published_by_slug(slug)
    if found is None:
        new_slug = SlugRedirect.target_of(slug)
        return redirect_to_slug(new_slug) if new_slug else canonical_redirect(slug)
    reads = found.reads
    if should_count_read(request) and first_read_in_session(found.id):
        Article.count_read(found.id)
        reads += 1
    form = CommentForm()
    form.stamp()
    return render_article(found, form, reads)


@bp.get("/media/<name>")
def media_file(name: str):
    """One of a picture's stored files, found from the hash in its name alone; cached for a year."""
    found = served_file(name)
    if found is None:
        abort(404)
    path, content_type = found
    response = send_file(path, mimetype=content_type, conditional=True, etag=True)
    response.headers["Cache-Control"] = MEDIA_CACHE_CONTROL
    return response
