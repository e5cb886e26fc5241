"""The newsroom's articles: the list, the form with preview and checks, review and publication, and moderation.

The form's rules are in newsroom/article_form.py; these views parse, call them, and render or redirect.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import delete, update
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from content.text import (
    excerpt,
    now_utc,
    render_markdown,
)
from models import (
    MAX_ID,
    Article,
    ArticleStatus,
    Category,
    Comment,
    CommentStatus,
    Role,
    Tag,
    User,
    changed_in_bulk,
    db,
)
from newsroom.article_form import (
    SUGGESTED_SUMMARY_MAX,
    WRITERS_SAVE_DRAFTS,
    article_warnings,
    category_confirmed,
    chosen_authors,
    chosen_lead_picture,
    chosen_slug,
    chosen_tags_and_category,
    fill_article,
    form_data_of,
    keep_writers_to_drafts,
    lead_picture_choices,
    lead_picture_known,
    save_article,
    saved_message,
    tag_suggestions_for,
)
from newsroom.forms import ArticleForm, PictureForm
from newsroom.guard import ended_session_answer, guard_newsroom, page_number, require_sign_in
from newsroom.keptforms import keep_form, take_form
from newsroom.roles import at_least, can, require_edit_right
from readers.article_page import render_article
from readers.forms import CommentForm
from web.csrf import Verdict, csrf, csrf_verdict
from web.errors import handle_http_error, render_error
from web.forms import EmptyForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

STATUS_FILTERS = ("review", "draft", "scheduled", "published")
FILTER_LABELS = {"review": "Waiting for review", "draft": "Drafts", "scheduled": "Scheduled", "published": "Published"}
ARTICLE_FORMS = ("admin.new_article", "admin.edit_article")
# The fields an article form sends that are worth keeping when its session ended.
KEPT_FIELDS = ("title", "slug", "category", "new_category", "tags", "summary", "body", "status", "published_at",
               "authors", "lead_picture")
# Tells the form's script, on the page after a save, which browser draft the save made obsolete.
SAVED_DRAFT = "saved_draft"
RESTORED_NOTE = ("Here is everything you sent when your session ended. "
                 "Nothing is saved yet: check it and press Save.")
AGED_NOTE = ("This form had been open too long to be accepted, so nothing is saved yet. "
             "Everything you sent is here: press Save again.")
# Each moderation button: the status it sets (None deletes), and how the result is told.
MODERATION_ACTIONS = {
    "approve": (CommentStatus.VISIBLE, "approved"),
    "hide": (CommentStatus.HIDDEN, "hidden"),
    "delete": (None, "deleted"),
}


# --- Access: a live session, and an article form kept rather than lost when it has ended ------------------


def require_sign_in_or_keep_the_article():
    """Admin pages need a live session; an article form sent without one is kept for its editor."""
    if request.method == "POST" and request.endpoint in ARTICLE_FORMS:
        return check_article_post()
    return require_sign_in()


guard_newsroom(bp, require_sign_in_or_keep_the_article)


def check_article_post():
    """Let a good POST through; keep the fields of one whose session or token aged; refuse a forged one."""
    verdict = csrf_verdict()  # the article routes are exempt from the global check: this is theirs
    if verdict is Verdict.OK and current_user.is_authenticated:
        return None
    if verdict is Verdict.FORGED:
        raise CSRFError()
    form = ArticleForm()
    editor_id = form.stamped_account()
    if editor_id is None:  # nothing says whose form this was: like any other newsroom form
        return ended_session_answer()
    article = article_being_edited()
    if current_user.is_authenticated and current_user.id == editor_id:
        return render_editor(form, article, 400, note=AGED_NOTE)
    keep_form(editor_id, article.id if article else None, {name: request.form.get(name, "") for name in KEPT_FIELDS})
    return redirect(url_for("auth.login", next=request.path), 303)


def article_being_edited() -> Article | None:
    """The article whose form was sent, if it still exists (None for a new one)."""
    article_id = (request.view_args or {}).get("article_id")
    return db.session.get(Article, article_id) if article_id else None


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """An article over the size limit: the editor is told the limit, that the draft is in the browser, and the way back."""
    if request.endpoint not in ARTICLE_FORMS:
        return handle_http_error(error)
    limit_kb = current_app.config["MAX_CONTENT_LENGTH"] // 1024
    message = (f"This article is larger than the {limit_kb} KB the site accepts from a form, so nothing was saved. "
               "Your draft is kept in this browser: go back to the form to restore it and make it shorter.")
    return render_error(413, message, back=(request.path, "Back to the article form"))


# --- The article list -----------------------------------------------------------------------------


@bp.get("/")
def articles():
    """Every article, newest first, filtered by status, a page at a time."""
    status = request.args.get("status")
    if status not in STATUS_FILTERS:
        status = None
    page = db.paginate(Article.for_admin(status), page=page_number(), per_page=current_app.config["NEWSROOM_ARTICLES_PER_PAGE"])
    return render_template("newsroom/articles/articles.html", page=page, status=status, filters=FILTER_LABELS,
                           waiting=Article.waiting_for_review_count())


@bp.app_template_global()
def status_label(article: Article) -> str:
    """'Draft', 'Scheduled' or 'Published', as readers' access to the article stands now."""
    if article.status == ArticleStatus.DRAFT:
        return "Draft"
    return "Published" if article.is_live else "Scheduled"


