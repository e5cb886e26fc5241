"""The newsroom: the article list, the article form with preview and checks, and comment moderation."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from sqlalchemy import delete, update

from auth import no_store, require_admin
from editorial import editorial_warnings, suggest_tags
from forms import ArticleForm, CommentForm, EmptyForm
from models import MAX_ID, Article, ArticleStatus, Category, Comment, CommentStatus, Tag, db
from reader import render_article
from text import excerpt, local_to_utc, now_utc, render_markdown, slugify, split_tag_names, unique_slug, utc_to_local

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.before_request(require_admin)
bp.after_request(no_store)

ARTICLES_PER_PAGE = 25
COMMENTS_PER_PAGE = 50
# Leaves room under the summary field's 300 characters for the ellipsis and an edit.
SUMMARY_MAX = 280
STATUS_FILTERS = ("draft", "scheduled", "published")
# Each moderation button: the status it sets (None deletes), and how the result is told.
MODERATION_ACTIONS = {
    "approve": (CommentStatus.VISIBLE, "approved"),
    "hide": (CommentStatus.HIDDEN, "hidden"),
    "delete": (None, "deleted"),
}


def page_number() -> int:
    """The ?page= of an admin list; anything but a sensible page number is a 404."""
    raw = request.args.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
        abort(404)
    return int(raw)


# --- The article list -----------------------------------------------------------------------------


@bp.get("/")
def articles():
    """Every article, newest first, filtered by status, a page at a time."""
    status = request.args.get("status")
    if status not in STATUS_FILTERS:
        status = None
    page = db.paginate(Article.for_admin(status), page=page_number(), per_page=ARTICLES_PER_PAGE)
    return render_template("admin/articles.html", page=page, status=status, filters=STATUS_FILTERS)


@bp.app_template_global()
def status_label(article: Article) -> str:
    """'Draft', 'Scheduled' or 'Published', as readers' access to the article stands now."""
    if article.status == ArticleStatus.DRAFT:
        return "Draft"
    return "Published" if article.is_live else "Scheduled"


@bp.app_template_global()
def form_values(form) -> list[tuple[str, str]]:
    """(name, value) of every field but the CSRF token, to carry a previewed form back to the editor."""
    return [(field.name, field._value() if field.type != "RadioField" else (field.data or ""))
            for field in form if field.name != "csrf_token"]


# --- The article form -------------------------------------------------------------------------------


def form_data_of(article: Article) -> dict:
    """An article's fields as the form shows them (time in SITE_TIMEZONE)."""
    zone = current_app.config["TIMEZONE"]
    return {
        "title": article.title, "slug": article.slug, "category": article.category.name,
        "tags": ", ".join(tag.name for tag in article.tags), "summary": article.summary,
        "body": article.body_source, "status": article.status,
        "published_at": utc_to_local(article.published_at, zone) if article.published_at else None,
    }


def chosen_slug(form: ArticleForm, article: Article | None) -> str | None:
    """The slug typed, or one made from the title; None (with a field error) when it is taken."""
    own_id = article.id if article else None
    if not form.slug.data:
        return unique_slug(form.title.data, lambda slug: Article.slug_taken(slug, own_id))
    if Article.slug_taken(form.slug.data, own_id):
        form.slug.errors.append("Another article uses (or once used) this address.")
        return None
    return form.slug.data


def publication_time(form: ArticleForm, article: Article | None):
    """When the article goes live: the time typed (site time zone), else now for a first publication."""
    if form.published_at.data:
        return local_to_utc(form.published_at.data, current_app.config["TIMEZONE"])
    if form.status.data == ArticleStatus.PUBLISHED:
        # A live article keeps its time; a draft or a scheduled one goes live now.
        return article.published_at if article and article.is_live else now_utc()
    return None


