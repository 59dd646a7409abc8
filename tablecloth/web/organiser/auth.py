"""Organiser log-in and the guard every organiser page stands behind."""

from __future__ import annotations

import functools

from flask import g, redirect, request, session, url_for

from ... import db
from ...models import Organiser, Role
from . import bp


@bp.before_app_request
def load_organiser() -> None:
    """Put the logged-in organiser, if any, on g."""
    organiser_id = session.get("organiser_id")
    g.organiser = None
    if organiser_id is not None:
        found = db.session().get(Organiser, organiser_id)
        if found is not None and found.active:
            g.organiser = found


def login_required(view):
    """Send anyone not logged in to the log-in page."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("organiser") is None:
            return redirect(url_for("organiser.login", next=request.full_path))
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Refuse a view to anyone but an admin."""

    @functools.wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if g.organiser.role != Role.ADMIN:
            return ("Forbidden", 403)
        return view(*args, **kwargs)

    return wrapped
