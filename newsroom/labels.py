"""The newsroom's categories and tags: counts, renaming, merging, deleting, and the menu order."""

from __future__ import annotations

from urllib.parse import unquote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from content.text import normalize_tag_name, slugify, tag_problem
from models import MAX_ID, Category, Tag, db
from newsroom.articles import page_number
from newsroom.signin import guard_newsroom
from web.forms import EmptyForm, MergeForm, RenameForm

bp = Blueprint("labels", __name__, url_prefix="/admin")
guard_newsroom(bp)

TAGS_PER_PAGE = 100
CATEGORY_NAME_MAX = 80
ID = f"<int(max={MAX_ID}):item_id>"
# What each kind is called, how its names are tidied and checked, and where readers see it.
KINDS = {
    "category": (Category, lambda name: " ".join(name.split()), "reader.category"),
    "tag": (Tag, normalize_tag_name, "reader.tag"),
}


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
    return manage("category", db.get_or_404(Category, item_id))


# --- Tags ---------------------------------------------------------------------------------------------------


@bp.get("/tags")
def tags():
    """Every tag by name, a page at a time, with its published and unpublished article counts."""
    page = db.paginate(Tag.for_admin(), page=page_number(), per_page=TAGS_PER_PAGE)
    return render_template("newsroom/labels/tags.html", page=page, counts=Tag.counts_for([tag.id for tag in page.items]))


@bp.route(f"/tags/{ID}", methods=["GET", "POST"])
def tag(item_id: int):
    """One tag: rename it, merge it into another, or delete it when no article uses it."""
    return manage("tag", db.get_or_404(Tag, item_id))


# --- Rename, merge, delete: the same for both kinds ---------------------------------------------------------


def manage(kind: str, item: Category | Tag):
    """The management page of one category or tag, and the action its form asked for."""
    rename_form, merge_form = RenameForm(prefix="rename"), MergeForm(prefix="merge")
    if rename_form.name.data is None:
        rename_form.name.data = item.name  # shown as it is, unless the editor typed a new one
    if request.method == "GET":
        return render_manage(kind, item, rename_form, merge_form)
    action = request.form.get("action")
    done = {"rename": lambda: rename(kind, item, rename_form), "merge": lambda: merge(kind, item, merge_form),
            "delete": lambda: delete(kind, item)}.get(action)
    if done is None:
        abort(400)
    return done() or render_manage(kind, item, rename_form, merge_form, 400)


def render_manage(kind: str, item: Category | Tag, rename_form, merge_form, status: int = 200):
    """The page of one category or tag with its counts and three forms."""
    published, unpublished = KINDS[kind][0].counts_for([item.id])[item.id]
    return render_template("newsroom/labels/manage.html", kind=kind, item=item, rename_form=rename_form, merge_form=merge_form,
                           delete_form=EmptyForm(), published=published, unpublished=unpublished,
                           reader_endpoint=KINDS[kind][2]), status


def name_problem(kind: str, name: str) -> str | None:
    """Why a name cannot be a category's or a tag's, or None."""
    if kind == "tag":
        return tag_problem(name)
    if not slugify(name):
        return "Use at least one letter or digit in the name."
    return None if len(name) <= CATEGORY_NAME_MAX else f"A category can have at most {CATEGORY_NAME_MAX} characters."


def rename(kind: str, item: Category | Tag, form: RenameForm):
    """Give the item a new name and address; the old address answers 301. None when the form is refused."""
    if not form.validate_on_submit():
        return None
    model, tidy_name, endpoint = KINDS[kind]
    name = tidy_name(form.name.data)
    problem = name_problem(kind, name)
    holder = model.by_slug(slugify(name)) if not problem else None
    if holder is not None and holder.id != item.id:
        problem = f"The {kind} “{holder.name}” already has this address: merge into it instead."
    if problem:
        form.name.errors.append(problem[0].upper() + problem[1:])
        return None
    old_name, old_slug = item.name, item.slug
    item.rename(name)
    db.session.commit()
    moved = f" Its old address {unquote(url_for(endpoint, slug=old_slug))} leads to the new one." if old_slug != item.slug else ""
    flash(f"“{old_name}” is now “{item.name}”.{moved}", "info")
    return redirect(url_for(f"labels.{kind}", item_id=item.id))


def merge(kind: str, item: Category | Tag, form: MergeForm):
    """Merge the item into the one named; its articles move and its address answers 301. None when refused."""
    if not form.validate_on_submit():
        return None
    model = KINDS[kind][0]
    target = model.by_slug(slugify(KINDS[kind][1](form.target.data)))
    if target is None or target.id == item.id:
        form.target.errors.append(f"Name another existing {kind}." if target else f"There is no {kind} of that name.")
        return None
    name = item.name
    item.merge_into(target)
    db.session.commit()
    flash(f"“{name}” is merged into “{target.name}”; its articles and its address now belong to it.", "info")
    return redirect(url_for(f"labels.{kind}", item_id=target.id))


def delete(kind: str, item: Category | Tag):
    """Delete an item no article uses; one still in use is kept, with a message."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    list_endpoint = "labels.categories" if kind == "category" else "labels.tags"
    if item.article_count():
        flash(f"“{item.name}” is still used by articles: merge it into another {kind} instead.", "error")
        return redirect(url_for(f"labels.{kind}", item_id=item.id))
    db.session.delete(item)
    db.session.commit()
    flash(f"The {kind} “{item.name}” is deleted.", "info")
    return redirect(url_for(list_endpoint))
