"""The newsroom's pictures: the media page, and the upload that article pages send to it."""

from __future__ import annotations

import re

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from models import Picture, db
from newsroom.forms import PictureForm
from newsroom.guard import guard_newsroom, page_number
from services.media import UPLOAD_MAX_BYTES, PictureRefused, Upload, store_upload
from web.errors import render_error

bp = Blueprint("pictures", __name__, url_prefix="/admin")
guard_newsroom(bp)

UPLOAD_ENDPOINT = "pictures.upload"
# The newsroom pages an upload may return to: the media page and an article's form.
BACK_PATHS = re.compile(r"/admin/(?:media|articles/[0-9]{1,18}/edit)")


def allow_large_upload() -> None:
    """The upload route alone takes bodies up to 15 MB; every other route keeps MAX_CONTENT_LENGTH."""
    if request.endpoint == UPLOAD_ENDPOINT:
        request.max_content_length = UPLOAD_MAX_BYTES


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A picture file over 15 MB: the editor is told the limit, and that nothing was stored."""
    if request.endpoint != UPLOAD_ENDPOINT:
        return render_error(413)
    message = (f"This picture file is larger than the {UPLOAD_MAX_BYTES // (1024 * 1024)} MB the site accepts, "
               "so nothing was stored. Make it smaller and upload it again.")
    return render_error(413, message, back=(url_for("pictures.media"), "Back to the media page"))


@bp.get("/media")
def media():
    """Every picture uploaded, newest first, with where it is used and the Markdown to paste it."""
    return render_media(PictureForm(formdata=None))


def render_media(form: PictureForm, status: int = 200):
    """The media page: the upload form (with any refusal) and one page of pictures."""
    page = db.paginate(Picture.newest_first(), page=page_number(), per_page=current_app.config["MEDIA_PICTURES_PER_PAGE"])
    return render_template("newsroom/pictures/media.html", form=form, page=page, usage=Picture.usage_of(page.items),
                           back=back_path(form)), status


def back_path(form: PictureForm) -> str:
    """Where to go after an upload: the newsroom page it was made from, else the media page."""
    return form.back.data if BACK_PATHS.fullmatch(form.back.data or "") else url_for("pictures.media")


@bp.post("/media")
def upload():
    """Check and store one picture, in a request of its own; a refusal stores nothing and keeps what was typed."""
    form = PictureForm()
    if not form.validate_on_submit():
        return render_media(form, 400)
    try:
        picture, new = store_upload(Upload(form.picture.data.stream, form.alt.data, form.caption.data or "",
                                           form.credit.data or ""))
    except PictureRefused as refusal:
        form.picture.errors.append(str(refusal))
        return render_media(form, 400)
    flash(("Picture uploaded." if new else "This picture was uploaded before; it is stored once, as it was.")
          + f" To show it in a body, paste: {picture.markdown()}", "info")
    target = back_path(form)
    return redirect(target + f"#picture-{picture.id}" if target == url_for("pictures.media") else target)


def init_app(app: Flask) -> None:
    """Register the blueprint; the upload's own size limit is set before CSRF reads any form."""
    app.before_request(allow_large_upload)
    app.register_blueprint(bp)
