"""Correct how a photo's first name is written in the other script on the cloth."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext

from ... import context
from ...errors import Refusal
from ...services import moderation, names
from ..messages import say_refusal
from .auth import login_required
from .blueprint import bp
from .common import or_404


@bp.post("/photos/<code>/name")
@login_required
def edit_name(code: str):
    """Save the name's other-script form (blank: the automatic one again)."""
    site = context.site()
    photo = or_404(moderation.find_photo(site, code))
    try:
        names.set_other_script(site, photo, request.form.get("name_other", ""), by=g.organiser)
    except Refusal as refusal:
        flash(say_refusal(refusal), "error")
    else:
        flash(gettext("On the cloth: %(label)s", label=f"{photo.first_name} / "
                      f"{names.printed_other(photo)}"), "info")
    args = {key: request.form[key] for key in ("state", "city", "page") if request.form.get(key)}
    return redirect(url_for("organiser.moderation_queue", **args) + f"#photo-{photo.code}")


@bp.app_template_global("name_other_of")
def name_other_of(photo) -> str:
    """Return the other-script form the cloth prints for a photo (for the moderation cards)."""
    return names.printed_other(photo)
