"""Pictures: uploads checked and re-encoded, refusals, serving by hash, the pages that show them, media-gc."""

from __future__ import annotations

import io
import os
import re
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from content.text import now_utc
from models import Article, Picture, db
from services.media import MAX_PIXELS, UPLOAD_MAX_BYTES
from tests.conftest import csrf_token_of

RED, BLUE = (220, 20, 20), (20, 20, 220)


def picture_bytes(size=(1200, 800), kind="JPEG", colour=RED, **save) -> bytes:
    """A real picture made here with Pillow: left half `colour`, right half blue."""
    image = Image.new("RGB", size, BLUE)
    image.paste(colour, (0, 0, size[0] // 2, size[1]))
    out = io.BytesIO()
    image.save(out, kind, **save)
    return out.getvalue()


def camera_jpeg() -> bytes:
    """A landscape JPEG a phone held upright would write: EXIF orientation 6, a GPS position, a camera name."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
    }
    # Stored sideways: 1000 wide, 600 high, red on the left, which is the top once turned upright.
    return picture_bytes((1000, 600), exif=exif.tobytes(), comment=b"shot at home")


def animated(kind: str) -> bytes:
    """A two-frame animation in `kind` (WEBP or PNG)."""
    frames = [Image.new("RGB", (64, 64), RED), Image.new("RGB", (64, 64), BLUE)]
    out = io.BytesIO()
    frames[0].save(out, kind, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def png_header_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares a size, followed by almost nothing: a decompression bomb's first bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        """One PNG chunk: length, type, data, CRC."""
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.fixture
def upload(admin_client):
    """Send a picture through the media page's form as an editor would; returns the response."""
    def send(data: bytes, filename: str = "photo.jpg", alt: str | None = "A bridge over the river", **fields):
        token = csrf_token_of(admin_client.get("/admin/media"))
        form = {"csrf_token": token, "picture": (io.BytesIO(data), filename), **fields}
        if alt is not None:
            form["alt"] = alt
        return post_multipart(admin_client, form)
    return send


def post_multipart(client, form: dict):
    """POST a multipart form encoded in memory (the test client's own encoding leaves a temp file open)."""
    files = {name: FileStorage(value[0], filename=value[1]) for name, value in form.items() if isinstance(value, tuple)}
    boundary, body = encode_multipart({**form, **files})
    return client.post("/admin/media", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def stored_files(app) -> list[str]:
    """Every file under MEDIA_ROOT, by name."""
    root = Path(app.config["MEDIA_ROOT"])
    return sorted(path.name for path in root.rglob("*") if path.is_file())


def served(client, url: str):
    """A served file's response, read and closed (a file response holds its file open until closed)."""
    with client.get(url) as response:
        response.get_data()
    return response


def fetch_image(client, url: str) -> tuple[Image.Image, bytes]:
    """A served file, decoded, with its bytes."""
    response = served(client, url)
    assert response.status_code == 200, url
    return Image.open(io.BytesIO(response.data)), response.data


# --- Uploading ------------------------------------------------------------------------------------------


def test_media_are_stored_in_the_tests_own_folder(app, tmp_path):
    assert Path(app.config["MEDIA_ROOT"]).is_relative_to(tmp_path)


def test_a_camera_picture_is_served_upright_and_bare_in_every_variant(app, upload, client):
    response = upload(camera_jpeg(), caption="The old bridge", credit="Ana Ruiz")
    assert response.status_code == 302
    picture = db.session.execute(db.select(Picture)).scalar_one()
    # Turned upright: 600 wide, 1000 high.
    assert (picture.width, picture.height, picture.caption, picture.credit) == (600, 1000, "The old bridge", "Ana Ruiz")
    for url, width in [(picture.url("480.webp"), 480), (picture.url("960.webp"), 600),
                       (picture.url("1600.webp"), 600), (picture.preview_url(), 600)]:
        image, data = fetch_image(client, url)
        assert image.size == (width, round(1000 * width / 600)), url
        top, bottom = image.convert("RGB").getpixel((width // 2, 5)), image.convert("RGB").getpixel((width // 2, image.height - 5))
        assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0], f"{url} is not upright: {top} {bottom}"
        assert len(image.getexif()) == 0 and not image.info.get("exif") and not image.info.get("icc_profile")
        assert b"PhoneMaker" not in data and b"GPS" not in data and b"shot at home" not in data
    assert picture.preview_size() == (600, 1000)


def test_a_colour_profile_is_applied_to_the_pixels_and_not_stored(app, upload, client):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    upload(picture_bytes((600, 400), "PNG", colour=(128, 128, 128), icc_profile=srgb.tobytes()), filename="p.png")
    picture = db.session.execute(db.select(Picture)).scalar_one()
    image, data = fetch_image(client, picture.src(480))
    assert "icc_profile" not in image.info
    assert all(abs(a - 128) <= 3 for a in image.convert("RGB").getpixel((10, 10)))


def test_variants_are_webp_at_three_widths_and_one_jpeg_for_previews(app, upload, client):
    upload(picture_bytes((2400, 1600), "PNG"), filename="wide.png")
    picture = db.session.execute(db.select(Picture)).scalar_one()
    assert stored_files(app) == sorted(f"{picture.hash}-{end}" for end in ("480.webp", "960.webp", "1600.webp", "1200.jpg"))
    sizes = {end: fetch_image(client, picture.url(end))[0] for end in ("480.webp", "960.webp", "1600.webp", "1200.jpg")}
    assert {end: (image.format, image.size) for end, image in sizes.items()} == {
        "480.webp": ("WEBP", (480, 320)), "960.webp": ("WEBP", (960, 640)),
        "1600.webp": ("WEBP", (1600, 1067)), "1200.jpg": ("JPEG", (1200, 800))}
    assert picture.srcset() == (f"/media/{picture.hash}-480.webp 480w, /media/{picture.hash}-960.webp 960w, "
                                f"/media/{picture.hash}-1600.webp 1600w")


def test_the_editor_is_told_the_markdown_to_paste(upload, admin_client):
    response = upload(picture_bytes(), follow_redirects=False)
    picture = db.session.execute(db.select(Picture)).scalar_one()
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    markdown = f"![A bridge over the river](/media/{picture.hash}-960.webp)"
    assert "Picture uploaded." in page and page.count(markdown) == 2  # the message, and the picture's own line


def test_the_same_picture_uploaded_twice_is_stored_once(app, upload, admin_client):
    data = picture_bytes()
    upload(data)
    files = stored_files(app)
    response = upload(data, alt="Another description")
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This picture was uploaded before; it is stored once" in page
    assert db.session.execute(db.select(db.func.count(Picture.id))).scalar_one() == 1
    assert stored_files(app) == files


def test_a_picture_larger_than_other_forms_may_be_is_taken_by_the_upload_alone(app, upload, client, make_article):
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert len(out.getvalue()) > app.config["MAX_CONTENT_LENGTH"]
    assert upload(out.getvalue(), filename="noise.png").status_code == 302
    assert db.session.execute(db.select(Picture)).scalar_one().width == 700
    # Every other route keeps its own limit.
    article = make_article("Open for comments")
    response = client.post(f"/articles/{article.slug}/comments", data={"body": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert response.status_code == 413


REFUSED = {
    "a text file named .jpg": (lambda: b"just some words, not a picture\n" * 10, "photo.jpg",
                               "not a JPEG, PNG or WebP picture, whatever its name says"),
    "a truncated JPEG": (lambda: picture_bytes((800, 600), quality=95)[:6000], "cut.jpg", "damaged or cut short"),
    "over the pixel cap": (lambda: picture_bytes((8000, 5001), "PNG"), "huge.png", "more than 40 million pixels"),
    "a header declaring 50,000 x 50,000": (lambda: png_header_declaring(50_000, 50_000), "bomb.png",
                                           "more than 40 million pixels"),
    "an SVG": (lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
               "drawing.svg", "SVG drawings are not taken"),
    "an SVG named .png": (lambda: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "x.png",
                          "SVG drawings are not taken"),
    "a GIF": (lambda: picture_bytes((50, 50), "GIF"), "still.gif", "GIF pictures are not taken"),
    "a multi-frame WebP": (lambda: animated("WEBP"), "moving.webp", "Only still images are taken"),
    "a multi-frame PNG": (lambda: animated("PNG"), "moving.png", "Only still images are taken"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_each_refused_file_is_told_and_nothing_is_stored(app, upload, case):
    make, filename, message = REFUSED[case]
    response = upload(make(), filename=filename, caption="Kept caption")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page and "Nothing was stored." in page
    assert 'value="Kept caption"' in page and 'value="A bridge over the river"' in page  # what was typed is kept
    assert db.session.execute(db.select(Picture)).first() is None
    assert stored_files(app) == []


def test_the_pixel_cap_is_forty_megapixels():
    assert MAX_PIXELS == 40_000_000 and Image.MAX_IMAGE_PIXELS == MAX_PIXELS


def test_an_upload_without_alt_text_is_refused(app, upload):
    response = upload(picture_bytes(), alt="   ")
    assert response.status_code == 400
    assert "Please describe the picture for readers who cannot see it (alt text)." in response.get_data(as_text=True)
    assert db.session.execute(db.select(Picture)).first() is None and stored_files(app) == []


def test_alt_text_over_300_characters_is_refused(app, upload):
    response = upload(picture_bytes(), alt="a" * 301)
    assert "Alt text can be at most 300 characters; this one has 301." in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_an_upload_with_no_file_is_refused(upload, admin_client):
    token = csrf_token_of(admin_client.get("/admin/media"))
    response = admin_client.post("/admin/media", data={"csrf_token": token, "alt": "Something"},
                                 content_type="multipart/form-data")
    assert response.status_code == 400 and "Please choose a picture file." in response.get_data(as_text=True)


def test_a_file_over_15_mb_gets_the_413_page_saying_so(app, admin_client):
    token = csrf_token_of(admin_client.get("/admin/media"))
    big = io.BytesIO(b"\xff\xd8" + b"\0" * UPLOAD_MAX_BYTES)
    response = post_multipart(admin_client, {"csrf_token": token, "alt": "Big", "picture": (big, "big.jpg")})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than the 15 MB the site accepts, so nothing was stored" in page
    assert 'href="/admin/media"' in page and stored_files(app) == []


def test_uploading_needs_a_signed_in_editor(app, client):
    token = csrf_token_of(client.get("/admin/login"))
    response = post_multipart(client, {"csrf_token": token, "alt": "x", "picture": (io.BytesIO(picture_bytes()), "a.jpg")})
    assert response.status_code in (302, 303) and "/admin/login" in response.headers["Location"]
    assert stored_files(app) == []


# --- Serving ----------------------------------------------------------------------------------------


def test_media_are_served_by_hash_cached_for_a_year_with_their_type(upload, client):
    upload(picture_bytes())
    picture = db.session.execute(db.select(Picture)).scalar_one()
    webp, jpeg = served(client, picture.src(960)), served(client, picture.preview_url())
    assert webp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert (webp.mimetype, jpeg.mimetype) == ("image/webp", "image/jpeg")
    assert webp.headers["X-Content-Type-Options"] == "nosniff"
    assert webp.data[:4] == b"RIFF" and jpeg.data[:2] == b"\xff\xd8"


@pytest.mark.parametrize("name", [
    "0" * 32 + "-960.webp", "{hash}-961.webp", "{hash}-960.jpg", "{hash}-1200.webp", "{hash}-960.WEBP",
    "{HASH}-960.webp", "{hash}-960.webp.png", "..%2F..%2Fnews.sqlite3", "%2E%2E", "{hash}", "{short}-960.webp",
])
def test_only_our_own_names_reach_a_file(upload, client, name):
    upload(picture_bytes())
    picture = db.session.execute(db.select(Picture)).scalar_one()
    url = "/media/" + name.format(hash=picture.hash, HASH=picture.hash.upper(), short=picture.hash[:31])
    response = client.get(url)
    assert response.status_code == 404 and "There is no page at this address" in response.get_data(as_text=True)


# --- Showing ------------------------------------------------------------------------------------------


@pytest.fixture
def pictured_article(upload, make_article):
    """A published article with a lead picture, caption and credit, and a second picture in its body."""
    upload(picture_bytes((2000, 1000)), alt="Flood water on Main Street", caption="Main Street at noon",
           credit="Photo: Ana Ruiz")
    lead = Picture.by_hash(db.session.execute(db.select(Picture.hash)).scalar_one())
    upload(picture_bytes((800, 600), colour=(10, 200, 10)), alt="The pump house")
    body_picture = db.session.execute(db.select(Picture).where(Picture.alt == "The pump house")).scalar_one()
    article = make_article("River floods the town", body=f"Water rose overnight.\n\n{body_picture.markdown()}")
    article.lead_picture = lead
    db.session.commit()
    return article, lead, body_picture


def img_tags(html: str) -> list[str]:
    """Every <img> tag on a page."""
    return re.findall(r"<img\b[^>]*>", html)


def test_the_lead_picture_opens_the_article_in_a_figure_and_loads_first(client, pictured_article):
    article, lead, body_picture = pictured_article
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    figure = re.search(r'<figure class="lead-picture">(.*?)</figure>', html, re.S)[1]
    tag = img_tags(figure)[0]
    assert f'src="/media/{lead.hash}-960.webp"' in tag
    assert f'srcset="/media/{lead.hash}-480.webp 480w, /media/{lead.hash}-960.webp 960w, /media/{lead.hash}-1600.webp 1600w"' in tag
    assert 'sizes="(min-width: 760px) 720px, 100vw"' in tag
    assert 'width="960"' in tag and 'height="480"' in tag and 'alt="Flood water on Main Street"' in tag
    assert 'decoding="async"' in tag and "loading=" not in tag
    assert re.search(r"<figcaption>Main Street at noon <span class=\"credit\">Photo: Ana Ruiz</span></figcaption>", figure)
    # The picture in the body is the editor's Markdown, kept by the sanitizer as a path on this site.
    body = re.search(r'<div class="body">(.*?)</div>', html, re.S)[1]
    assert f'<img src="/media/{body_picture.hash}-960.webp" alt="The pump house">' in body


def test_listings_show_a_small_lazy_picture_and_the_front_page_only_its_leads(client, pictured_article, make_article):
    article, lead, _ = pictured_article
    make_article("Council meets", age=timedelta(minutes=5))  # newer: the front page's lead, with no picture
    category = client.get(f"/categories/{article.category.slug}").get_data(as_text=True)
    tag = [t for t in img_tags(category) if lead.hash in t][0]
    assert f'src="/media/{lead.hash}-480.webp"' in tag and 'width="480"' in tag and 'height="240"' in tag
    assert 'loading="lazy"' in tag and 'decoding="async"' in tag and 'alt="Flood water on Main Street"' in tag
    assert 'sizes="(min-width: 600px) 200px, 100vw"' in tag
    # Beside the lead, a story is its headline: the front page shows the lead's picture alone.
    home = client.get("/").get_data(as_text=True)
    assert article.title in home and lead.hash not in home


def test_the_front_page_lead_shows_its_picture_large_and_at_once(client, pictured_article):
    _, lead, _ = pictured_article
    home = client.get("/").get_data(as_text=True)
    lead_item = re.search(r'<article class="item lead with-picture">(.*?)</article>', home, re.S)[1]
    tag = img_tags(lead_item)[0]
    assert f'src="/media/{lead.hash}-960.webp"' in tag and 'sizes="(min-width: 64rem) 44rem, 100vw"' in tag
    assert "loading=" not in tag and 'fetchpriority="high"' in tag and 'width="960"' in tag


def test_listings_load_pictures_without_a_query_per_article(client, make_article, count_queries):
    def pictured(numbers) -> None:
        """Published articles, each with a lead picture of its own."""
        for number in numbers:
            picture = Picture(hash=f"{number:032x}", width=800, height=600, alt=f"Picture {number}")
            make_article(f"Pictured {number}").lead_picture = picture
        db.session.commit()

    pictured(range(1, 3))
    with count_queries() as few:
        listing = client.get("/categories/politics").get_data(as_text=True)
    pictured(range(3, 15))
    with count_queries() as many:
        client.get("/categories/politics")
    assert f"/media/{1:032x}-480.webp" in listing
    assert len(many) == len(few)


# --- The article form and the media page --------------------------------------------------------


def test_the_article_form_picks_its_lead_picture_from_the_uploads(admin_client, upload, make_article):
    upload(picture_bytes(), alt="Harbour at dawn")
    picture = db.session.execute(db.select(Picture)).scalar_one()
    article = make_article("Harbour news")
    page = admin_client.get(f"/admin/articles/{article.id}/edit").get_data(as_text=True)
    assert f'<option value="{picture.id}">Harbour at dawn (1200×800)</option>' in page
    token = csrf_token_of(admin_client.get(f"/admin/articles/{article.id}/edit"))
    form = {"csrf_token": token, "title": "Harbour news", "category": "Politics", "body": "Boats came in.",
            "status": "published", "lead_picture": str(picture.id), "action": "save"}
    response = admin_client.post(f"/admin/articles/{article.id}/edit", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Article, article.id).lead_picture_id == picture.id
    form["lead_picture"] = str(picture.id + 100)
    refused = admin_client.post(f"/admin/articles/{article.id}/edit", data=form)
    assert refused.status_code == 400 and "This picture is no longer in the media library." in refused.get_data(as_text=True)


def test_the_article_page_of_the_newsroom_has_its_own_upload_form_outside_the_article_form(admin_client, make_article):
    article = make_article("Harbour news")
    page = admin_client.get(f"/admin/articles/{article.id}/edit").get_data(as_text=True)
    article_form = re.search(r'<form class="form editor".*?</form>', page, re.S)[0]
    assert 'type="file"' not in article_form and "multipart" not in article_form
    upload_form = re.search(r'<form class="form upload-form"[^>]*>.*?</form>', page, re.S)[0]
    assert 'action="/admin/media"' in upload_form and 'enctype="multipart/form-data"' in upload_form
    assert f'name="back" type="hidden" value="/admin/articles/{article.id}/edit"' in upload_form
    assert page.count('id="csrf_token"') == 1  # ids stay unique with two forms on the page


def test_an_upload_from_the_article_page_returns_to_it(upload, make_article):
    article = make_article("Harbour news")
    response = upload(picture_bytes(), back=f"/admin/articles/{article.id}/edit")
    assert response.headers["Location"] == f"/admin/articles/{article.id}/edit"
    elsewhere = upload(picture_bytes(colour=(0, 200, 0)), back="https://evil.example/")
    assert elsewhere.headers["Location"].startswith("/admin/media#picture-")


def test_a_refusal_from_the_article_page_links_back_to_that_article_only(upload, make_article):
    article = make_article("Harbour news")
    refused = upload(b"not a picture", back=f"/admin/articles/{article.id}/edit").get_data(as_text=True)
    assert f'<a href="/admin/articles/{article.id}/edit">Back to the article</a>' in refused
    forged = upload(b"not a picture", back="javascript:alert(1)").get_data(as_text=True)
    assert "Back to the article" not in forged and 'href="javascript' not in forged


def test_the_preview_shows_the_chosen_lead_picture_and_saves_nothing(admin_client, upload, make_article):
    upload(picture_bytes(), alt="Harbour at dawn", caption="Early boats")
    picture = db.session.execute(db.select(Picture)).scalar_one()
    article = make_article("Harbour news")
    token = csrf_token_of(admin_client.get(f"/admin/articles/{article.id}/edit"))
    html = admin_client.post(f"/admin/articles/{article.id}/edit", data={
        "csrf_token": token, "title": "Harbour news", "category": "Politics", "body": "Boats came in.",
        "status": "published", "lead_picture": str(picture.id), "action": "preview"}).get_data(as_text=True)
    assert '<figure class="lead-picture">' in html and "<figcaption>Early boats</figcaption>" in html
    db.session.expire_all()
    assert db.session.get(Article, article.id).lead_picture_id is None


def test_media_root_defaults_to_the_instance_folder_and_reads_relative_paths_from_it(tmp_path):
    from app import create_app
    from tests.conftest import settings_for_tests

    settings = settings_for_tests(tmp_path)
    del settings["MEDIA_ROOT"]
    assert create_app(settings).config["MEDIA_ROOT"] == f"{tmp_path}/media"
    assert create_app(settings_for_tests(tmp_path, MEDIA_ROOT="pictures")).config["MEDIA_ROOT"] == f"{tmp_path}/pictures"
    assert create_app(settings_for_tests(tmp_path, MEDIA_ROOT="/srv/media")).config["MEDIA_ROOT"] == "/srv/media"


def test_the_media_page_lists_each_upload_with_where_it_is_used(admin_client, pictured_article, upload):
    article, lead, body_picture = pictured_article
    upload(picture_bytes(colour=(0, 0, 0)), alt="Unused picture")
    page = admin_client.get("/admin/media").get_data(as_text=True)
    item = {alt: re.search(rf'<li class="media-item"[^>]*>(?:(?!</li>\s*</ul>).)*?{alt}.*?</div>\s*</li>', page, re.S)[0]
            for alt in ("Flood water on Main Street", "The pump house", "Unused picture")}
    assert f"{article.title}</a> (lead picture)" in item["Flood water on Main Street"]
    assert f"{article.title}</a> (body)" in item["The pump house"]
    assert "Not used by any article." in item["Unused picture"]
    assert f"<code>![Flood water on Main Street](/media/{lead.hash}-960.webp)</code>" in page


def test_markdown_escapes_brackets_in_alt_text():
    picture = Picture(hash="a" * 32, width=10, height=10, alt="The [old] bridge")
    assert picture.markdown() == "![The \\[old\\] bridge](/media/" + "a" * 32 + "-960.webp)"


# --- media-gc -----------------------------------------------------------------------------------------


def test_media_gc_removes_unused_pictures_past_the_grace_period_only(frozen_clock, app, runner, upload, make_article):
    for alt, colour in [("Lead", (1, 2, 3)), ("In a body", (4, 5, 6)), ("Unused", (7, 8, 9))]:
        upload(picture_bytes(colour=colour), alt=alt)
    pictures = {p.alt: p for p in db.session.execute(db.select(Picture)).scalars()}
    article = make_article("Uses two", body=f"Text.\n\n{pictures['In a body'].markdown()}", status="draft")
    article.lead_picture = pictures["Lead"]
    db.session.commit()
    # A file no row names, as an upload whose save failed would leave.
    stray = Path(app.config["MEDIA_ROOT"]) / "ab" / ("ab" + "0" * 30 + "-960.webp")
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"left by a failed save")
    os.utime(stray, (now_utc().timestamp(), now_utc().timestamp()))

    frozen_clock.shift(timedelta(hours=23))
    assert runner.invoke(args=["media-gc"]).output == "Removed 0 files.\n"  # within a day of the upload: kept

    frozen_clock.shift(timedelta(hours=2))
    result = runner.invoke(args=["media-gc"])
    unused = pictures["Unused"].hash
    assert result.exit_code == 0
    assert result.output.splitlines() == sorted(
        [f"removed {unused}-{end}" for end in ("1200.jpg", "1600.webp", "480.webp", "960.webp")]
        + [f"removed {stray.name}"]) + ["Removed 5 files."]
    db.session.expire_all()
    assert {p.alt for p in db.session.execute(db.select(Picture)).scalars()} == {"Lead", "In a body"}
    assert not any(unused in name for name in stored_files(app)) and len(stored_files(app)) == 8


def test_deleting_an_article_never_deletes_its_pictures(app, admin_client, pictured_article):
    article, lead, body_picture = pictured_article
    files = stored_files(app)
    token = csrf_token_of(admin_client.get(f"/admin/articles/{article.id}/delete"))
    admin_client.post(f"/admin/articles/{article.id}/delete", data={"csrf_token": token})
    assert db.session.get(Article, article.id) is None
    assert stored_files(app) == files and len(files) == 8
    assert db.session.execute(db.select(db.func.count(Picture.id))).scalar_one() == 2


def test_the_migration_keeps_every_comment_and_tag_link_both_ways(tmp_path):
    from flask_migrate import downgrade, upgrade

    from app import create_app
    from tests.conftest import settings_for_tests

    app = create_app(settings_for_tests(tmp_path))
    with app.app_context():
        upgrade(revision="0008")
        when = now_utc().replace(tzinfo=None).isoformat(" ")
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO categories (id, name, slug, position) VALUES (1, 'Local', 'local', 1)")
            connection.exec_driver_sql(
                "INSERT INTO articles (id, slug, title, summary, excerpt, body_source, body_html, category_id, status,"
                f" created_at, published_at, updated_at, reads) VALUES (1, 'a', 'A', '', '', 'x', '<p>x</p>', 1,"
                f" 'published', '{when}', '{when}', '{when}', 0)")
            connection.exec_driver_sql("INSERT INTO tags (id, name, slug) VALUES (1, 'river', 'river')")
            connection.exec_driver_sql(f"INSERT INTO article_tags (article_id, tag_id, listed_at) VALUES (1, 1, '{when}')")
            connection.exec_driver_sql("INSERT INTO comments (id, article_id, author_name, body_html, status, created_at)"
                                       f" VALUES (1, 1, 'Ann', '<p>Hi</p>', 'visible', '{when}')")

        def counts() -> tuple:
            """Rows in the tables that hang off articles."""
            with db.engine.connect() as connection:
                return tuple(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                             for table in ("articles", "comments", "article_tags"))

        upgrade()
        assert counts() == (1, 1, 1)
        assert db.session.get(Article, 1).lead_picture is None
        db.session.remove()
        downgrade(revision="0008")
        assert counts() == (1, 1, 1)
        db.engine.dispose()


def test_the_lead_picture_is_the_link_preview_and_the_structured_data_image(client, pictured_article, make_article):
    import json

    from tests.test_previews import head_of

    article, lead, _ = pictured_article
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    preview = f"http://127.0.0.1:5000/media/{lead.hash}-1200.jpg"
    for tag in (f'<meta property="og:image" content="{preview}">', '<meta property="og:image:width" content="1200">',
                '<meta property="og:image:height" content="600">',
                '<meta property="og:image:alt" content="Flood water on Main Street">',
                '<meta name="twitter:card" content="summary_large_image">'):
        assert tag in html, tag
    data = json.loads(head_of(client.get(f"/articles/{article.slug}")).json_ld[0])
    assert data["image"] == {"@type": "ImageObject", "url": preview, "width": 1200, "height": 600}
    assert served(client, f"/media/{lead.hash}-1200.jpg").headers["Content-Type"] == "image/jpeg"
    make_article("Words only")
    plain = client.get("/articles/words-only").get_data(as_text=True)
    assert 'og:image"' not in plain and '<meta name="twitter:card" content="summary">' in plain
    assert "image" not in json.loads(head_of(client.get("/articles/words-only")).json_ld[0])


@pytest.mark.parametrize("path", ["/admin/media", "/admin/", "/admin/categories", "/admin/people", "/admin/account"])
def test_every_newsroom_page_has_the_newsroom_layout_the_media_page_too(admin_client, path):
    assert '<body class="newsroom">' in admin_client.get(path).get_data(as_text=True)


def test_reader_pages_keep_the_reader_layout_for_an_editor(admin_client, make_article):
    make_article("Bridge opens")
    assert '<body class="newsroom">' not in admin_client.get("/articles/bridge-opens").get_data(as_text=True)


def test_field_hints_name_the_limits_the_columns_hold(admin_client):
    from models import Article, Picture, User

    assert f"Up to {Picture.ALT_MAX} characters." in admin_client.get("/admin/media").get_data(as_text=True)
    editor = admin_client.get("/admin/articles/new").get_data(as_text=True)
    assert f"Up to {Article.SUMMARY_MAX} characters." in editor and f'data-limit="{Article.SUMMARY_MAX}"' in editor
    assert f"up to {User.BIO_MAX} characters." in admin_client.get("/admin/account").get_data(as_text=True)