def publication_date(form: ArticleForm, article: Article | None) -> date | None:
    """The day the article is dated, in the site's time zone, from which "last Tuesday" in it is read."""
    if form.published_at.errors:
        return None  # a time out of range is reported on its field, not read
    if form.published_at.data:
        return form.published_at.data.date()  # typed in the site's time zone already
    moment = publication_time(form, article)
    return utc_to_local(moment, current_app.config["TIMEZONE"]).date() if moment else None


def article_warnings(form: ArticleForm, article: Article | None) -> list:
    """The editorial checks for the article the form holds."""
    return editorial_warnings(form.title.data or "", form.summary.data or "", form.body.data or "",
                              publication_date(form, article))


def fill_article(article: Article, form: ArticleForm, slug: str, tags: list[Tag], category: Category) -> Article:
    """Copy the form onto an article; the body's HTML and excerpt are prepared here, once."""
    article.title = form.title.data
    article.change_slug(slug)
    article.category = category
    article.tags = tags
    article.summary = form.summary.data or ""
    article.set_body(form.body.data)
    article.status = form.status.data
    article.published_at = publication_time(form, article)
    return article


def tag_suggestions_for(body: str, typed_tags: str) -> list[str]:
    """Suggested tags for a body, existing tags first, leaving out those already typed."""
    typed = {slugify(name) for name in split_tag_names(typed_tags)}
    return [tag for tag in suggest_tags(body, Tag.all_names()) if slugify(tag) not in typed]


def render_editor(form: ArticleForm, article: Article | None, status: int = 200):
    """The article form, with the editorial checks and tag suggestions for what it holds."""
    body = form.body.data or ""
    warnings = article_warnings(form, article) if body else []
    suggestions = tag_suggestions_for(body, form.tags.data or "")
    suggested_summary = "" if form.summary.data or not body else excerpt(render_markdown(body)[1], SUMMARY_MAX)
    return render_template(
        "admin/editor.html", form=form, article=article, warnings=warnings, suggestions=suggestions,
        suggested_summary=suggested_summary, categories=Category.all_by_name(),
    ), status


def render_preview(form: ArticleForm, article: Article | None, slug: str):
    """The article exactly as a reader will see it, from the form, with nothing saved."""
    with db.session.no_autoflush:
        draft = Article(id=article.id if article else None, reads=article.reads if article else 0, slug=slug,
                        created_at=article.created_at if article else now_utc())
        fill_article(draft, form, slug, *chosen_tags_and_category(form))
        draft.published_at = draft.published_at or now_utc()
        comment_form = CommentForm(formdata=None)  # the editor's "body" is not a comment
        comment_form.stamp()
        html = render_article(draft, comment_form, preview=True, editor_form=form,
                              warnings=article_warnings(form, article))
    db.session.rollback()  # nothing the preview touched may be saved
    return html


def chosen_tags_and_category(form: ArticleForm) -> tuple[list[Tag], Category]:
    """The form's tags and category, existing or new (new ones added to the session, not committed)."""
    return Tag.get_or_create_all(split_tag_names(form.tags.data or "")), Category.get_or_create(form.category.data)


def save_article(form: ArticleForm, article: Article | None, slug: str) -> Article:
    """Store the form as a new or changed article and commit."""
    target = article or Article()
    fill_article(target, form, slug, *chosen_tags_and_category(form))
    db.session.add(target)
    db.session.commit()
    return target


def saved_message(article: Article) -> str:
    """What the editor is told after saving, by what readers now see."""
    if article.is_live:
        return "Saved. The article is published."
    if article.status == ArticleStatus.PUBLISHED:
        return "Saved. The article is scheduled and will appear at its publication time."
    return "Saved as a draft. Readers cannot see it."


def edit(article: Article | None):
    """The form's flow: show, re-show (after preview), preview, or save and redirect."""
    form = ArticleForm(data=form_data_of(article) if article and request.method == "GET" else None)
    if request.method == "GET" or request.form.get("action") == "edit":
        return render_editor(form, article)
    if not form.validate_on_submit():
        return render_editor(form, article, 400)
    slug = chosen_slug(form, article)
    if slug is None:
        return render_editor(form, article, 400)
    if request.form.get("action") == "preview":
        return render_preview(form, article, slug)
    saved = save_article(form, article, slug)
    flash(saved_message(saved), "info")
    return redirect(url_for("admin.edit_article", article_id=saved.id))


