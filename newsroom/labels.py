"""The newsroom's categories and tags: counts, renaming, merging, deleting, and the menu order.

The rules are the models' (`models.labels.Label`): how a name is tidied, how long it may be, which one a
name means, and what renaming and merging do to old addresses. This module puts them to the editor.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from content.text import slugify
from models import MAX_ID, Category, Tag, db
from newsroom.forms import MergeForm, RenameForm
from newsroom.guard import guard_newsroom, page_number
from web.forms import EmptyForm

bp = Blueprint("labels", __name__, url_prefix="/admin")
guard_newsroom(bp)

ID = f"<int(max={MAX_ID}):item_id>"


@dataclass(frozen=True)
class Kind:
    """What the newsroom calls one kind of label, where its pages are, and why a new name is refused."""

    model: type[Category] | type[Tag]
    word: str
    endpoint: str
    list_endpoint: str
    reader_endpoint: str


CATEGORY = Kind(Category, "category", "labels.category", "labels.categories", "reader.category")
TAG = Kind(Tag, "tag", "labels.tag", "labels.tags", "reader.tag")


# --- Categories ---------------------------------------------------------------------------------------------


@bp.get("/categories")
def categories():
    """Every category in menu order, with its published and unpublished article counts."""
    return render_template("newsroom/labels/categories.html", rows=Category.with_counts())


@bp.post(f"/categories/{ID}/move")
def move_category(item_id: int):
    """Move a category one place up or down in the header menu."""
    category = db.get_or_404(Category, item_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None or not EmptyForm().validate_on_submit():
        abort(400)
    Category.move(category, step)
    db.session.commit()
    flash(f"“{category.name}” moved {request.form['direction']} in the menu.", "info")
    return redirect(url_for("labels.categories") + f"#category-{category.id}")


@bp.route(f"/categories/{ID}", methods=["GET", "POST"])
def category(item_id: int):
    """One category: rename it, merge it into another, or delete it when no article uses it."""
    return manage(CATEGORY, item_id)


# --- Tags ---------------------------------------------------------------------------------------------------


@bp.get("/tags")
def tags():
    """Every tag by name, a page at a time, with its published and unpublished article counts."""
    page = db.paginate(Tag.for_admin(), page=page_number(), per_page=current_app.config["NEWSROOM_TAGS_PER_PAGE"])
    return render_template("newsroom/labels/tags.html", page=page, counts=Tag.counts_for([tag.id for tag in page.items]))


@bp.route(f"/tags/{ID}", methods=["GET", "POST"])
def tag(item_id: int):
    """One tag: rename it, merge it into another, or delete it when no article uses it."""
    return manage(TAG, item_id)


# --- Rename, merge, delete: the same for both kinds ---------------------------------------------------------


def manage(kind: Kind, item_id: int):
    """The management page of one category or tag, and the action its form asked for."""
    item = db.get_or_404(kind.model, item_id)
    rename_form, merge_form = RenameForm(prefix="rename"), MergeForm(prefix="merge")
    if rename_form.name.data is None:
        rename_form.name.data = item.name  # shown as it is, unless the editor typed a new one
    if request.method == "GET":
        return render_manage(kind, item, rename_form, merge_form)
    actions = {"rename": lambda: rename(kind, item, rename_form), "merge": lambda: merge(kind, item, merge_form),
               "delete": lambda: delete(kind, item)}
    action = actions.get(request.form.get("action", ""))
    if action is None:
        abort(400)
    return action() or render_manage(kind, item, rename_form, merge_form, 400)


def render_manage(kind: Kind, item: Category | Tag, rename_form, merge_form, status: int = 200):
    """The page of one category or tag with its counts and three forms."""
    published, unpublished = kind.model.counts_for([item.id])[item.id]
    return render_template("newsroom/labels/manage.html", kind=kind.word, item=item, rename_form=rename_form,
                           merge_form=merge_form, delete_form=EmptyForm(), published=published,
                           unpublished=unpublished, reader_endpoint=kind.reader_endpoint,
                           name_max=kind.model.NAME_MAX), status


def rename(kind: Kind, item: Category | Tag, form: RenameForm):
    """Give the item a new name and address; the old address answers 301. None when the form is refused."""
    if not form.validate_on_submit():
        return None
    name = kind.model.tidy_name(form.name.data)
    if problem := kind.model.name_problem(name) or address_taken(kind, item, name):
        form.name.errors.append(problem[0].upper() + problem[1:])  # tag_problem's reasons start in lower case
        return None
    old_name, old_slug = item.name, item.slug
    item.rename(name)
    db.session.commit()
    old_address = unquote(url_for(kind.reader_endpoint, slug=old_slug))
    moved = f" Its old address {old_address} leads to the new one." if old_slug != item.slug else ""
    flash(f"“{old_name}” is now “{item.name}”.{moved}", "info")
    return redirect(url_for(kind.endpoint, item_id=item.id))


def address_taken(kind: Kind, item: Category | Tag, name: str) -> str | None:
    """Why the address this name gives is another's, or None when it is free or the item's own."""
    holder = kind.model.by_slug(slugify(name))
    if holder is None or holder.id == item.id:
        return None
    return f"The {kind.word} “{holder.name}” already has this address: merge into it instead."


def merge(kind: Kind, item: Category | Tag, form: MergeForm):
    """Merge the item into the one named; its articles move and its address answers 301. None when refused."""
    if not form.validate_on_submit():
        return None
    target = kind.model.by_slug(slugify(kind.model.tidy_name(form.target.data)))
    if target is None or target.id == item.id:
        form.target.errors.append(f"Name another existing {kind.word}." if target else f"There is no {kind.word} of that name.")
        return None
    name = item.name
    item.merge_into(target)
    db.session.commit()
    flash(f"“{name}” is merged into “{target.name}”; its articles and its address now belong to it.", "info")
    return redirect(url_for(kind.endpoint, item_id=target.id))


def delete(kind: Kind, item: Category | Tag):
    """Delete an item no article uses; one still in use is kept, with a message."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if item.article_count():
        flash(f"“{item.name}” is still used by articles: merge it into another {kind.word} instead.", "error")
        return redirect(url_for(kind.endpoint, item_id=item.id))
    db.session.delete(item)
    db.session.commit()
    flash(f"The {kind.word} “{item.name}” is deleted.", "info")
    return redirect(url_for(kind.list_endpoint))
