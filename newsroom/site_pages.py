"""The newsroom's own pages (About, Contact, Corrections policy, Privacy ...): write, publish, order, delete.

Editors and admins only. Readers see a published page at /<slug> (readers/pages.py); the footer lists the
published pages that have a place, in the order of their places.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from content.text import now_utc
from models import MAX_ID, SitePage, db
from newsroom.forms import SitePageForm
from newsroom.guard import guard_newsroom
from web.forms import EmptyForm

bp = Blueprint("site_pages", __name__, url_prefix="/admin/pages")
guard_newsroom(bp)

ID = f"<int(max={MAX_ID}):page_id>"


@bp.get("/")
def pages():
    """Every page: footer ones first in footer order, then the rest."""
    return render_template("newsroom/site_pages/pages.html", pages=SitePage.for_newsroom())


@bp.route("/new", methods=["GET", "POST"])
def new_page():
    """The form for a new page, saved as a draft unless published."""
    form = SitePageForm()
    if form.validate_on_submit():
        page = SitePage()
        db.session.add(page)
        return saved(page, form, "created")
    return render_template("newsroom/site_pages/edit.html", form=form, page=None), 400 if form.errors else 200


@bp.route(f"/{ID}", methods=["GET", "POST"])
def edit_page(page_id: int):
    """One page's form: change its words, address, footer place, or publish or unpublish it."""
    page = db.get_or_404(SitePage, page_id)
    form = SitePageForm(page=page)
    if form.validate_on_submit():
        return saved(page, form, "saved")
    return render_template("newsroom/site_pages/edit.html", form=form, page=page), 400 if form.errors else 200


def saved(page: SitePage, form: SitePageForm, done: str):
    """Fill the page from the form, commit (the write pipeline renders readers' pages afresh), and say so."""
    page.title, page.slug = form.title.data, form.address()
    page.set_body(form.body.data)
    page.footer_place, page.published = form.footer_place.data, form.published.data
    page.updated_at = now_utc()
    db.session.commit()
    state = f"published at /{page.slug}" if page.published else "a draft readers cannot see"
    flash(f"“{page.title}” is {done}: {state}.", "info")
    return redirect(url_for("site_pages.edit_page", page_id=page.id), 303)


@bp.get(f"/{ID}/preview")
def preview_page(page_id: int):
    """The page as readers will see it, a draft too."""
    page = db.get_or_404(SitePage, page_id)
    return render_template("readers/site_page.html", page=page, preview=True)


@bp.post(f"/{ID}/delete")
def delete_page(page_id: int):
    """Delete a page; its address is a 404 from now on."""
    page = db.get_or_404(SitePage, page_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(page)
    db.session.commit()
    flash(f"The page “{page.title}” is deleted.", "info")
    return redirect(url_for("site_pages.pages"), 303)
