"""Uploaded pictures, and the one place their served addresses are made."""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar

from sqlalchemy import Integer, String, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from content.text import now_utc
from models.articles import Article
from models.base import UTCDateTime, db

PICTURE_HASH_LENGTH = 32
# The WebP widths every picture is stored at (never wider than itself), and its link-preview JPEG.
PICTURE_WIDTHS = (480, 960, 1600)
PICTURE_PREVIEW_WIDTH = 1200


def webp_ending(width: int) -> str:
    """The ending of the name of a picture's WebP file of this nominal width: '960.webp'."""
    return f"{width}.webp"


# The ending of the name of a picture's link-preview JPEG, and of every file a picture is served as.
PREVIEW_ENDING = f"{PICTURE_PREVIEW_WIDTH}.jpg"
MEDIA_ENDINGS = (*(webp_ending(width) for width in PICTURE_WIDTHS), PREVIEW_ENDING)
# Pictures are served under this path as <hash>-<ending>; bodies link them there, so it is how usage is found.
MEDIA_PATH = "/media/"
# The served name of every file a picture has; nothing else under MEDIA_PATH is ever served.
MEDIA_NAME = re.compile(rf"([0-9a-f]{{{PICTURE_HASH_LENGTH}}})-({'|'.join(map(re.escape, MEDIA_ENDINGS))})")
# A picture's hash wherever a body links one of its files.
LINKED_HASH = re.compile(rf"{re.escape(MEDIA_PATH)}([0-9a-f]{{{PICTURE_HASH_LENGTH}}})-")


def media_name(picture_hash: str, ending: str) -> str:
    """The served name of one of a picture's files: '<hash>-960.webp'."""
    return f"{picture_hash}-{ending}"


def media_address(picture_hash: str, ending: str) -> str:
    """The served address of one of a picture's files: '/media/<hash>-960.webp'."""
    return MEDIA_PATH + media_name(picture_hash, ending)


class Picture(db.Model):
    """An uploaded picture: its files are named by `hash` under MEDIA_ROOT (see services/media.py)."""

    __tablename__ = "pictures"
    ALT_MAX: ClassVar[int] = 300
    CAPTION_MAX: ClassVar[int] = 300
    CREDIT_MAX: ClassVar[int] = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(String(PICTURE_HASH_LENGTH), unique=True)
    # The size of the upright original, before any variant was made.
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt: Mapped[str] = mapped_column(String(ALT_MAX))
    caption: Mapped[str] = mapped_column(String(CAPTION_MAX), default="")
    credit: Mapped[str] = mapped_column(String(CREDIT_MAX), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    lead_of: Mapped[list[Article]] = relationship(back_populates="lead_picture", passive_deletes=True)

    def __repr__(self) -> str:
        return f"<Picture {self.hash}>"

    @classmethod
    def by_hash(cls, picture_hash: str) -> Picture | None:
        """The picture stored under this content hash, if any."""
        return db.session.execute(select(cls).filter_by(hash=picture_hash)).scalar_one_or_none()

    @classmethod
    def newest_first(cls):
        """Every picture, newest upload first, for the media page to page through."""
        return select(cls).order_by(cls.uploaded_at.desc(), cls.id.desc())

    @classmethod
    def choices(cls, limit: int = 200) -> list[Picture]:
        """The newest pictures, for the article form's lead picture list."""
        return list(db.session.execute(cls.newest_first().limit(limit)).scalars())

    @classmethod
    def uploaded_before(cls, moment: datetime) -> list[Picture]:
        """Pictures uploaded before `moment`: those past the grace period of media-gc."""
        return list(db.session.execute(select(cls).where(cls.uploaded_at < moment)).scalars())

    @classmethod
    def usage_of(cls, pictures: list[Picture]) -> dict[int, list[tuple[Article, str]]]:
        """{picture id: [(article, 'lead picture' or 'body')]} for these pictures, in one query."""
        if not pictures:
            return {}
        in_body = [Article.body_source.contains(picture.linked_as()) for picture in pictures]
        query = (select(Article).where(or_(Article.lead_picture_id.in_([p.id for p in pictures]), *in_body))
                 .order_by(Article.title, Article.id))
        articles = list(db.session.execute(query).scalars())
        usage: dict[int, list[tuple[Article, str]]] = {picture.id: [] for picture in pictures}
        for picture in pictures:
            for article in articles:
                if article.lead_picture_id == picture.id:
                    usage[picture.id].append((article, "lead picture"))
                if picture.linked_as() in article.body_source:
                    usage[picture.id].append((article, "body"))
        return usage

    def url(self, ending: str) -> str:
        """The served address of one of its files: url('960.webp'), url('1200.jpg')."""
        return media_address(self.hash, ending)

    def linked_as(self) -> str:
        """What every link to one of its files contains, in a body that shows it."""
        return media_address(self.hash, "")

    def scaled_height(self, width: int) -> int:
        """Its height at `width` pixels wide (never wider than itself), as the variants were made."""
        width = min(width, self.width)
        return max(1, round(self.height * width / self.width))

    def srcset(self) -> str:
        """The WebP variants with their true widths, one per distinct width, for <img srcset>."""
        widths = {min(width, self.width): width for width in sorted(PICTURE_WIDTHS, reverse=True)}
        return ", ".join(f"{self.url(webp_ending(name))} {real}w" for real, name in sorted(widths.items()))

    def src(self, width: int = 960) -> str:
        """The WebP variant of this nominal width, for <img src>."""
        return self.url(webp_ending(width))

    def preview_url(self) -> str:
        """The link-preview JPEG (og:image, JSON-LD image); its size is preview_size()."""
        return self.url(PREVIEW_ENDING)

    def preview_size(self) -> tuple[int, int]:
        """(width, height) of the link-preview JPEG."""
        return min(PICTURE_PREVIEW_WIDTH, self.width), self.scaled_height(PICTURE_PREVIEW_WIDTH)

    def markdown(self) -> str:
        """The Markdown an editor pastes to show it in a body."""
        alt = self.alt.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        return f"![{alt}]({self.src(960)})"
