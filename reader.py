"""The reader's pages: home, categories, tags, articles, and counting reads."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qs

from flask import (
    Blueprint,
    Request,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

import search
from forms import CommentForm
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
    return listing("reader/home.html", most_read=Article.most_read())


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
                           reads=article.reads if reads is None else reads, related=article.related(),
                           most_read=Article.most_read(), **extra)


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


def search_page_number() -> int:
    """The results page asked for: 1 to search.MAX_PAGES, else a 404."""
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= search.MAX_PAGES):
        abort(404)
    return int(raw)


def search_text() -> str:
    """The `q` parameter, with bytes that are not UTF-8 read as U+FFFD (a word break), not as '%FF' text."""
    raw = request.query_string.decode("utf-8", "replace")
    values = parse_qs(raw, keep_blank_values=True, encoding="utf-8", errors="replace").get("q", [""])
    return values[0]


@bp.get("/search")
def search_results():
    """Published articles matching the reader's words, best first; whatever was typed is a search."""
    number = search_page_number()
    terms = search.read_query(search_text())
    results = search.search(terms, number)
    if number > 1 and not results.hits:
        abort(404)
    html = render_template("reader/search.html", terms=terms, results=results, number=number,
                           max_query=search.MAX_QUERY_CHARS, per_page=search.PER_PAGE,
                           max_pages=search.MAX_PAGES)
    response = make_response(html)
    response.headers["X-Robots-Tag"] = "noindex"
    return response