@bp.route("/articles/new", methods=["GET", "POST"])
def new_article():
    """Write a new article."""
    return edit(None)


@bp.route(f"/articles/<int(max={MAX_ID}):article_id>/edit", methods=["GET", "POST"])
def edit_article(article_id: int):
    """Change an article."""
    return edit(db.get_or_404(Article, article_id))


@bp.post(f"/articles/<int(max={MAX_ID}):article_id>/unpublish")
def unpublish_article(article_id: int):
    """Take an article off the site; it stays as a draft."""
    article = db.get_or_404(Article, article_id)
    article.status = ArticleStatus.DRAFT
    db.session.commit()
    flash(f"“{article.title}” is unpublished and kept as a draft.", "info")
    return redirect(url_for("admin.edit_article", article_id=article.id))


@bp.route(f"/articles/<int(max={MAX_ID}):article_id>/delete", methods=["GET", "POST"])
def delete_article(article_id: int):
    """Ask, then delete an article with its comments; tags other articles use stay."""
    article = db.get_or_404(Article, article_id)
    if request.method == "GET":
        return render_template("admin/delete.html", article=article, form=EmptyForm(),
                               comment_count=len(article.comments))
    title = article.title
    db.session.delete(article)
    db.session.commit()
    flash(f"“{title}” and its comments are deleted.", "info")
    return redirect(url_for("admin.articles"))


@bp.post("/tag-suggestions")
def tag_suggestions():
    """Fresh tag suggestions for the body being typed (JSON for the form's script)."""
    payload = request.get_json(silent=True)
    payload = payload if isinstance(payload, dict) else {}
    return jsonify(suggestions=tag_suggestions_for(str(payload.get("body", "")), str(payload.get("tags", ""))))


# --- Comment moderation ------------------------------------------------------------------------------


@bp.get("/comments")
def comments():
    """Every comment, those awaiting approval first, with buttons to approve, hide or delete."""
    page = db.paginate(Comment.for_moderation(), page=page_number(), per_page=COMMENTS_PER_PAGE)
    return render_template("admin/comments.html", page=page, form=EmptyForm())


def moderate(comment_ids: list[int], action: str) -> int:
    """Apply one moderation action to these comments; how many it touched."""
    status, _ = MODERATION_ACTIONS[action]
    chosen = Comment.id.in_(comment_ids)
    statement = delete(Comment).where(chosen) if status is None else update(Comment).where(chosen).values(status=status)
    result = db.session.execute(statement)
    db.session.commit()
    return result.rowcount


def requested_moderation() -> tuple[list[int], str] | None:
    """(ids, action) from a row button ('approve:12') or the bulk buttons with ticked boxes."""
    if one := request.form.get("one"):
        action, _, raw_id = one.partition(":")
        ids = [raw_id]
    else:
        action, ids = request.form.get("action", ""), request.form.getlist("ids")
    if action not in MODERATION_ACTIONS or not ids or not all(re.fullmatch(r"[0-9]{1,18}", i) for i in ids):
        return None
    return [int(i) for i in ids], action


@bp.post("/comments")
def moderate_comments():
    """Approve, hide or delete one comment or the ticked ones."""
    page = page_number()
    requested = requested_moderation()
    if requested is None:
        flash("Tick at least one comment and choose what to do with it.", "error")
    else:
        count = moderate(*requested)
        flash(f"{count} comment{'s' if count != 1 else ''} {MODERATION_ACTIONS[requested[1]][1]}.", "info")
    return redirect(url_for("admin.comments", page=page))


def admin_context() -> dict:
    """The pending comment count for the navigation of admin pages (reader pages skip the query)."""
    if request.blueprint in ("admin", "auth") and request.endpoint != "auth.login":
        return {"pending_comments": Comment.pending_count()}
    return {}
