"""What the organiser pages share: labels in templates, and answering 404 for a missing thing."""

from __future__ import annotations

from typing import TypeVar

from flask import abort, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from ...models import AgeBand, PhotoState

T = TypeVar("T")

STATE_LABELS = {
    PhotoState.PENDING: _l("Waiting for review"),
    PhotoState.APPROVED: _l("Approved"),
    PhotoState.REJECTED: _l("Rejected"),
    PhotoState.WITHDRAWN: _l("Withdrawn"),
}
AGE_LABELS = {
    AgeBand.UNDER_13: _l("under 13"),
    AgeBand.FROM_13_TO_15: _l("13 to 15"),
    AgeBand.FROM_16_TO_17: _l("16 to 17"),
    AgeBand.ADULT: _l("18 or over"),
}


def cloth_url() -> str:
    """Return the cloth designer's address, even before its page is registered."""
    try:
        return url_for("organiser.cloth")
    except BuildError:
        return "/organiser/cloth"


def organiser_context() -> dict:
    """Give every template the organiser pages' state and age labels and the designer's link."""
    return {"state_labels": STATE_LABELS, "age_labels": AGE_LABELS,
            "organiser_cloth_url": cloth_url}


def or_404(found: T | None) -> T:
    """Return what a look-up found, or answer 404 Not Found if it found nothing."""
    if found is None:
        abort(404)
    return found


# A page reached through a private one-time link: kept out of caches and of Referer headers.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def used_link(title: str):
    """Answer a one-time link (invitation, password reset) that has expired or been used."""
    return render_template(
        "organiser/problem.html", title=title,
        message=gettext("The link has expired or was already used. Ask an admin for a new one."),
        back=url_for("organiser.login"),
    ), 410, PRIVATE
