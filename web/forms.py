"""Every WTForms form the site shows."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from content.sanitize import has_control_characters
from content.text import slugify, sort_tag_names
from web import stamps
from web.csrf import issued_stamp, read_issued

# Whitespace, zero-width characters and the BOM: a field holding only these is empty.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
INVISIBLE_PADDING = " \t\n\r" + ZERO_WIDTH
PASSWORD_MIN_LENGTH = 12
ARTICLE_TITLE_MAX = 200
ARTICLE_SUMMARY_MAX = 300
COMMENT_NAME_MAX = 80
COMMENT_BODY_MAX = 5000
# A comment form is good for a day; CSRF tokens live exactly as long (WTF_CSRF_TIME_LIMIT).
COMMENT_FORM_MAX_AGE = timedelta(days=1)
# Times outside these years are typing slips (and overflow when moved between time zones).
PUBLICATION_YEARS = (1900, 2999)
RESEND_MESSAGE = "Please check your comment and send it again."
TOO_FAST_MESSAGE = "That was quick. Please wait a moment and send it again; your text is kept."
# An article form names its editor this long: past the CSRF token's day, so a form left open over a
# long weekend is still kept for its editor rather than refused.
EDITOR_STAMP_MAX_AGE = timedelta(days=7)
EDITOR_STAMP_PURPOSE = "article-form-editor"


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


def at_most(limit: int, message: str):
    """A length check whose message gives the limit and the length sent ('{limit}', '{length}' in it)."""

    def check(form, field) -> None:
        """Refuse a value longer than the limit, saying by how much."""
        length = len(field.data or "")
        if length > limit:
            raise ValidationError(message.format(limit=limit, length=f"{length:,}"))

    return check


class IssuedField(HiddenField):
    """The `issued` stamp (web/csrf.py), drawn afresh with each form, so it always names the token drawn beside it."""

    def _value(self) -> str:
        """A fresh stamp when the form draws a token; otherwise only one it was given (none on a shared page)."""
        return issued_stamp() if self.meta.csrf else (self.data or "")


class SiteForm(FlaskForm):
    """Every form of the site: Flask-WTF's CSRF token and the stamp that tells an aged form from a forged one."""

    issued = IssuedField()


class CommentForm(SiteForm):
    """A reader's comment: name, text, a honeypot, and the signed `issued` stamp that also times it."""

    name = StringField("Name", filters=[tidy], validators=[
        plain_text, DataRequired("Please give a name."),
        Length(max=COMMENT_NAME_MAX, message=f"Please keep the name to {COMMENT_NAME_MAX} characters."),
    ])
    body = TextAreaField("Comment", filters=[tidy_text], validators=[
        plain_text, DataRequired("Please write a comment."),
        Length(max=COMMENT_BODY_MAX, message=f"Please keep the comment to {COMMENT_BODY_MAX:,} characters."),
    ])
    # The honeypot: hidden from people and screen readers; bots that fill every field fill it.
    # Its name means nothing to browsers' autofill, which would otherwise fill it for a person.
    citation_ref = StringField("Leave this field empty", validators=[plain_text])

    def stamp(self) -> None:
        """Sign the time into a form drawn without a token, to tell a bot's instant post from a person's.

        A form that draws its token is stamped afresh as it is drawn; this is for the others.
        """
        self.issued.data = issued_stamp()

    def timing_problem(self) -> str | None:
        """Why the form came back too fast, too late or with a forged stamp; None if in time."""
        stamp = read_issued(self.issued.data, max_age=COMMENT_FORM_MAX_AGE)
        if stamp is None:
            return RESEND_MESSAGE
        return TOO_FAST_MESSAGE if stamp.age.total_seconds() < current_app.config["COMMENT_MIN_SECONDS"] else None


class EmptyForm(SiteForm):
    """A button-only POST (sign out, unpublish, delete): just the CSRF token and its stamp."""


class SignInForm(SiteForm):
    """The admin's name and password."""

    username = StringField("Name", validators=[DataRequired("Please give your name."), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired("Please give your password."), Length(max=1024)])


