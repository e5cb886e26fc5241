"""The reader's pages: home, categories, tags, articles, and counting reads."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qs

from flask import (
    Blueprint,
    Request,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

import search
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
from pagecache import rendering_shared, shared_page
from templating import plural, set_nav_section

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

# How many article ids the reads cookie remembers; the oldest drop off first.
READS_REMEMBERED = 100
# The reads cookie is sent to the counting address only, so it never reaches a page or a cache.
READS_COOKIE = "reads"
READS_PATH = "/reads/"
READS_COOKIE_DAYS = 365
# A transparent 1x1 GIF: the answer to the counting image of readers without JavaScript.
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


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


def reads_serializer() -> URLSafeSerializer:
    """Signs the reads cookie with the app's key, apart from every other signed value."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="reads-cookie")


def articles_read() -> list[int]:
    """The article ids this browser's signed reads cookie names; none if it is missing or forged."""
    try:
        read = reads_serializer().loads(request.cookies.get(READS_COOKIE, ""))
    except BadSignature:
        return []
    return [item for item in read if isinstance(item, int)] if isinstance(read, list) else []


def remember_read(response: Response, read: list[int]) -> None:
    """Set the reads cookie, scoped to the counting path."""
    response.set_cookie(READS_COOKIE, reads_serializer().dumps(read[-READS_REMEMBERED:]), path=READS_PATH,
                        max_age=READS_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


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
@shared_page
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
@shared_page
def category(slug: str):
    """The newest published articles of one category; a former slug answers 301."""
    found = Category.by_slug(slug)
    if found is None:
        new_slug = CategoryRedirect.target_of(slug)
        return redirect_to_slug(new_slug) if new_slug else canonical_redirect(slug)
    set_nav_section("category", found.slug)
    return listing("reader/category.html", in_category(found), category=found)


@bp.get("/tags/<slug>")
@shared_page
def tag(slug: str):
    """The newest published articles carrying one tag; a former slug answers 301."""
    found = Tag.by_slug(slug)
    if found is None:
        new_slug = TagRedirect.target_of(slug)
        return redirect_to_slug(new_slug) if new_slug else canonical_redirect(slug)
    set_nav_section("tags", current="true")
    return listing("reader/tag.html", with_tag(found), tag=found)


@bp.get("/authors/<slug>")
@shared_page
def author(slug: str):
    """One author's bio and their newest published articles; an author with none published is a 404.

    A former account known only by its sign-in name has no page: its address is made of that name.
    """
    found = User.by_slug(slug)
    if found is None or found.name_withheld:
        abort(404)
    return listing("reader/author.html", by_author(found), author=found)


@bp.get("/tags")
@shared_page
def tags():
    """Every tag in use, with how many published articles carry it."""
    set_nav_section("tags")
    return render_template("reader/tags.html", tag_counts=Tag.with_published_counts())


def render_article(article: Article, form: CommentForm, **extra) -> str:
    """The article page with its comments (the reader's own held ones too) and the comment form.

    The newsroom's preview renders through here too, with `extra` for its banner.
    """
    own = [] if rendering_shared() else session.get("own_comments", [])
    comments = Comment.shown_on(article.id, own) if article.id else []
    set_nav_section("category", article.category.slug, current="true")
    return render_template("reader/article.html", article=article, comments=comments, form=form,
                           reads=article.reads, related=article.related(), most_read=Article.most_read(), **extra)


@bp.get("/articles/<slug>")
@shared_page
def article(slug: str):
    """One article and its comments; the page's script counts the read once it is shown."""
    found = Article.published_by_slug(slug)
    if found is None:
        new_slug = SlugRedirect.target_of(slug)
        return redirect_to_slug(new_slug) if new_slug else canonical_redirect(slug)
    if rendering_shared():
        # No token or stamp of this reader's: the script fetches both when the reader starts writing.
        return render_article(found, CommentForm(meta={"csrf": False}))
    form = CommentForm()
    form.stamp()
    return render_article(found, form)


def count_read_of(article_id: int) -> tuple[int, Response | None]:
    """Count a published article's read once per browser; its fresh count, or a 404 for anything unpublished."""
    read = articles_read()
    counting = article_id not in read and should_count_read(request)
    reads = Article.count_read(article_id) if counting else Article.published_reads(article_id)
    if reads is None:
        abort(404)
    return reads, read + [article_id] if counting else None


def not_stored(response: Response, read: list[int] | None) -> Response:
    """No cache keeps a count; a counted read is remembered in the reads cookie."""
    response.headers["Cache-Control"] = "no-store"
    if read is not None:
        remember_read(response, read)
    return response


@bp.get(READS_PATH + "<int:article_id>")
def count_read(article_id: int):
    """Count this browser's read of an article (the page's script asks once it is shown); the fresh count."""
    reads, read = count_read_of(article_id)
    return not_stored(jsonify(reads=reads, label=plural(reads, "Read")), read)


@bp.get(READS_PATH + "<int:article_id>.gif")
def count_read_without_script(article_id: int):
    """The same count for readers without JavaScript, asked by the page's <noscript> image."""
    _, read = count_read_of(article_id)
    return not_stored(Response(PIXEL, mimetype="image/gif"), read)


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