@bp.app_template_global()
def form_values(form) -> list[tuple[str, str]]:
    """(name, value) of every field but the CSRF token, to carry a previewed form back to the editor."""
    return [(field.name, field._value() if field.type not in ("RadioField", "SelectField") else (field.data or ""))
            for field in form if field.name != "csrf_token" and (field.type != "BooleanField" or field.data)]


# --- The article form -------------------------------------------------------------------------------


def render_editor(form: ArticleForm, article: Article | None, status: int = 200, note: str | None = None):
    """The article form, with the editorial checks and tag suggestions for what it holds."""
    form.stamp(current_user.id)
    lead_picture_choices(form)
    body = form.body.data or ""
    warnings = article_warnings(form, article) if body else []
    suggestions = tag_suggestions_for(body, form.tags.data or "")
    suggested_summary = "" if form.summary.data or not body else excerpt(render_markdown(body)[1], SUGGESTED_SUMMARY_MAX)
    return render_template(
        "newsroom/articles/editor.html", form=form, article=article, warnings=warnings, suggestions=suggestions,
        suggested_summary=suggested_summary, categories=Category.all_by_name(), note=note,
        saved_draft=session.pop(SAVED_DRAFT, None), people=User.everyone() if can(current_user, Role.EDITOR) else [],
        review_form=EmptyForm(), lead_picture=chosen_lead_picture(form),
        picture_form=PictureForm(formdata=None, back=request.path) if article else None,
    ), status


def render_preview(form: ArticleForm, article: Article | None, slug: str, authors: list[User] | None):
    """The article exactly as a reader will see it, from the form, with nothing saved."""
    with db.session.no_autoflush:
        draft = Article(id=article.id if article else None, reads=article.reads if article else 0, slug=slug,
                        created_at=article.created_at if article else now_utc())
        fill_article(draft, form, slug, *chosen_tags_and_category(form))
        writer = current_user._get_current_object()
        draft.set_authors(authors if authors is not None else article.authors if article else [writer])
        draft.published_at = draft.published_at or now_utc()
        comment_form = CommentForm(formdata=None)  # the editor's "body" is not a comment
        html = render_article(draft, comment_form, preview=True, editor_form=form,
                              warnings=article_warnings(form, article))
    db.session.rollback()  # nothing the preview touched may be saved
    return html