class AccountForm(SiteForm):
    """An admin changing their own password."""

    current_password = PasswordField("Current password", validators=[DataRequired("Please give your current password.")])
    new_password = PasswordField("New password", validators=[
        DataRequired("Please choose a new password."),
        Length(min=PASSWORD_MIN_LENGTH, max=1024,
               message=f"The password must have at least {PASSWORD_MIN_LENGTH} characters."),
    ])
    confirm_password = PasswordField("New password again", validators=[
        EqualTo("new_password", message="The two new passwords differ."),
    ])


class ProfileForm(SiteForm):
    """One's own name as bylines show it, and a short bio for the author page."""

    display_name = StringField("Display name", filters=[tidy], validators=[
        plain_text, DataRequired("Please give the name bylines should show."),
        Length(max=80, message="Please keep the name to 80 characters.")])
    bio = TextAreaField("Short bio", filters=[tidy_text], validators=[
        plain_text, Length(max=600, message="Please keep the bio to 600 characters.")])


class InvitationForm(SiteForm):
    """The role someone is invited to."""

    role = RadioField("Role", choices=[SelectChoice("writer", "Writer: writes drafts and sends them to review"),
                                       SelectChoice("editor", "Editor: edits, publishes and moderates everything"),
                                       SelectChoice("admin", "Admin: everything, and people")],
                      default="writer", validators=[DataRequired("Please choose a role.")])


class RoleForm(SiteForm):
    """A new role for an account."""

    role = RadioField("Role", choices=[SelectChoice("writer", "Writer"), SelectChoice("editor", "Editor"),
                                       SelectChoice("admin", "Admin")],
                      validators=[DataRequired("Please choose a role.")])


class JoinForm(SiteForm):
    """An invitee's names and password."""

    display_name = StringField("Your name, as bylines show it", filters=[tidy], validators=[
        plain_text, DataRequired("Please give the name bylines should show."),
        Length(max=80, message="Please keep the name to 80 characters.")])
    username = StringField("Sign-in name", filters=[tidy], validators=[
        plain_text, DataRequired("Please choose a name to sign in with."),
        Length(max=80, message="Please keep the sign-in name to 80 characters.")])
    password = PasswordField("Password", validators=[
        DataRequired("Please choose a password."),
        Length(min=PASSWORD_MIN_LENGTH, max=1024,
               message=f"The password must have at least {PASSWORD_MIN_LENGTH} characters.")])
    confirm_password = PasswordField("Password again", validators=[
        EqualTo("password", message="The two passwords differ.")])


