"""Organiser log-in and the guard every organiser page stands behind."""

from __future__ import annotations

import functools
import math
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf.csrf import CSRFError

from ... import context
from ...models import Role
from ...services import accounts, sessions
from ..limits import address, limiter
from .blueprint import bp

LOGIN_WINDOW_S = 15 * 60


SESSION_KEY = "sid"  # the cookie's session token; the server keeps its hash (services.sessions)


def load_organiser() -> None:
    """Put the logged-in organiser, if any, on g (before every request: web/__init__.py)."""
    token = session.get(SESSION_KEY)
    g.organiser = None
    if token is not None:
        g.organiser = sessions.organiser_for(context.site(), token)


def begin_session(token: str) -> None:
    """Give this browser a fresh cookie holding a new server-side session's token."""
    # A fresh cookie, so a session id planted before cannot be ridden after.
    session.clear()
    session[SESSION_KEY] = token
    session.permanent = False


def login_required(view):
    """Send anyone not logged in to the log-in page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("organiser") is None:
            # Only a page can be come back to: a form's POST would answer 405 after log-in.
            target = None
            if request.method == "GET":
                target = request.full_path if request.query_string else request.path
            return redirect(url_for("organiser.login", next=target))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Refuse a view to anyone but an admin."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.organiser.role != Role.ADMIN:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str | None:
    """Return target when it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _limit_key(email: str) -> str:
    return f"login:{address()}:{email.strip().lower()}"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the log-in form; log an organiser in."""
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.get("organiser") is not None:
            return redirect(next_url or url_for("organiser.dashboard"))
        return render_template("organiser/login.html", next_url=next_url, email="")

    email = request.form.get("email", "")
    password = request.form.get("password", "")
    key = _limit_key(email)
    site = context.site()
    limit = site.settings["LOGIN_RATE_LIMIT"]
    wait_s = limiter().retry_after(key, limit, LOGIN_WINDOW_S)
    # The attempt is counted before the password is checked, so that attempts racing in
    # several workers cannot all pass the check above: exactly `limit` are ever checked.
    if wait_s <= 0 and not limiter().hit(key, limit, LOGIN_WINDOW_S):
        wait_s = max(1.0, limiter().retry_after(key, limit, LOGIN_WINDOW_S))
    if wait_s > 0:
        minutes = max(1, math.ceil(wait_s / 60))
        error = ngettext(
            "Too many failed log-ins. Try again in %(num)d minute.",
            "Too many failed log-ins. Try again in %(num)d minutes.",
            minutes,
        )
        response = current_app.make_response(render_template(
            "organiser/login.html", next_url=next_url, email=email, error=error))
        response.status_code = 429
        response.headers["Retry-After"] = str(math.ceil(wait_s))
        return response

    person = accounts.authenticate(site, email, password)
    if person is None:
        return render_template("organiser/login.html", next_url=next_url, email=email,
                               error=_("Wrong e-mail or password.")), 401

    limiter().reset(key)
    begin_session(sessions.start(site, person))
    return redirect(next_url or url_for("organiser.dashboard"))


@bp.post("/logout")
def logout():
    """Log the organiser out: the session ends on the server, not only in this browser."""
    sessions.end(context.site(), session.get(SESSION_KEY))
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("organiser.login"))


@bp.errorhandler(CSRFError)
def csrf_refused(_error):
    """Explain a missing or stale form token in the organiser's language."""
    back = safe_next(request.referrer and urlsplit(request.referrer)._replace(
        scheme="", netloc="").geturl()) or url_for("organiser.dashboard")
    return render_template(
        "organiser/problem.html", title=_("The form was out of date"),
        message=_("Nothing was changed. Reload the page and try again; if you were away for "
                  "a long time, you may need to log in again."),
        back=back,
    ), 400


@bp.errorhandler(403)
def forbidden(_error):
    """Explain that a task is for admins only."""
    return render_template(
        "organiser/problem.html", title=_("Only for admins"),
        message=_("Your account can review photos and manage groups, but this task needs an "
                  "admin account."),
        back=url_for("organiser.dashboard"),
    ), 403
