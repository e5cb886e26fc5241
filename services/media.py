"""Pictures: checking an upload, making its variants, storing them by content hash, and collecting unused ones.

Only files this module encoded are ever stored or served: the uploaded bytes are read, decoded whole
by Pillow and thrown away. A picture's files live under MEDIA_ROOT as <hash[:2]>/<hash>-<variant>.<ext>,
named from the hash alone, so no part of a request path ever reaches the file system.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy.exc import IntegrityError

from content.text import now_utc
from models import (
    LINKED_HASH,
    MEDIA_NAME,
    MEDIA_PATH,
    PICTURE_HASH_LENGTH,
    PICTURE_PREVIEW_WIDTH,
    PICTURE_WIDTHS,
    PREVIEW_ENDING,
    Article,
    Picture,
    db,
    media_name,
    webp_ending,
)

UPLOAD_MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Pillow warns past this many pixels and refuses twice as many; catch_warnings below makes the warning a refusal too.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
WEBP_QUALITY = 82
JPEG_QUALITY = 85
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
MEDIA_TYPES = {"webp": "image/webp", "jpg": "image/jpeg"}
# Anything Pillow's decoders raise on a damaged or hostile file; none of it may become a 500.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, struct.error,
                 Image.DecompressionBombError, Image.DecompressionBombWarning)

NOT_A_PICTURE = "This file is not a JPEG, PNG or WebP picture, whatever its name says. Nothing was stored."
DAMAGED = "This picture could not be read to its end: it is damaged or cut short. Nothing was stored."
TOO_MANY_PIXELS = (f"This picture has more than {MAX_PIXELS // 1_000_000} million pixels, more than the site takes. "
                   "Make it smaller and upload it again. Nothing was stored.")
UNCONVERTIBLE = "This picture's colour format cannot be converted for the web. Save it as an ordinary JPEG or PNG."
STILL_ONLY = "Only still images are taken: this one is animated (several frames). Nothing was stored."
GIF_REFUSED = "GIF pictures are not taken: upload a JPEG, PNG or WebP. Nothing was stored."
SVG_REFUSED = "SVG drawings are not taken: upload a JPEG, PNG or WebP. Nothing was stored."


class PictureRefused(ValueError):
    """An upload that is not a picture the site takes; its message is what the editor is told."""


@dataclass
class Upload:
    """What the editor typed about a picture, with its file."""

    stream: BinaryIO
    alt: str
    caption: str = ""
    credit: str = ""


# --- Reading an upload ---------------------------------------------------------------------------------------


def refuse_by_signature(head: bytes) -> None:
    """Name the kinds people often try (GIF, SVG) rather than calling them unreadable."""
    if head.startswith((b"GIF87a", b"GIF89a")):
        raise PictureRefused(GIF_REFUSED)
    if b"<svg" in head.lower() or head.lstrip().startswith(b"<?xml"):
        raise PictureRefused(SVG_REFUSED)


def decode_picture(data: bytes) -> Image.Image:
    """The upright picture decoded whole from the uploaded bytes; PictureRefused saying why it cannot be."""
    refuse_by_signature(data[:512])
    with warnings.catch_warnings():
        # Pillow's decompression-bomb warning (over MAX_PIXELS) must refuse the file, not just be logged.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = open_accepted(data)
        # A camera's MPO is a JPEG with extra frames (previews, depth): its first frame is the picture.
        if getattr(image, "n_frames", 1) > 1 and image.format != "MPO":
            raise PictureRefused(STILL_ONLY)
        try:
            image.load()  # decodes every pixel: a truncated or forged file fails here
            return ImageOps.exif_transpose(image)
        except DECODE_ERRORS:
            raise PictureRefused(DAMAGED) from None


def open_accepted(data: bytes) -> Image.Image:
    """Pillow's reading of the header, for the accepted formats alone, within the pixel cap."""
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureRefused(TOO_MANY_PIXELS) from None
    except (UnidentifiedImageError, *DECODE_ERRORS):
        raise PictureRefused(NOT_A_PICTURE) from None
    if image.width * image.height > MAX_PIXELS:
        raise PictureRefused(TOO_MANY_PIXELS)
    return image


def content_hash(data: bytes) -> str:
    """The name a picture's files share: the start of the SHA-256 of the uploaded bytes."""
    return hashlib.sha256(data).hexdigest()[:PICTURE_HASH_LENGTH]


# --- Making the variants ---------------------------------------------------------------------------------


def bare_copy(image: Image.Image) -> Image.Image:
    """The pixels alone in sRGB, RGB or RGBA: no EXIF, GPS, comments, XMP or colour profile goes with them."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    profile = image.info.get("icc_profile")
    converted = image.convert("RGBA" if has_alpha else "RGB")
    converted.info = {}
    return in_srgb(converted, profile) if profile else converted


def in_srgb(image: Image.Image, profile: bytes) -> Image.Image:
    """The picture's colours moved from its embedded profile (a phone's Display P3) to sRGB, which needs no profile."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        return ImageCms.profileToProfile(image, source, SRGB, outputMode=image.mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # a profile that cannot be read: the pixels as they are beat a refusal


