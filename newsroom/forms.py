"""The newsroom's forms: signing in, accounts and people, articles, categories and tags, pictures, the site's pages."""

from __future__ import annotations

from datetime import timedelta

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional, ValidationError

from content.text import slugify, sort_tag_names
from models import Article, Category, Picture, SitePage, User
from services.media import UPLOAD_MAX_BYTES
from web import stamps
from web.forms import SiteForm, at_most, plain_text, tidy, tidy_text
from web.urls import taken_by_a_route

PASSWORD_MIN_LENGTH = 12
# Long enough for any passphrase, short enough that hashing one costs nothing an attacker could use.
PASSWORD_MAX_LENGTH = 1024
# Times outside these years are typing slips (and overflow when moved between time zones).
PUBLICATION_YEARS = (1900, 2999)
# An article form names its editor this long: past the CSRF token's day, so a form left open over a
# long weekend is still kept for its editor rather than refused.
EDITOR_STAMP_MAX_AGE = timedelta(days=7)
EDITOR_STAMP_PURPOSE = "article-form-editor"


def new_password_field(label: str) -> PasswordField:
    """A field for choosing a password, with the rules every way of choosing one shares."""
    return PasswordField(label, validators=[
        DataRequired("Please choose a password."),
        Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH,
               message=f"The password must have at least {PASSWORD_MIN_LENGTH} characters.")])


class SignInForm(SiteForm):
    """The admin's name and password."""

    username = StringField("Name", validators=[DataRequired("Please give your name."), Length(max=User.USERNAME_MAX)])
    password = PasswordField("Password", validators=[DataRequired("Please give your password."), Length(max=PASSWORD_MAX_LENGTH)])


class AccountForm(SiteForm):
    """An admin changing their own password."""

    current_password = PasswordField("Current password", validators=[DataRequired("Please give your current password.")])
    new_password = new_password_field("New password")
    confirm_password = PasswordField("New password again", validators=[
        EqualTo("new_password", message="The two new passwords differ."),
    ])


class ProfileForm(SiteForm):
    """One's own name as bylines show it, and a short bio for the author page."""

    display_name = StringField("Display name", filters=[tidy], validators=[
        plain_text, DataRequired("Please give the name bylines should show."),
        Length(max=User.DISPLAY_NAME_MAX, message=f"Please keep the name to {User.DISPLAY_NAME_MAX} characters.")])
    bio = TextAreaField("Short bio", filters=[tidy_text], validators=[
        plain_text, Length(max=User.BIO_MAX, message=f"Please keep the bio to {User.BIO_MAX} characters.")])


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
        Length(max=User.DISPLAY_NAME_MAX, message=f"Please keep the name to {User.DISPLAY_NAME_MAX} characters.")])
    username = StringField("Sign-in name", filters=[tidy], validators=[
        plain_text, DataRequired("Please choose a name to sign in with."),
        Length(max=User.USERNAME_MAX, message=f"Please keep the sign-in name to {User.USERNAME_MAX} characters.")])
    password = new_password_field("Password")
    confirm_password = PasswordField("Password again", validators=[
        EqualTo("password", message="The two passwords differ.")])


class NewPasswordForm(SiteForm):
    """A new password chosen through a password link."""

    password = new_password_field("New password")
    confirm_password = PasswordField("New password again", validators=[
        EqualTo("password", message="The two passwords differ.")])


def title_field(limit: int) -> StringField:
    """A required title of at most `limit` characters, counted as it is typed: articles' and pages' alike."""
    return StringField("Title", filters=[tidy], validators=[
        plain_text, DataRequired("Please give a title."),
        at_most(limit, "Titles can be at most {limit} characters; this one has {length}.")])


def slug_field(limit: int) -> StringField:
    """An optional address of at most `limit` characters (made from the title when left empty)."""
    return StringField("Address (slug)", filters=[tidy], validators=[
        plain_text, Optional(), at_most(limit, "Addresses can be at most {limit} characters; this one has {length}.",
                                        in_browser=True)])


