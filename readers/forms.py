"""The reader's one form: a comment, with its honeypot and the stamp that times it."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from models import Comment
from web.csrf import read_issued
from web.forms import SiteForm, plain_text, tidy, tidy_text

# A comment's text before sanitizing; the stored HTML has no column limit, so the form sets one.
COMMENT_BODY_MAX = 5000
# A comment form is good for a day; CSRF tokens live exactly as long (WTF_CSRF_TIME_LIMIT).
COMMENT_FORM_MAX_AGE = timedelta(days=1)
RESEND_MESSAGE = "Please check your comment and send it again."
TOO_FAST_MESSAGE = "That was quick. Please wait a moment and send it again; your text is kept."
# What the comment field promises, true to each COMMENT_MODERATION setting.
MODERATION_HINTS = {
    "none": "",
    "links": " Comments with links appear once a moderator approves them.",
    "all": " Comments appear once a moderator approves them.",
}


class CommentForm(SiteForm):
    """A reader's comment: name, text, a honeypot, and the signed `issued` stamp that also times it."""

    name = StringField("Name", filters=[tidy], validators=[
        plain_text, DataRequired("Please give a name."),
        Length(max=Comment.AUTHOR_NAME_MAX, message=f"Please keep the name to {Comment.AUTHOR_NAME_MAX} characters."),
    ])
    body = TextAreaField("Comment", filters=[tidy_text], validators=[
        plain_text, DataRequired("Please write a comment."),
        Length(max=COMMENT_BODY_MAX, message=f"Please keep the comment to {COMMENT_BODY_MAX:,} characters."),
    ])
    # The honeypot: hidden from people and screen readers; bots that fill every field fill it.
    # Its name means nothing to browsers' autofill, which would otherwise fill it for a person.
    citation_ref = StringField("Leave this field empty", validators=[plain_text])

    def timing_problem(self) -> str | None:
        """Why the form came back too fast, too late or with a forged stamp; None if in time."""
        stamp = read_issued(self.issued.data, max_age=COMMENT_FORM_MAX_AGE)
        if stamp is None:
            return RESEND_MESSAGE
        return TOO_FAST_MESSAGE if stamp.age.total_seconds() < current_app.config["COMMENT_MIN_SECONDS"] else None

    @staticmethod
    def body_hint() -> str:
        """What the comment field promises, true to the moderation setting."""
        moderation = MODERATION_HINTS[current_app.config["COMMENT_MODERATION"]]
        return f"Plain text, or a little HTML: bold, italic, links. Up to {COMMENT_BODY_MAX:,} characters." + moderation
