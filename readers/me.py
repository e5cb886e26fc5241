"""`GET /me`: what of a shared page is this reader's own, fetched by static/reader.js once the page shows.

Shared pages are the same bytes for everyone (web/pagecache.py), so what belongs to one person comes
here: a commenter's own held comments on the article and a fresh token for its form; for the
newsroom, its bar, with "Edit this article" where the account may. Never stored by a cache. A
browser without a session (or with a forged or expired one) gets an empty answer, never an error;
an article that is unknown or not published is a 404 whose body does not say which.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, jsonify, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import load_only

from models import MAX_ID, Article, Comment, db
from newsroom.guard import render_bar
from newsroom.roles import may_edit
from readers.article_page import OWN_COMMENTS
from web.csrf import issued_stamp
from web.pagecache import PRIVATE_CACHE_CONTROL
from web.sessions import MARKER_COOKIE

bp = Blueprint("me", __name__)


def nothing_here() -> Response:
    """The 404 for any article /me cannot answer for: no body, so it never tells unknown from unpublished."""
    return Response(status=404, headers={"Cache-Control": PRIVATE_CACHE_CONTROL})


def asked_article() -> Article | None:
    """The published article named by `?article=`, None when none is named; a 404 for anything else."""
    raw = request.args.get("article")
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID):
        abort(nothing_here())
    # Only what may_edit reads; /me is asked on every page a commenter or an editor opens.
    columns = load_only(Article.id, Article.status, Article.created_by_id)
    found = db.session.execute(select(Article).options(columns).where(Article.id == int(raw), Article.is_published())).scalar()
    return found or abort(nothing_here())


def own_held(article: Article) -> str:
    """This browser's comments on the article still held for moderation, as list items; '' if none."""
    own = session.get(OWN_COMMENTS)
    held = Comment.held_of(article.id, own) if own else []
    # The list items alone: a whole page's context (its menu) would cost a query for nothing.
    return current_app.jinja_env.get_template("readers/_own_comments.html").render(comments=held) if held else ""


def newsroom_part(article: Article | None) -> dict:
    """For a signed-in account: the newsroom's bar (with the edit link where it may edit) and its script."""
    edit_url = url_for("admin.edit_article", article_id=article.id) if article and may_edit(current_user, article) else None
    return {"bar": render_bar(edit_url=edit_url), "script": url_for("static", filename="editor.js")}


@bp.get("/me")
def me():
    """This browser's own part of the page it shows (JSON); empty without a session."""
    article = asked_article()
    answer: dict = {}
    # A session of something: a commenter's held comments, or a newsroom account whose session is live.
    signed_in = bool(session) and current_user.is_authenticated
    known = OWN_COMMENTS in session or signed_in
    if known:
        if article is not None:
            answer |= {"csrf_token": generate_csrf(), "issued": issued_stamp(), "comments": own_held(article)}
        if signed_in:
            answer |= newsroom_part(article)
    response = jsonify(answer)
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
    response.vary.add("Cookie")
    if not known and MARKER_COOKIE in request.cookies:
        response.delete_cookie(MARKER_COOKIE)  # a session that ended or was never good: stop asking
    return response
