"""Comments from anonymous readers: the POST, and its spam and flood rules (moderation is the newsroom's)."""

from __future__ import annotations

import hashlib
import re

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError

from content.sanitize import sanitize_comment, visible_text
from models import Article, Comment, CommentStatus, db, write_turn
from readers.article_page import OWN_COMMENTS, render_article
from readers.forms import RESEND_MESSAGE, CommentForm
from web import limiter
from web.csrf import Verdict, cross_site, csrf, csrf_verdict, tokens_sent
from web.pagecache import PRIVATE_CACHE_CONTROL
from web.settings import Rule

bp = Blueprint("comments", __name__)
# The comment route judges where a comment came from itself (judged_form): a shared page's form
# carries no token, and a reader whose token aged gets their text back; a forged one is still a 400.
csrf.exempt(bp)

# The same text on the same article from the same address within this window is stored once.
DUPLICATE_WINDOW = Rule(limit=1, period=600)
# How many of their own held comments a browser session remembers, to show them to their author.
OWN_COMMENTS_REMEMBERED = 20


def initial_status(body_html: str) -> str:
    """Visible, or pending when COMMENT_MODERATION holds this comment for approval."""
    mode = current_app.config["COMMENT_MODERATION"]
    if mode == "all" or (mode == "links" and "<a " in body_html):
        return CommentStatus.PENDING
    return CommentStatus.VISIBLE


def duplicate_key(article: Article, address: str, body: str) -> str:
    """A limiter key naming this text on this article from this address."""
    text = " ".join(body.split()).casefold()
    digest = hashlib.sha256(f"{article.id}\n{address}\n{text}".encode()).hexdigest()
    return f"comment-text:{digest}"


def remember_own_comment(comment_id: int) -> None:
    """Let this browser session see its own held comment."""
    session[OWN_COMMENTS] = (session.get(OWN_COMMENTS, []) + [comment_id])[-OWN_COMMENTS_REMEMBERED:]


def wait_message(seconds: int) -> str:
    """'Please wait 40 seconds / 3 minutes before commenting again.'"""
    if seconds < 90:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = -(-seconds // 60)
        wait = f"{minutes} minutes"
    return f"You have sent several comments in a short time. Please wait {wait} and send it again."


def refuse(article: Article, form: CommentForm, status: int, message: str | None = None, headers=None):
    """The article page again, the reader's text kept, with a fresh timestamp and the reason."""
    db.session.commit()  # keep the limiter's count of this try
    if message:
        form.form_errors.append(message)
    return render_article(article, form), status, headers or {}


def judged_form() -> CommentForm:
    """The comment form as sent, once the request is known to come from this site's own page.

    A form sent with a token (a reader whose page's script had one) passes the CSRF check; one sent
    without (the shared page as it is, with or without JavaScript) passes when the browser does not
    say another site sent it. Anything else is refused with the 400 page.
    """
    if not tokens_sent():
        if cross_site(request):
            raise CSRFError()
        return CommentForm(meta={"csrf": False})
    if csrf_verdict() is Verdict.FORGED:
        raise CSRFError()  # a token this site cannot vouch for
    return CommentForm()


@bp.get("/articles/<slug>/comments")
def comments_address(slug: str):
    """The address a comment was sent to, opened again (a reload, a bookmark): the article's comments."""
    return redirect(url_for("reader.article", slug=slug, _anchor="comments"), 301)


@bp.post("/articles/<slug>/comments")
def post_comment(slug: str):
    """Store a reader's comment, or show the form again with what they typed and why not."""
    article = Article.published_by_slug(slug, page=False) or abort(404)
    form = judged_form()
    valid = form.validate_on_submit()  # the form's own token check is skipped when the verdict is ok
    if form.meta.csrf and csrf_verdict() is not Verdict.OK:  # a token this site issued, aged
        return refuse(article, form, 400, RESEND_MESSAGE)
    if not valid:
        return refuse(article, form, 400)
    if form.citation_ref.data:
        return redirect(url_for("reader.article", slug=slug))  # quietly: a bot learns nothing
    if problem := form.timing_problem():
        return refuse(article, form, 400, problem)
    body_html = sanitize_comment(form.body.data)
    if not visible_text(body_html):
        form.body.errors.append("Your comment is empty once markup is removed. Please write some text.")
        return refuse(article, form, 400)
    comment = limit_and_store(article, form, body_html)
    if isinstance(comment, limiter.Verdict):
        return refuse(article, form, 429, wait_message(comment.retry_after), {"Retry-After": str(comment.retry_after)})
    if comment is None:  # the same text again, within the window: the first is what counts
        return redirect(url_for("reader.article", slug=slug, _anchor="comments"))
    if comment.status == CommentStatus.PENDING:
        return held(article)
    return redirect(url_for("reader.article", slug=slug, _anchor=f"comment-{comment.id}"))


def held(article: Article):
    """The article page for the author of a held comment, which it shows with its note; nobody else's page does.

    The shared page shows no one's held comments; this answer shows the author theirs without JavaScript,
    and /me shows it on every later visit.
    """
    page = render_article(article, CommentForm(formdata=None, meta={"csrf": False}))
    return page, 200, {"Cache-Control": PRIVATE_CACHE_CONTROL}


def limit_and_store(article: Article, form: CommentForm, body_html: str) -> Comment | limiter.Verdict | None:
    """Count the sender's limits and store the comment, all committed: the comment, the refusing verdict,
    or None for a repeat of a comment just sent.

    These writes take their turn at SQLite's one write lock together (`write_turn`), so a second app
    server's comment waits for the lock to be free instead of sleeping in SQLite's own retries.
    """
    with write_turn(db.engine):
        address = limiter.requester_key()
        verdict = limiter.hit(f"comment:{address}", current_app.config["COMMENT_RATE_RULES"])
        if verdict.allowed and limiter.hit(duplicate_key(article, address, form.body.data), (DUPLICATE_WINDOW,)).allowed:
            return store_comment(article, form.name.data, body_html)
        db.session.commit()  # keep the limiter's count of this try
        return None if verdict.allowed else verdict


def store_comment(article: Article, name: str, body_html: str) -> Comment:
    """Commit the comment; remember a held one, so its author sees it and that it waits."""
    name = re.sub(r"\s+", " ", name).strip()
    comment = Comment(article_id=article.id, author_name=name, body_html=body_html, status=initial_status(body_html))
    db.session.add(comment)
    limiter.forget_expired()
    db.session.commit()
    if comment.status == CommentStatus.PENDING:
        remember_own_comment(comment.id)  # its thank-you shows beside it while it waits
    return comment
