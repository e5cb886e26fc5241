"""The article form's rules: what it shows for an article, what each field means, and saving it.

The views in newsroom/articles.py parse the request and call these; saving commits, and the commit
runs the write pipeline (services/pipeline.py): tag listing times, the search index, the site version.
"""

from __future__ import annotations

import re
from datetime import date

from flask import current_app
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from content.text import (
    local_to_utc,
    normalize_tag_name,
    now_utc,
    slugify,
    split_tag_names,
    tag_problem,
    unique_slug,
    utc_to_local,
)
from editorial import editorial_warnings, suggest_tags
from models import Article, ArticleStatus, Category, Picture, Role, Tag, User, db
from newsroom.forms import ArticleForm
from newsroom.roles import at_least

# A suggested summary leaves room under the summary's limit for an ellipsis and an edit.
SUGGESTED_SUMMARY_MAX = Article.SUMMARY_MAX - 20
WRITERS_SAVE_DRAFTS = ("Saved as a draft: writers do not publish or schedule. "
                       "Send it to review when it is ready, and an editor will publish it.")


def form_data_of(article: Article) -> dict:
    """An article's fields as the form shows them (time in SITE_TIMEZONE)."""
    zone = current_app.config["TIMEZONE"]
    return {
        "title": article.title, "slug": article.slug, "category": article.category.name,
        "tags": ", ".join(tag.name for tag in article.tags), "summary": article.summary,
        "body": article.body_source, "status": article.status,
        "published_at": utc_to_local(article.published_at, zone) if article.published_at else None,
        "authors": ", ".join(author.display_name for author in article.authors),
        "lead_picture": str(article.lead_picture_id or ""),
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


def category_confirmed(form: ArticleForm) -> bool:
    """True when the category exists, or the editor ticked to create it; else a field error asks."""
    if form.category.errors or not form.category.data:
        return True  # the field's own error says what to fix first
    if form.new_category.data or Category.find(form.category.data) is not None:
        return True
    form.category.errors.append(f"“{form.category.data}” is not a category yet. Check its spelling, or tick "
                                "“Create it as a new category” and send the form again.")
    return False


def chosen_lead_picture(form: ArticleForm) -> Picture | None:
    """The picture the form picks as lead, if it names one that exists."""
    raw = form.lead_picture.data or ""
    return db.session.get(Picture, int(raw)) if re.fullmatch(r"[0-9]{1,18}", raw) else None


def lead_picture_known(form: ArticleForm) -> bool:
    """True when the form picks no lead picture or one that exists; else a field error says so."""
    if not form.lead_picture.data or chosen_lead_picture(form) is not None:
        return True
    form.lead_picture.errors.append("This picture is no longer in the media library. Pick another one, or none.")
    return False


def lead_picture_choices(form: ArticleForm) -> None:
    """Offer the newest uploads as lead pictures, and the one the form holds even when it is older."""
    pictures = Picture.choices()
    chosen = chosen_lead_picture(form)
    if chosen is not None and chosen not in pictures:
        pictures.append(chosen)
    form.lead_picture.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(picture.id), f"{picture.alt[:70]} ({picture.width}×{picture.height})") for picture in pictures]


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


def chosen_authors(form: ArticleForm) -> list[User] | None:
    """The byline the form names, in order; None (with a field error) when a name is no account's."""
    names = [name.strip() for name in (form.authors.data or "").split(",") if name.strip()]
    found = [(name, User.by_display_name(name)) for name in names]
    unknown = [name for name, user in found if user is None]
    if unknown:
        form.authors.errors.append("No account signs as " + ", ".join(f"“{name}”" for name in unknown)
                                   + ". Use the names from the list, separated by commas.")
        return None
    return list({user.id: user for _, user in found}.values())


def keep_writers_to_drafts(form: ArticleForm) -> bool:
    """A writer's form is saved as a draft whatever it asked; True when it asked to publish or schedule."""
    if at_least(current_user.role, Role.EDITOR):
        return False
    asked = form.status.data == ArticleStatus.PUBLISHED or bool(form.published_at.data)
    form.status.data, form.published_at.data = ArticleStatus.DRAFT, None
    return asked


def fill_article(article: Article, form: ArticleForm, slug: str, tags: list[Tag], category: Category) -> Article:
    """Copy the form onto an article; the body's HTML and excerpt are prepared here, once."""
    was_live = article.is_live
    content = (form.title.data, form.summary.data or "", form.body.data)
    content_changed = content != (article.title, article.summary, article.body_source)
    article.title = form.title.data
    article.change_slug(slug)
    article.category = category
    article.tags = tags
    article.summary = form.summary.data or ""
    article.set_body(form.body.data)
    article.status = form.status.data
    article.published_at = publication_time(form, article)
    if article.status == ArticleStatus.PUBLISHED:
        article.review_requested_at = None  # an editor published it: the review is done
    article.lead_picture = chosen_lead_picture(form)
    if content_changed:
        article.note_content_change(was_live)
    return article


def tag_suggestions_for(body: str, typed_tags: str) -> list[str]:
    """Suggested tags for a body, tags of published articles first, leaving out those typed and those refused.

    A tag only drafts carry is no established tag: it is offered only when the body itself proposes it.
    """
    typed = {slugify(name) for name in split_tag_names(typed_tags)}
    return [tag for tag in suggest_tags(body, Tag.published_names())
            if slugify(tag) not in typed and tag_problem(normalize_tag_name(tag)) is None]


def chosen_tags_and_category(form: ArticleForm) -> tuple[list[Tag], Category]:
    """The form's tags and category, existing or new (new ones added to the session, not committed)."""
    return Tag.get_or_create_all(split_tag_names(form.tags.data or "")), Category.get_or_create(form.category.data)


def save_article(form: ArticleForm, article: Article | None, slug: str, authors: list[User] | None) -> Article:
    """Store the form as a new or changed article and commit; `authors` None keeps the byline as it is."""
    target = article or Article(created_by_id=current_user.id)
    fill_article(target, form, slug, *chosen_tags_and_category(form))
    if authors is not None:
        target.set_authors(authors)
    elif article is None:
        target.set_authors([current_user._get_current_object()])  # a new article starts with its writer
    db.session.add(target)
    db.session.flush()
    Tag.delete_unused()
    db.session.commit()
    return target


def saved_message(article: Article) -> str:
    """What the editor is told after saving, by what readers now see."""
    if article.is_live:
        return "Saved. The article is published."
    if article.status == ArticleStatus.PUBLISHED:
        return "Saved. The article is scheduled and will appear at its publication time."
    return "Saved as a draft. Readers cannot see it."