class ArticleForm(SiteForm):
    """An article as the editor writes it; the publication time is in SITE_TIMEZONE."""

    title = StringField("Title", filters=[tidy], validators=[
        plain_text, DataRequired("Please give a title."),
        at_most(ARTICLE_TITLE_MAX, "Titles can be at most {limit} characters; this one has {length}.")])
    slug = StringField("Address (slug)", filters=[tidy], validators=[
        plain_text, Optional(), at_most(200, "Addresses can be at most {limit} characters; this one has {length}.")])
    category = StringField("Category", filters=[tidy], validators=[
        plain_text, DataRequired("Please pick or type a category."),
        at_most(80, "Category names can be at most {limit} characters; this one has {length}.")])
    # Asked for only when the category typed does not exist yet, so none appears by a typing slip.
    new_category = BooleanField("Create it as a new category")
    tags = StringField("Tags", filters=[tidy], validators=[
        plain_text, at_most(2000, "Tags can have at most {limit} characters together; these have {length}.")])
    summary = TextAreaField("Summary", filters=[tidy_text], validators=[
        plain_text, at_most(ARTICLE_SUMMARY_MAX, "Summaries can be at most {limit} characters; this one has {length}.")])
    body = TextAreaField("Body (Markdown)", filters=[tidy_text],
                         validators=[plain_text, DataRequired("Please write the article.")])
    status = RadioField("Status", choices=[SelectChoice("draft", "Draft"), SelectChoice("published", "Published")],
                        default="draft")
    published_at = DateTimeLocalField("Publication time", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                      validators=[Optional()])
    authors = StringField("Byline", filters=[tidy], validators=[
        plain_text, at_most(1000, "A byline can have at most {limit} characters; this one has {length}.")])
    # The choices (the newest uploads) are filled in by the view; an id no picture has gets a field error there.
    lead_picture = SelectField("Lead picture", choices=[SelectChoice("", "None")], validate_choice=False)
    # Whose form this is, signed: a copy sent after the session ended is kept for that account alone.
    editor_stamp = HiddenField()

    def stamp(self, user_id: int) -> None:
        """Sign the editor's account and the time into the form."""
        self.editor_stamp.data = stamps.sign(EDITOR_STAMP_PURPOSE, user_id)

    def stamped_account(self) -> int | None:
        """The account the form was shown to, if the stamp is this site's and under a week old."""
        stamp = stamps.read(EDITOR_STAMP_PURPOSE, self.editor_stamp.data, max_age=EDITOR_STAMP_MAX_AGE)
        return stamp.value if stamp is not None and isinstance(stamp.value, int) else None

    def process(self, *args, **kwargs) -> None:
        """Say what a publication time should look like when the browser sent something else."""
        super().process(*args, **kwargs)
        self.published_at.process_errors = [
            "Give a date and time such as 2026-03-10T14:30." for _ in self.published_at.process_errors]

    def validate_category(self, field) -> None:
        """A category needs a letter or digit, or it would have no address."""
        if field.data and not slugify(field.data):
            raise ValidationError("Use at least one letter or digit in the category name.")

    def validate_tags(self, field) -> None:
        """Every tag follows the tag rules; the error names each one refused, and why."""
        refused = sort_tag_names(field.data or "")[1]
        if refused:
            reasons = "; ".join(f"“{name[:30]}”: {why}" for name, why in refused)
            raise ValidationError(f"Refused {'this tag' if len(refused) == 1 else 'these tags'}: {reasons}.")

    def validate_published_at(self, field) -> None:
        """A publication time in a year a news site can mean."""
        if field.data and not PUBLICATION_YEARS[0] <= field.data.year <= PUBLICATION_YEARS[1]:
            raise ValidationError(f"Give a year from {PUBLICATION_YEARS[0]} to {PUBLICATION_YEARS[1]}.")

    def validate_slug(self, field) -> None:
        """A typed slug must already be in slug form, so the address is exactly what was typed."""
        if field.data and slugify(field.data) != field.data:
            raise ValidationError(f"Use lowercase words joined by hyphens, such as {slugify(field.data)!r}.")


class RenameForm(SiteForm):
    """A new name for a category or a tag."""

    name = StringField("New name", filters=[tidy], validators=[
        plain_text, DataRequired("Please give the new name."), Length(max=80)])


class MergeForm(SiteForm):
    """The category or tag another one is merged into, by name."""

    target = StringField("Merge into", filters=[tidy], validators=[
        plain_text, DataRequired("Please name the one to merge into."), Length(max=80)])


class PictureForm(SiteForm):
    """A picture to upload, with the words that go with it; the file itself is checked by media.py."""

    picture = FileField("Picture file (JPEG, PNG or WebP, up to 15 MB)")
    alt = StringField("Alt text", filters=[tidy], validators=[
        plain_text, DataRequired("Please describe the picture for readers who cannot see it (alt text)."),
        at_most(300, "Alt text can be at most {limit} characters; this one has {length}.")])
    caption = StringField("Caption", filters=[tidy], validators=[
        plain_text, at_most(300, "Captions can be at most {limit} characters; this one has {length}.")])
    credit = StringField("Credit", filters=[tidy], validators=[
        plain_text, at_most(200, "Credits can be at most {limit} characters; this one has {length}.")])
    # The newsroom page the upload was made from, to go back to (checked by the view).
    back = HiddenField()

    def validate_picture(self, field) -> None:
        """A file must be chosen; what it holds is media.py's to judge."""
        if not getattr(field.data, "filename", None):
            raise ValidationError("Please choose a picture file.")
