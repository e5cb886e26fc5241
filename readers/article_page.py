"""Rendering an article page: shared by the reader's page, a comment sent back, and the newsroom's preview."""

from __future__ import annotations

from flask import render_template, session

from models import Article, Comment
from readers.forms import CommentForm
from web.pagecache import rendering_shared
from web.templating import set_nav_section

# The session key under which a browser remembers its own comments still held for moderation.
OWN_COMMENTS = "own_comments"


def render_article(article: Article, form: CommentForm, **extra) -> str:
    """The article page with its comments (the reader's own held ones too) and the comment form.

    The newsroom's preview renders through here too, with `extra` for its banner.
    """
    own = [] if rendering_shared() else session.get(OWN_COMMENTS, [])
    comments = Comment.shown_on(article.id, own) if article.id else []
    set_nav_section("category", article.category.slug, current="true")
    return render_template("readers/article.html", article=article, comments=comments, form=form,
                           reads=article.reads, related=article.related(), most_read=Article.most_read(leaving_out=article.id), **extra)