def scaled(image: Image.Image, width: int) -> Image.Image:
    """The picture at `width` pixels wide (never wider than it is), its proportions kept."""
    width = min(width, image.width)
    if width == image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def on_white(image: Image.Image) -> Image.Image:
    """A transparent picture laid on white, for the JPEG that link previews show."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, "white")
    background.paste(image, mask=image.getchannel("A"))
    return background


def encode_variants(image: Image.Image) -> dict[str, bytes]:
    """Every file a picture is served as, by its name's ending ('960.webp'), re-encoded with no metadata."""
    files = {}
    for width in sorted(PICTURE_WIDTHS, reverse=True):
        out = io.BytesIO()
        scaled(image, width).save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        files[webp_ending(width)] = out.getvalue()
    out = io.BytesIO()
    on_white(scaled(image, PICTURE_PREVIEW_WIDTH)).save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    files[PREVIEW_ENDING] = out.getvalue()
    return files


# --- Storing ---------------------------------------------------------------------------------------------


def media_root() -> Path:
    """The folder every app server stores pictures in (MEDIA_ROOT)."""
    return Path(current_app.config["MEDIA_ROOT"])


def file_path(picture_hash: str, ending: str) -> Path:
    """Where one of a picture's files lives, built from its hash and a fixed ending alone."""
    return media_root() / picture_hash[:2] / media_name(picture_hash, ending)


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file whole or not at all: a reader on another server never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def store_upload(upload: Upload) -> tuple[Picture, bool]:
    """Check, re-encode and store an upload: (its Picture, True when it is new). PictureRefused stores nothing."""
    data = upload.stream.read(UPLOAD_MAX_BYTES + 1)
    picture_hash = content_hash(data)
    if existing := Picture.by_hash(picture_hash):
        return existing, False
    image = decode_picture(data)
    try:
        files = encode_variants(bare_copy(image))
    except DECODE_ERRORS:
        raise PictureRefused(UNCONVERTIBLE) from None
    for ending, encoded in files.items():
        write_atomically(file_path(picture_hash, ending), encoded)
    picture = Picture(hash=picture_hash, width=image.width, height=image.height, alt=upload.alt,
                      caption=upload.caption, credit=upload.credit)
    db.session.add(picture)
    try:
        db.session.commit()
    except IntegrityError:
        # Another server stored the same picture a moment ago: the files are the same, keep its row.
        db.session.rollback()
        return Picture.by_hash(picture_hash), False
    return picture, True


def served_file(name: str) -> tuple[Path, str] | None:
    """(path, content type) of a served name such as '<hash>-960.webp', or None when the name is not one of ours."""
    match = MEDIA_NAME.fullmatch(name)
    if not match:
        return None
    ending = match[2]
    path = file_path(match[1], ending)
    return (path, MEDIA_TYPES[ending.rsplit(".", 1)[1]]) if path.is_file() else None


# --- Collecting unused pictures --------------------------------------------------------------------------


def referenced_hashes() -> set[str]:
    """The hashes some article uses, in its body or as its lead picture (drafts and scheduled ones too)."""
    # Revisions, once kept, join here: a picture an old version shows is still in use.
    used = set(db.session.execute(db.select(Picture.hash).join(Article, Article.lead_picture_id == Picture.id))
               .scalars())
    bodies = db.session.execute(db.select(Article.body_source).where(Article.body_source.contains(MEDIA_PATH)))
    for (body,) in bodies:
        used.update(LINKED_HASH.findall(body))
    return used


def collect_garbage(grace: timedelta) -> list[str]:
    """Delete the pictures and files no article uses and older than `grace`; the names removed, sorted."""
    cutoff = now_utc() - grace
    used = referenced_hashes()
    removed = []
    for picture in Picture.uploaded_before(cutoff):
        if picture.hash not in used:
            db.session.delete(picture)
            removed += remove_files(picture.hash)
    db.session.commit()
    known = set(db.session.execute(db.select(Picture.hash)).scalars())
    removed += remove_stray_files(known | used, cutoff)
    return sorted(removed)


def remove_files(picture_hash: str) -> list[str]:
    """Delete a picture's files; the names of those that were there."""
    removed = []
    folder = media_root() / picture_hash[:2]
    for path in folder.glob(f"{picture_hash}-*") if folder.is_dir() else ():
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def remove_stray_files(kept: set[str], cutoff: datetime) -> list[str]:
    """Delete files older than the cutoff that belong to no stored picture (an upload whose save failed)."""
    removed = []
    root = media_root()
    for path in root.glob("*/*") if root.is_dir() else ():
        match = MEDIA_NAME.fullmatch(path.name)
        stray = (match is None and path.name.startswith(".upload-")) or (match and match[1] not in kept)
        if stray and datetime.fromtimestamp(path.stat().st_mtime, UTC) < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed
