"""What every form of the site shares: tidying and checking typed text, the CSRF stamp, the button-only form.

The reader's comment form is in readers/forms.py, the newsroom's forms in newsroom/forms.py."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
)
from wtforms.validators import ValidationError

from content.sanitize import has_control_characters
from web.csrf import issued_stamp, shared_stamp

# Whitespace, zero-width characters and the BOM: a field holding only these is empty.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE_PADDING = " \t\n\r" + ZERO_WIDTH


def tidy(value: str | None) -> str | None:
    """A one-line field without invisible padding at its ends."""
    return None if value is None else value.strip(INVISIBLE_PADDING)


def tidy_text(value: str | None) -> str | None:
    """A text area with LF line ends (browsers send CRLF), and no blank lines or invisible padding at its ends.

    Leading spaces stay: in Markdown four of them start a code block.
    """
    if value is None:
        return None
    value = value.replace("\r\n", "\n").strip(ZERO_WIDTH).rstrip()
    return re.sub(r"\A(?:[ \t]*\n)+", "", value)


def plain_text(form, field) -> None:
    """Refuse control characters (NUL included) and text that was not valid UTF-8."""
    value = field.data or ""
    if has_control_characters(value):
        raise ValidationError("This field contains control characters that cannot be stored.")
    if "\ufffd" in value:
        raise ValidationError("This field contains bytes that are not valid text (UTF-8).")


def at_most(limit: int, message: str, in_browser: bool = False):
    """A length check whose message gives the limit and the length sent ('{limit}', '{length}' in it).

    `in_browser` also renders the field with maxlength, for short typed values only: a browser cuts
    pasted text at maxlength without a word, where this check keeps it and says what is too long.
    """

    def check(form, field) -> None:
        """Refuse a value longer than the limit, saying by how much."""
        length = len(field.data or "")
        if length > limit:
            raise ValidationError(message.format(limit=limit, length=f"{length:,}"))

    # Templates read the limit as field.flags.limit (a hint, a counter); maxlength is drawn only when asked.
    check.field_flags = {"limit": limit} | ({"maxlength": limit} if in_browser else {})
    return check


class IssuedField(HiddenField):
    """The `issued` stamp (web/csrf.py), drawn afresh with each form, so it always names the token drawn beside it."""

    def _value(self) -> str:
        """A fresh stamp naming the token when the form draws one; otherwise a fresh stamp of the time alone."""
        return issued_stamp() if self.meta.csrf else shared_stamp()


class SiteForm(FlaskForm):
    """Every form of the site: Flask-WTF's CSRF token and the stamp that tells an aged form from a forged one."""

    issued = IssuedField()


class EmptyForm(SiteForm):
    """A button-only POST (sign out, unpublish, delete): just the CSRF token and its stamp."""
