"""The newsroom's people: invitations by one-time link, roles, deactivation, and joining by invitation."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import delete

from content.text import now_utc, token_digest
from models import MAX_ID, AdminSession, Invitation, Role, User, db
from newsroom.accounts import AccountError, create_account, start_session
from newsroom.forms import InvitationForm, JoinForm, RoleForm
from newsroom.guard import guard_newsroom, require_sign_in
from newsroom.roles import a_role
from web.errors import render_error
from web.forms import EmptyForm
from web.urls import absolute_url

bp = Blueprint("people", __name__, url_prefix="/admin")

INVITATION_LIFETIME = timedelta(hours=48)
# The link just made, shown once on the page after the redirect and never stored unhashed.
NEW_LINK = "new_invitation_link"
LAST_ADMIN = "The last active admin cannot be demoted or deactivated: make another admin first."
DEAD_LINK = ("This invitation link does not work: it was used already, it is more than "
             f"{INVITATION_LIFETIME // timedelta(hours=1)} hours old, "
             "or it was copied incompletely. Ask an admin of the newsroom for a new one.")


class PeopleError(ValueError):
    """A change to an account that the rules refuse; the message says why."""


def require_sign_in_except_to_join():
    """Joining is for people without an account yet; every other page here needs a session."""
    return None if request.endpoint == "people.join_by_invitation" else require_sign_in()


guard_newsroom(bp, require_sign_in_except_to_join)


def invite(role: str, invited_by: User) -> str:
    """A new one-time invitation for this role; returns the raw token (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    db.session.add(Invitation(token_hash=token_digest(token), role=Role(role), invited_by=invited_by,
                              expires_at=now_utc() + INVITATION_LIFETIME))
    db.session.commit()
    return token


def is_last_active_admin(user: User) -> bool:
    """True when this account is the only one left that can manage people."""
    return user.active and user.role == Role.ADMIN and User.active_admin_count() <= 1


def change_role(user: User, role: str) -> None:
    """Give an account another role; the last active admin keeps theirs."""
    if role != Role.ADMIN and is_last_active_admin(user):
        raise PeopleError(LAST_ADMIN)
    user.role = Role(role)
    db.session.commit()


def deactivate(user: User) -> None:
    """Close an account: it can no longer sign in, its sessions end now, its bylines stay."""
    if is_last_active_admin(user):
        raise PeopleError(LAST_ADMIN)
    user.active = False
    db.session.execute(delete(AdminSession).where(AdminSession.user_id == user.id))
    db.session.commit()


def join(invitation: Invitation, form: JoinForm) -> User:
    """Create the invitee's account with the invitation's role and spend the invitation, in one commit."""
    user = create_account(form.username.data, form.password.data, invitation.role, form.display_name.data)
    invitation.used_at = now_utc()
    invitation.user = user
    db.session.commit()
    return user


# --- Pages -------------------------------------------------------------------------------------------------


@bp.get("/people")
def people():
    """Every account with its role, the open invitations, and the form to invite someone."""
    return render_template("newsroom/people/people.html", people=User.everyone(), invitations=Invitation.open_ones(),
                           form=InvitationForm(), role_form=RoleForm(formdata=None), action_form=EmptyForm(),
                           new_link=session.pop(NEW_LINK, None), now=now_utc(),
                           lifetime_hours=INVITATION_LIFETIME // timedelta(hours=1))


@bp.post("/people/invite")
def invite_someone():
    """Make a one-time link for the chosen role, to be passed on by the admin."""
    form = InvitationForm()
    if not form.validate_on_submit():
        abort(400, "Choose the role of the person you invite.")
    session[NEW_LINK] = absolute_url("people.join_by_invitation", token=invite(form.role.data, current_user))
    flash(f"Invitation made for {a_role(form.role.data)}. Pass the link on; it works once, "
          f"for {INVITATION_LIFETIME // timedelta(hours=1)} hours.", "info")
    return redirect(url_for("people.people"))


@bp.post(f"/people/<int(max={MAX_ID}):user_id>/role")
def change_role_of(user_id: int):
    """Give an account another role."""
    user = db.get_or_404(User, user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, "Choose one of the three roles.")
    try:
        change_role(user, form.role.data)
    except PeopleError as error:
        flash(str(error), "error")
    else:
        flash(f"{user.display_name} is now {a_role(user.role)}.", "info")
    return redirect(url_for("people.people"))


@bp.post(f"/people/<int(max={MAX_ID}):user_id>/deactivate")
def deactivate_account(user_id: int):
    """Close an account; its sessions end at once."""
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        deactivate(user)
    except PeopleError as error:
        flash(str(error), "error")
    else:
        flash(f"{user.display_name}'s account is closed and signed out everywhere. Their bylines stay.", "info")
    return redirect(url_for("people.people"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join_by_invitation(token: str):
    """The invitee chooses their names and a password; the link then stops working."""
    invitation = Invitation.open_by_token_hash(token_digest(token))
    if invitation is None:
        return render_error(404, DEAD_LINK)
    form = JoinForm()
    if form.validate_on_submit():
        try:
            user = join(invitation, form)
        except AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            start_session(user)
            flash(f"Welcome, {user.display_name}. You are signed in as {a_role(user.role)}.", "info")
            return redirect(url_for("admin.articles"))
    return render_template("newsroom/people/join.html", form=form, role=a_role(invitation.role)), 400 if form.errors else 200
