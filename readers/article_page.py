"""Rendering an article page: shared by the reader's page, a comment sent back, and the newsroom's preview."""

from __future__ import annotations

from flask import current_app, render_template, session

from models import Article, Comment
from models.comments import CommentPage
from readers.forms import CommentForm
from web.pagecache import rendering_shared
from web.templating import set_nav_section

# The session key under which a browser remembers its own comments still held for moderation.
OWN_COMMENTS = "own_comments"


def render_article(article: Article, form: CommentForm, comments_cursor: str | None = None, **extra) -> str:
    """The article page with one page of its comments (the reader's own held ones too) and the comment form.

    The newsroom's preview renders through here too, with `extra` for its banner. BadCommentCursor for a
    cursor that is not one of ours.
    """
    own = [] if rendering_shared() else session.get(OWN_COMMENTS, [])
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    page = Comment.page_on(article.id, per_page, comments_cursor, own) if article.id else CommentPage([], False, None, None)
    set_nav_section("category", article.category.slug, current="true")
    return render_template("readers/article.html", article=article, comments=page.comments, comment_page=page,
                           comment_count=comment_count(article, page), form=form, reads=article.reads,
                           related=article.related(), most_read=Article.most_read(leaving_out=article.id), **extra)


def comment_count(article: Article, page: CommentPage) -> int:
    """The article's visible comments: counted from the page when it holds them all, else by the database."""
    if not page.paged and page.earlier is None:
        return sum(1 for comment in page.comments if not comment.awaiting_moderation)
    return article.visible_comment_count
