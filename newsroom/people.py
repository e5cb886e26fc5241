"""The newsroom's people: invitations and password links, roles, deactivation, and the pages the links open."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from content.text import now_utc
from models import MAX_ID, Invitation, PasswordLink, Role, User, db
from newsroom.accounts import (
    AccountError,
    create_account,
    end_every_session,
    password_problem,
    set_password,
    start_session,
)
from newsroom.forms import InvitationForm, JoinForm, NewPasswordForm, RoleForm
from newsroom.guard import guard_newsroom, require_sign_in
from newsroom.roles import a_role
from web.errors import render_error
from web.forms import EmptyForm
from web.urls import absolute_url

bp = Blueprint("people", __name__, url_prefix="/admin")

INVITATION_LIFETIME = Invitation.LIFETIME
PASSWORD_LINK_LIFETIME = PasswordLink.LIFETIME
# The link just made, shown once on the page after the redirect and never stored unhashed.
NEW_LINK = "new_one_time_link"
LAST_ADMIN = "The last active admin cannot be demoted or deactivated: make another admin first."
DEAD_LINK = ("This invitation link does not work: it was used already, it is more than "
             f"{INVITATION_LIFETIME // timedelta(hours=1)} hours old, it was withdrawn, "
             "or it was copied incompletely. Ask an admin of the newsroom for a new one.")
DEAD_PASSWORD_LINK = ("This password link does not work: it was used already, it is more than "
                      f"{PASSWORD_LINK_LIFETIME // timedelta(hours=1)} hours old, it was withdrawn, "
                      "or it was copied incompletely. Ask an admin of the newsroom for a new one.")
# The pages a one-time link opens, for people without a session; every other page here needs one.
LINK_PAGES = frozenset({"people.join_by_invitation", "people.choose_password"})


class PeopleError(ValueError):
    """A change to an account that the rules refuse; the message says why."""


def require_sign_in_except_to_follow_a_link():
    """Joining and choosing a password are for people without a session; every other page here needs one."""
    return None if request.endpoint in LINK_PAGES else require_sign_in()


guard_newsroom(bp, require_sign_in_except_to_follow_a_link)


def invite(role: str, invited_by: User) -> str:
    """A new one-time invitation for this role; returns the raw token (only its hash is kept)."""
    token = Invitation.issue(role=Role(role), invited_by=invited_by)
    db.session.commit()
    return token


def make_password_link(user: User, made_by: User) -> str:
    """A new one-time password link for an active account, replacing any open one; returns the raw token."""
    if not user.active:
        raise PeopleError(f"{user.display_name}'s account is closed: reactivate it first.")
    PasswordLink.withdraw_all_of(user.id)
    token = PasswordLink.issue(user=user, made_by=made_by)
    db.session.commit()
    return token


def use_password_link(link: PasswordLink, password: str) -> User | None:
    """Spend the link and set the account's password (ending its sessions); None when the link was spent first."""
    if problem := password_problem(password):
        raise AccountError(problem)
    # Spent by a conditional UPDATE, so two forms sent at once cannot both set a password.
    if not PasswordLink.spend(link.id):
        db.session.rollback()
        return None
    return set_password(link.user.username, password)


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
    """Close an account: it can no longer sign in, its sessions and password links end now, its bylines stay."""
    if is_last_active_admin(user):
        raise PeopleError(LAST_ADMIN)
    user.active = False
    end_every_session(user)
    PasswordLink.withdraw_all_of(user.id)
    db.session.commit()


def reactivate(user: User) -> None:
    """Open a closed account again, with its role and its password as they were."""
    user.active = True
    db.session.commit()


def join(invitation: Invitation, form: JoinForm) -> User:
    """Create the invitee's account with the invitation's role and spend the invitation, in one commit."""
    user = create_account(form.username.data, form.password.data, invitation.role, form.display_name.data)
    invitation.used_at = now_utc()
    invitation.user = user
    db.session.commit()
    return user


def require_button_form() -> None:
    """The 400 page for a button's POST without a valid token (CSRF is checked before this)."""
    if not EmptyForm().validate_on_submit():
        abort(400)


# --- Pages -------------------------------------------------------------------------------------------------


