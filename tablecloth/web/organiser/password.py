"""An organiser's own password: change it (every other session ends), or set a new one
through the one-time reset link an admin made."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import context
from ...services import accounts, sessions
from ..messages import say_refusal
from .auth import begin_session, login_required
from .blueprint import bp
from .common import PRIVATE, used_link

# Pages with a secret in their address or a password form: never cached, never referred.


def _twice(form) -> str | None:
    if form.get("password", "") != form.get("password_again", ""):
        return _("The two passwords differ.")
    return None


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Let the logged-in organiser choose a new password; log out every other session."""
    error = None
    if request.method == "POST":
        error = _twice(request.form)
        if error is None:
            try:
                token = sessions.change_password(context.site(), g.organiser,
                                                 request.form.get("current", ""),
                                                 request.form.get("password", ""))
            except accounts.AccountError as refused:
                error = say_refusal(refused)
            else:
                begin_session(token)
                flash(_("Your password is changed. Every other session of your account has "
                        "ended."), "info")
                return redirect(url_for("organiser.dashboard"))
    return render_template("organiser/password.html", error=error, reset=None,
                           min_password=accounts.MIN_PASSWORD_LENGTH
                           ), 400 if error else 200, PRIVATE


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Let an organiser set a new password through a one-time link from an admin."""
    site = context.site()
    reset = sessions.open_reset(site, token)
    if reset is None:
        return used_link(_("This link cannot be used"))
    error = None
    if request.method == "POST":
        error = _twice(request.form)
        if error is None:
            try:
                _person, session_token = sessions.use_reset(site, token,
                                                            request.form.get("password", ""))
            except accounts.AccountError as refused:
                error = say_refusal(refused)
            else:
                begin_session(session_token)
                flash(_("Your new password is set."), "info")
                return redirect(url_for("organiser.dashboard"))
    return render_template("organiser/password.html", error=error, reset=reset,
                           min_password=accounts.MIN_PASSWORD_LENGTH
                           ), 400 if error else 200, PRIVATE