class ArticleForm(SiteForm):
    """An article as the editor writes it; the publication time is in SITE_TIMEZONE."""

    title = title_field(Article.TITLE_MAX)
    slug = slug_field(Article.SLUG_MAX)
    category = StringField("Category", filters=[tidy], validators=[
        plain_text, DataRequired("Please pick or type a category."),
        at_most(Category.NAME_MAX, "Category names can be at most {limit} characters; this one has {length}.")])
    # Asked for only when the category typed does not exist yet, so none appears by a typing slip.
    new_category = BooleanField("Create it as a new category")
    tags = StringField("Tags", filters=[tidy], validators=[
        plain_text, at_most(2000, "Tags can have at most {limit} characters together; these have {length}.")])
    summary = TextAreaField("Summary", filters=[tidy_text], validators=[
        plain_text, at_most(Article.SUMMARY_MAX, "Summaries can be at most {limit} characters; this one has {length}.")])
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
        plain_text, DataRequired("Please give the new name.")])


class MergeForm(SiteForm):
    """The category or tag another one is merged into, by name."""

    target = StringField("Merge into", filters=[tidy], validators=[
        plain_text, DataRequired("Please name the one to merge into.")])


class PictureForm(SiteForm):
    """A picture to upload, with the words that go with it; the file itself is checked by services/media.py."""

    picture = FileField(f"Picture file (JPEG, PNG or WebP, up to {UPLOAD_MAX_BYTES // 2**20} MB)")
    alt = StringField("Alt text", filters=[tidy], validators=[
        plain_text, DataRequired("Please describe the picture for readers who cannot see it (alt text)."),
        at_most(Picture.ALT_MAX, "Alt text can be at most {limit} characters; this one has {length}.")])
    caption = StringField("Caption", filters=[tidy], validators=[
        plain_text, at_most(Picture.CAPTION_MAX, "Captions can be at most {limit} characters; this one has {length}.")])
    credit = StringField("Credit", filters=[tidy], validators=[
        plain_text, at_most(Picture.CREDIT_MAX, "Credits can be at most {limit} characters; this one has {length}.")])
    # The newsroom page the upload was made from, to go back to (checked by the view).
    back = HiddenField()

    def validate_picture(self, field) -> None:
        """A file must be chosen; what it holds is services/media.py's to judge."""
        if not getattr(field.data, "filename", None):
            raise ValidationError("Please choose a picture file.")


# The reader's route a page's address is answered by: the one route its slug may match.
SITE_PAGE_ENDPOINT = "reader.site_page"


class SitePageForm(SiteForm):
    """One of the newsroom's own pages: its title, address, Markdown body, place in the footer and state."""

    title = title_field(SitePage.TITLE_MAX)
    slug = slug_field(SitePage.SLUG_MAX)
    body = TextAreaField("Body (Markdown)", filters=[tidy_text],
                         validators=[plain_text, DataRequired("Please write the page.")])
    footer_place = IntegerField("Place in the footer", validators=[
        Optional(), NumberRange(1, SitePage.FOOTER_PLACE_MAX,
                                f"Give a place from 1 to {SitePage.FOOTER_PLACE_MAX}, or leave it empty.")])
    published = BooleanField("Published: readers see it at its address")

    def __init__(self, *args, page: SitePage | None = None, **kwargs) -> None:
        # The model keeps the Markdown as body_source; the form calls it body.
        super().__init__(*args, obj=page, **({"body": page.body_source} if page else {}), **kwargs)
        self.page = page

    def process(self, *args, **kwargs) -> None:
        """Say what a footer place should look like when the browser sent something else."""
        super().process(*args, **kwargs)
        self.footer_place.process_errors = [
            f"Give a whole number from 1 to {SitePage.FOOTER_PLACE_MAX}, or leave it empty."
            for _ in self.footer_place.process_errors]

    def validate_slug(self, field) -> None:
        """A typed slug must already be in slug form, so the address is exactly what was typed."""
        if field.data and slugify(field.data) != field.data:
            raise ValidationError(f"Use lowercase words joined by hyphens, such as {slugify(field.data)!r}.")

    def address(self) -> str:
        """The slug the page gets: the one typed, else one made from the title."""
        return self.slug.data or slugify(self.title.data or "")

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then whether the address is free: not a route's, not another page's."""
        if not super().validate(extra_validators):
            return False
        problem = self.address_problem(self.address())
        if problem:
            self.slug.errors.append(problem)
        return not problem

    def address_problem(self, slug: str) -> str | None:
        """Why this page cannot have this address, or None."""
        if not slug:
            return "Give an address: the title has no letter or digit to make one from."
        if taken_by_a_route(slug, SITE_PAGE_ENDPOINT):
            return f"The address /{slug} is one of the site's own; choose another."
        holder = SitePage.by_slug(slug)
        if holder is not None and holder is not self.page:
            return f"The page “{holder.title}” already has the address /{slug}; choose another."
        return None
