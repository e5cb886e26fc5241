"""The reader's pages: home, categories, tags, authors, articles, the newsroom's own pages, search, media files, and
the counting routes."""

from __future__ import annotations

from urllib.parse import parse_qs

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from content.text import now_utc
from models import (
    MAX_ID,
    MEDIA_PATH,
    Article,
    BadCursor,
    Category,
    Listing,
    SitePage,
    Tag,
    User,
    by_author,
    front_page,
    in_category,
    published_page,
    with_tag,
)
from models.comments import BadCommentCursor
from readers.addresses import resolve
from readers.article_page import render_article
from readers.forms import COMMENT_FORM_MAX_AGE, CommentForm
from readers.reads import READS_PATH, answer_count
from services import search
from services.media import served_file
from web.pagecache import shared_page
from web.sessions import has_session
from web.templating import menu_categories, page_holds_until, set_nav_section

bp = Blueprint("reader", __name__)

# A picture's file never changes under its name (the name is its content's hash).
MEDIA_CACHE_CONTROL = "public, max-age=31536000, immutable"


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
    """The front page: the lead, the stories beside it and each section's newest; its older pages a plain list."""
    if request.args.get("before") or request.args.get("after"):
        return listing("readers/home.html", most_read=Article.most_read())
    config = current_app.config
    front = front_page(menu_categories(), config["FRONT_PAGE_TOP_STORIES"], config["FRONT_PAGE_SECTION_STORIES"])
    return render_template("readers/front.html", page=front.top, sections=front.sections,
                           most_read=Article.most_read())


@bp.get("/categories/<slug>")
@shared_page
def category(slug: str):
    """The newest published articles of one category; a former slug answers 301."""
    found = resolve(Category, slug)
    set_nav_section("category", found.slug)
    return listing("readers/category.html", in_category(found), category=found)


@bp.get("/tags/<slug>")
@shared_page
def tag(slug: str):
    """The newest published articles carrying one tag; a former slug answers 301."""
    found = resolve(Tag, slug)
    set_nav_section("tags", current="true")
    return listing("readers/tag.html", with_tag(found), tag=found)


@bp.get("/authors/<slug>")
@shared_page
def author(slug: str):
    """One author's bio and their newest published articles; an author with none published is a 404.

    A former account known only by its sign-in name has no page: its address is made of that name.
    """
    found = resolve(User, slug)
    return listing("readers/author.html", by_author(found), author=found)


@bp.get("/tags")
@shared_page
def tags():
    """Every tag in use, with how many published articles carry it."""
    set_nav_section("tags")
    return render_template("readers/tags.html", tag_counts=Tag.with_published_counts())


@bp.get("/articles/<slug>")
@shared_page
def article(slug: str):
    """One article and its comments; the page's script counts the read once it is shown.

    Its comment form carries no token, only a stamp of the time it was drawn, the same for every reader;
    the page is drawn again before that stamp ages past half a form's life.
    """
    found = resolve(Article, slug)
    page_holds_until(now_utc() + COMMENT_FORM_MAX_AGE / 2)
    try:
        return render_article(found, CommentForm(meta={"csrf": False}), request.args.get("comments"))
    except BadCommentCursor:
        abort(404)


@bp.get("/<slug>")
@shared_page
def site_page(slug: str):
    """One of the newsroom's own pages (About, Contact ...): published only, a draft is a 404."""
    return render_template("readers/site_page.html", page=resolve(SitePage, slug))


@bp.get("/pages/<slug>")
def site_page_elsewhere(slug: str):
    """The newsroom's pages live at /<slug>: this longer address leads there."""
    return redirect(url_for("reader.site_page", slug=slug), 301)


def count_answer(article_id: int, pixel: bool) -> Response:
    """The count for a request that ReadCounter passed on (a session, a HEAD), or a 404 for anything unpublished."""
    answer = answer_count(current_app.config, request.environ, request.cookies, article_id, pixel,
                          signed_in=has_session() and current_user.is_authenticated)
    if answer is None:
        abort(404)
    return Response(answer.body, headers=answer.headers)


@bp.get(f"{READS_PATH}<int(max={MAX_ID}):article_id>")
def count_read(article_id: int):
    """Count this browser's read of an article (the page's script asks once it is shown); the fresh count."""
    return count_answer(article_id, pixel=False)


@bp.get(f"{READS_PATH}<int(max={MAX_ID}):article_id>.gif")
def count_read_without_script(article_id: int):
    """The same count for readers without JavaScript, asked by the page's <noscript> image."""
    return count_answer(article_id, pixel=True)


@bp.get(f"{MEDIA_PATH}<name>")
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
    html = render_template("readers/search.html", terms=terms, results=results, number=number,
                           max_query=search.MAX_QUERY_CHARS, per_page=current_app.config["SEARCH_RESULTS_PER_PAGE"],
                           max_pages=search.MAX_PAGES)
    response = make_response(html)
    response.headers["X-Robots-Tag"] = "noindex"
    return response
