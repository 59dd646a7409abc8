"""Organiser accounts (admins only) and the invitation link a new organiser opens."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ... import context
from ...models import Role
from ...services import accounts, sessions
from ..messages import say_refusal
from .auth import admin_required, begin_session
from .blueprint import bp
from .common import PRIVATE, or_404, used_link

ROLE_LABELS = {Role.ADMIN: _l("admin"), Role.MODERATOR: _l("moderator")}


def _accounts_page(new_link: str | None = None, new_role: Role | None = None,
                   reset_link: str | None = None, reset_for: str | None = None,
                   status: int = 200):
    site = context.site()
    return render_template(
        "organiser/accounts.html", people=accounts.list_organisers(site),
        role_labels=ROLE_LABELS, invitations=accounts.pending_invitations(site),
        new_link=new_link, new_role=new_role, days=accounts.INVITATION_DAYS,
        reset_link=reset_link, reset_for=reset_for, reset_hours=sessions.RESET_HOURS,
        min_password=accounts.MIN_PASSWORD_LENGTH,
    ), status


def absolute(path: str) -> str:
    """Return a link for someone else to open: always PUBLIC_BASE_URL, never the Host header."""
    return context.site().base_url + path


@bp.get("/accounts")
@admin_required
def accounts_page():
    """List the organisers, with the form for a new invitation."""
    return _accounts_page()


@bp.post("/accounts/invitations")
@admin_required
def create_invitation():
    """Make a one-time invitation link and show it once; only its hash is kept."""
    try:
        role = Role(request.form.get("role", Role.MODERATOR.value))
    except ValueError:
        abort(400)
    try:
        invitation, token = accounts.create_invitation(
            context.site(), role, request.form.get("note", ""), by=g.organiser)
    except accounts.AccountError as error:
        flash(say_refusal(error), "error")
        return redirect(url_for("organiser.accounts_page"))
    # Shown in this response only (never in a redirect's flash, which lives in the cookie).
    link = absolute(url_for("organiser.accept_invitation", token=token))
    response = _accounts_page(new_link=link, new_role=invitation.role)
    return response[0], response[1], {"Cache-Control": "no-store"}


@bp.post("/accounts/invitations/<int:invitation_id>/revoke")
@admin_required
def revoke_invitation(invitation_id: int):
    """Make an unused invitation link stop working."""
    site = context.site()
    invitation = or_404(accounts.get_invitation(site, invitation_id))
    accounts.revoke_invitation(site, invitation, by=g.organiser)
    flash(_("The invitation link no longer works."), "info")
    return redirect(url_for("organiser.accounts_page"))


@bp.post("/accounts/<int:person_id>/active")
@admin_required
def switch_account(person_id: int):
    """Deactivate or reactivate an organiser's account."""
    site = context.site()
    person = or_404(accounts.get_organiser(site, person_id))
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(site, person, active, by=g.organiser)
    except accounts.AccountError as error:
        flash(say_refusal(error), "error")
    else:
        flash(_("%(email)s can log in again.", email=person.email) if active
              else _("%(email)s can no longer log in.", email=person.email), "info")
    return redirect(url_for("organiser.accounts_page"))


@bp.post("/accounts/<int:person_id>/reset")
@admin_required
def create_reset(person_id: int):
    """Make a one-time password reset link for an account and show it once."""
    site = context.site()
    person = or_404(accounts.get_organiser(site, person_id))
    if not person.active:
        flash(_("Reactivate the account first."), "error")
        return redirect(url_for("organiser.accounts_page"))
    _reset, token = sessions.create_reset(site, person, by=g.organiser)
    link = absolute(url_for("organiser.reset_password", token=token))
    response = _accounts_page(reset_link=link, reset_for=person.email)
    return response[0], response[1], {"Cache-Control": "no-store"}


@bp.post("/accounts/<int:person_id>/sessions/end")
@admin_required
def end_sessions(person_id: int):
    """Log an account out everywhere at once (a lost laptop, a shared computer)."""
    site = context.site()
    person = or_404(accounts.get_organiser(site, person_id))
    count = sessions.end_all_by_admin(site, person, by=g.organiser)
    flash(ngettext("%(email)s was logged out of %(num)d session.",
                   "%(email)s was logged out of %(num)d sessions.", count, email=person.email),
          "info")
    return redirect(url_for("organiser.accounts_page"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Let an invited person choose an e-mail address and password, then log them in."""
    site = context.site()
    invitation = accounts.open_invitation(site, token)
    if invitation is None:
        return used_link(_("This invitation cannot be used"))
    email, error = "", None
    if request.method == "POST":
        email = request.form.get("email", "")
        password = request.form.get("password", "")
        if password != request.form.get("password_again", ""):
            error = _("The two passwords differ.")
        else:
            try:
                person = accounts.accept_invitation(site, token, email, password)
            except accounts.AccountError as exc:
                error = say_refusal(exc)
            else:
                begin_session(sessions.start(site, person))
                flash(_("Welcome! Your account is ready."), "info")
                return redirect(url_for("organiser.dashboard"))
    return render_template(
        "organiser/invite.html", invitation=invitation, role_label=ROLE_LABELS[invitation.role],
        email=email, error=error, min_password=accounts.MIN_PASSWORD_LENGTH,
    ), 400 if error else 200, PRIVATE
