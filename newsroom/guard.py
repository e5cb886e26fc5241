"""The newsroom's guard: what every newsroom blueprint gets, and so the one list of them.

`guard_newsroom(bp)` puts the sign-in check and the role check before every view of a blueprint,
keeps its pages out of every cache, answers a form whose session ended with the sign-in page, and
marks the blueprint as the newsroom's: its pages take the newsroom's layout and bar.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from models import Comment, Role
from newsroom.roles import a_role, can, may_edit, refuse_below_role
from web.csrf import Verdict, csrf_failed, csrf_verdict
from web.pagecache import rendering_shared

SESSION_ENDED = "Your session ended, so nothing was changed. Sign in and try again."
FORM_AGED = "This form had been open too long to be accepted, so nothing was changed. Please try again."
# The newsroom's forms sent by people who have no session: signing in, and the pages one-time links open.
NO_SESSION_FORMS = frozenset({"auth.login", "people.join_by_invitation", "people.choose_password"})
# Set on a blueprint by guard_newsroom: the mark that makes it one of the newsroom's.
NEWSROOM_MARK = "is_newsroom"


# The newsroom's bar: on its own pages, and on reader pages by /me.
BAR_TEMPLATE = "newsroom/articles/_bar.html"


def page_number() -> int:
    """The ?page= of a newsroom list; anything but a sensible page number is a 404."""
    raw = request.args.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
        abort(404)
    return int(raw)


def require_sign_in() -> Response | None:
    """Before every admin view: anonymous visitors go to the sign-in page, with where they were going."""
    if current_user.is_authenticated:
        return None
    if request.method == "POST":
        return ended_session_answer()
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("auth.login", next=target))


def page_sent_from() -> str | None:
    """The path of the page a form was sent from, when that page was one of ours."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path:
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")


def ended_session_answer() -> Response:
    """A newsroom form sent after its session ended or its token aged: nothing changes, and the editor is told."""
    if request.is_json:  # the form's script asking for tag suggestions: no page, and no message left waiting
        return jsonify(error=SESSION_ENDED), 401
    if current_user.is_authenticated:
        flash(FORM_AGED, "error")
        return redirect(page_sent_from() or url_for("admin.articles"), 303)
    flash(SESSION_ENDED, "error")
    return redirect(url_for("auth.login", next=page_sent_from()), 303)


def csrf_failed_in_newsroom(error: CSRFError):
    """A form this site issued whose token or session aged: told so, nothing changed; a forged one: the 400 page."""
    # Sign-in and the pages one-time links open have no session to have ended: their aged forms get the plain 400 page.
    if request.endpoint not in NO_SESSION_FORMS and csrf_verdict() is Verdict.STALE:
        return ended_session_answer()
    return csrf_failed(error)


def no_store(response: Response) -> Response:
    """Admin pages are never kept by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
    return response


def guard_newsroom(blueprint: Blueprint, gate=require_sign_in) -> None:
    """Make a blueprint the newsroom's: `gate` before every view, pages never stored, and a form whose
    session ended answered with the sign-in page rather than an error."""
    setattr(blueprint, NEWSROOM_MARK, True)
    blueprint.before_request(gate)
    blueprint.before_request(refuse_below_role)
    blueprint.after_request(no_store)
    blueprint.register_error_handler(CSRFError, csrf_failed_in_newsroom)


def newsroom_blueprints(app: Flask) -> set[str]:
    """The names of the blueprints guard_newsroom made the newsroom's."""
    return {name for name, blueprint in app.blueprints.items() if getattr(blueprint, NEWSROOM_MARK, False)}


def newsroom_context() -> dict:
    """Whether the page is the newsroom's, and what the newsroom's bar needs.

    The bar shows on the newsroom's pages and a signed-in editor's search results; a shared page, which is
    everyone's, asks nobody's account (its bar comes by /me).
    """
    context = {"newsroom_page": request.blueprint in newsroom_blueprints(current_app), "may_edit": may_edit,
               "a_role": a_role}
    return context if rendering_shared() else context | bar_context()


def bar_context() -> dict:
    """What the newsroom's bar draws: the roles' checks, and for editors the count of comments waiting."""
    context = {"can": can, "Role": Role, "current_user": current_user}
    if can(current_user, Role.EDITOR):
        context["pending_comments"] = Comment.pending_count()
    return context


def render_bar(**extra) -> str:
    """The newsroom's bar alone, without the site-wide context a whole page's template asks for (its menu)."""
    return current_app.jinja_env.get_template(BAR_TEMPLATE).render(bar_context() | extra)