@bp.get("/people")
def people():
    """Every account with its role, the open invitations and password links, and the form to invite someone."""
    return render_template("newsroom/people/people.html", people=User.everyone(), invitations=Invitation.open_ones(),
                           password_links=PasswordLink.open_ones(), form=InvitationForm(),
                           role_form=RoleForm(formdata=None), action_form=EmptyForm(),
                           new_link=session.pop(NEW_LINK, None), now=now_utc())


@bp.post("/people/invite")
def invite_someone():
    """Make a one-time link for the chosen role, to be passed on by the admin."""
    form = InvitationForm()
    if not form.validate_on_submit():
        abort(400, "Choose the role of the person you invite.")
    token = invite(form.role.data, current_user)
    show_once(token, "people.join_by_invitation", INVITATION_LIFETIME,
              f"Invitation made for {a_role(form.role.data)}. Pass the link on;", kind="invitation")
    return redirect(url_for("people.people"))


@bp.post(f"/people/<int(max={MAX_ID}):user_id>/password-link")
def make_password_link_for(user_id: int):
    """Make a one-time link with which this account's holder chooses a new password."""
    user = db.get_or_404(User, user_id)
    require_button_form()
    try:
        token = make_password_link(user, current_user)
    except PeopleError as error:
        flash(str(error), "error")
    else:
        show_once(token, "people.choose_password", PASSWORD_LINK_LIFETIME,
                  f"Password link made for {user.display_name}. Pass it on to them alone;", kind="password",
                  **{"for": user.display_name})
    return redirect(url_for("people.people"))


def show_once(token: str, endpoint: str, lifetime: timedelta, made: str, **shown) -> None:
    """Hold a new link for the people page to show once (never stored unhashed), and say how long it works."""
    hours = lifetime // timedelta(hours=1)
    session[NEW_LINK] = {"url": absolute_url(endpoint, token=token), "hours": hours, **shown}
    flash(f"{made} it works once, for {hours} hours.", "info")


@bp.post(f"/people/invitations/<int(max={MAX_ID}):invitation_id>/withdraw")
def withdraw_invitation(invitation_id: int):
    """Withdraw an open invitation: its link stops working."""
    return withdraw(Invitation, invitation_id, "invitation")


@bp.post(f"/people/password-links/<int(max={MAX_ID}):link_id>/withdraw")
def withdraw_password_link(link_id: int):
    """Withdraw an open password link: it stops working, and the password stays as it is."""
    return withdraw(PasswordLink, link_id, "password link")


def withdraw(kind: type[Invitation | PasswordLink], link_id: int, name: str):
    """Withdraw an open link of this kind, or say it was no longer open; back to the people page."""
    require_button_form()
    withdrawn = kind.withdraw(link_id)
    db.session.commit()
    if withdrawn:
        flash(f"The {name} is withdrawn; its link no longer works.", "info")
    else:
        flash(f"That {name} was already used, withdrawn or expired.", "error")
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
    require_button_form()
    try:
        deactivate(user)
    except PeopleError as error:
        flash(str(error), "error")
    else:
        flash(f"{user.display_name}'s account is closed and signed out everywhere. Their bylines stay.", "info")
    return redirect(url_for("people.people"))


@bp.post(f"/people/<int(max={MAX_ID}):user_id>/reactivate")
def reactivate_account(user_id: int):
    """Open a closed account again."""
    user = db.get_or_404(User, user_id)
    require_button_form()
    reactivate(user)
    flash(f"{user.display_name}'s account is open again, as {a_role(user.role)}, with its old password. "
          "Make them a password link if they no longer know it.", "info")
    return redirect(url_for("people.people"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join_by_invitation(token: str):
    """The invitee chooses their names and a password; the link then stops working."""
    invitation = Invitation.open_by_token(token)
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


@bp.route("/password/<token>", methods=["GET", "POST"])
def choose_password(token: str):
    """The holder of a password link chooses a new password; the link then stops working, and every session ends."""
    link = PasswordLink.open_by_token(token)
    if link is None or not link.user.active:
        return render_error(404, DEAD_PASSWORD_LINK)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = use_password_link(link, form.password.data)
        except AccountError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            if user is None:
                return render_error(404, DEAD_PASSWORD_LINK)
            flash(f"Your new password is set, and every browser signed in to your account is signed out. "
                  f"Sign in as {user.username}.", "info")
            return redirect(url_for("auth.login"))
    return render_template("newsroom/people/password.html", form=form, person=link.user), 400 if form.errors else 200