def edit(article: Article | None):
    """The form's flow: show, re-show (after preview), preview, or save and redirect."""
    if request.method == "GET" and (kept := take_form(current_user.id, article.id if article else None)):
        return render_editor(ArticleForm(formdata=MultiDict(kept)), article, note=RESTORED_NOTE)
    form = ArticleForm(data=form_data_of(article) if article and request.method == "GET" else None)
    if request.method == "GET" and article is None:
        form.authors.data = current_user.display_name
    if request.method == "GET" or request.form.get("action") == "edit":
        return render_editor(form, article)
    valid = form.validate_on_submit()
    editor = at_least(current_user.role, Role.EDITOR)
    # Only editors change a byline; a writer's form keeps the article's as it is.
    authors = chosen_authors(form) if editor else None
    # Asked even when another field is refused, so the editor sees every question at once.
    confirmed, known = category_confirmed(form), lead_picture_known(form)
    if not (confirmed and known and valid) or (editor and authors is None):
        return render_editor(form, article, 400)
    slug = chosen_slug(form, article)
    if slug is None:
        return render_editor(form, article, 400)
    held_back = keep_writers_to_drafts(form)
    if request.form.get("action") == "preview":
        return render_preview(form, article, slug, authors)
    saved = save_article(form, article, slug, authors)
    session[SAVED_DRAFT] = str(article.id) if article else "new"
    flash(WRITERS_SAVE_DRAFTS if held_back else saved_message(saved), "info")
    return redirect(url_for("admin.edit_article", article_id=saved.id))


@csrf.exempt  # checked by check_article_post, which keeps the fields of an aged form
@bp.route("/articles/new", methods=["GET", "POST"])
def new_article():
    """Write a new article."""
    return edit(None)


@csrf.exempt  # checked by check_article_post, which keeps the fields of an aged form
@bp.route(f"/articles/<int(max={MAX_ID}):article_id>/edit", methods=["GET", "POST"])
def edit_article(article_id: int):
    """Change an article: any for editors, their own drafts for writers."""
    article = db.get_or_404(Article, article_id)
    require_edit_right(article)
    return edit(article)


@bp.post(f"/articles/<int(max={MAX_ID}):article_id>/review")
def request_review(article_id: int):
    """A writer sends their draft to the editors, who see it waiting at the top of the article list."""
    article = db.get_or_404(Article, article_id)
    require_edit_right(article)
    if not EmptyForm().validate_on_submit() or article.status != ArticleStatus.DRAFT:
        abort(400, "Only a draft can be sent to review.")
    article.review_requested_at = now_utc()
    db.session.commit()
    flash(f"“{article.title}” is sent to review. An editor will read it and publish it.", "info")
    return redirect(url_for("admin.edit_article", article_id=article.id))


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
    """Ask, then delete an article with its comments and the tags no other article carries."""
    article = db.get_or_404(Article, article_id)
    if request.method == "GET":
        return render_template("newsroom/articles/delete.html", article=article, form=EmptyForm(),
                               comment_count=len(article.comments))
    title = article.title
    db.session.delete(article)
    db.session.flush()
    Tag.delete_unused()
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
    page = db.paginate(Comment.for_moderation(), page=page_number(), per_page=current_app.config["MODERATION_COMMENTS_PER_PAGE"])
    return render_template("newsroom/articles/comments.html", page=page, form=EmptyForm())


def moderate(comment_ids: list[int], action: str) -> int:
    """Apply one moderation action to these comments; how many it touched."""
    status, _ = MODERATION_ACTIONS[action]
    chosen = Comment.id.in_(comment_ids)
    statement = delete(Comment).where(chosen) if status is None else update(Comment).where(chosen).values(status=status)
    result = db.session.execute(statement)
    changed_in_bulk(db.session, [Comment.__tablename__])
    db.session.commit()
    return result.rowcount


def requested_moderation() -> tuple[list[int], str] | None:
    """(ids, action) from a row button ('approve:12') or the bulk buttons with ticked boxes."""
    if one := request.form.get("one"):
        action, _, raw_id = one.partition(":")
        ids = [raw_id]
    else:
        action, ids = request.form.get("action", ""), request.form.getlist("ids")
    if action not in MODERATION_ACTIONS or not ids or not all(re.fullmatch(r"[0-9]{1,10}", i) for i in ids):
        return None
    if not all(0 < int(i) <= MAX_ID for i in ids):
        return None  # no comment has such an id, and PostgreSQL would refuse to look for one
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


