"""Signed stamps: a value a form carries, signed with the time by the site's one clock, read back with its age.

Each purpose signs with its own salt, so a stamp made for one use never passes for another's. The
signing and the ages are itsdangerous' (`URLSafeTimedSerializer`); only its clock is ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from content.text import now_utc


class SiteClockSigner(TimestampSigner):
    """itsdangerous' timestamp signer, reading `now_utc()`: a test that freezes or moves the clock ages stamps too."""

    def get_timestamp(self) -> int:
        """The current second by the site's clock."""
        return int(now_utc().timestamp())


@dataclass(frozen=True)
class Stamp:
    """A stamp read back: the value signed into it and how long ago it was signed."""

    value: Any
    age: timedelta


def serializer(purpose: str) -> URLSafeTimedSerializer:
    """Signs and reads one purpose's stamps with the app's key and that purpose as the salt."""
    return URLSafeTimedSerializer(current_app.secret_key, salt=purpose, signer=SiteClockSigner)


def sign(purpose: str, value: Any) -> str:
    """A stamp carrying a JSON-able value and the time now, for one purpose."""
    return serializer(purpose).dumps(value)


def read(purpose: str, text: str | None, max_age: timedelta | None = None) -> Stamp | None:
    """The stamp's value and age; None when this site did not sign it for this purpose, or it is older than max_age."""
    seconds = None if max_age is None else int(max_age.total_seconds())
    try:
        value, signed_at = serializer(purpose).loads(text or "", max_age=seconds, return_timestamp=True)
    except BadData:  # forged, another purpose's or key's, malformed, or too old (or from the future)
        return None
    return Stamp(value, now_utc() - signed_at)
