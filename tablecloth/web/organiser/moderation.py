"""Organiser pages: the dashboard, the moderation queue and the images behind it."""

from __future__ import annotations

import mimetypes

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from ... import context, db
from ...models import AgeBand, Group, PhotoState
from ...services import groups as group_service
from ...services import moderation, reports, scans, stats, uploads
from ..files import send_stored
from . import bp
from .auth import login_required

PAGE_SIZE = 60
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
# Derivatives organisers may see; the master is never served over the web.
SERVED_KINDS = ("thumb", "web")


def cloth_url() -> str:
    """Return the cloth designer's address, even before its page is registered."""
    try:
        return url_for("organiser.cloth")
    except BuildError:
        return "/organiser/cloth"


@bp.app_context_processor
def organiser_context():
    return {"state_labels": STATE_LABELS, "age_labels": AGE_LABELS,
            "organiser_cloth_url": cloth_url}


@bp.get("/")
@login_required
def dashboard():
    """Show how many photos wait in each state, and the way to each task."""
    session = db.session()
    group_total = session.scalar(select(func.count(Group.id)))
    counts = moderation.counts()
    weeks, group_weeks = stats.uploads_per_group()
    return render_template("organiser/dashboard.html", counts=counts,
                           pending=counts[PhotoState.PENDING], group_total=group_total,
                           open_reports=reports.open_count(), scans_total=scans.total(),
                           top_scans=scans.top(days=30), per_city=stats.per_city_and_state(),
                           weeks=weeks, group_weeks=group_weeks)


def _state_filter(raw: str | None) -> PhotoState | None:
    if raw == "all":
        return None
    try:
        return PhotoState(raw or PhotoState.PENDING)
    except ValueError:
        return PhotoState.PENDING


@bp.get("/moderation")
@login_required
def moderation_queue():
    """List photos in one state, optionally of one city, with actions for each."""
    state = _state_filter(request.args.get("state"))
    city = group_service.city_by_slug(request.args.get("city", ""))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found, total = moderation.photos(state, city, limit=PAGE_SIZE,
                                     offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "organiser/moderation.html",
        photos=found, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
        state=state.value if state else "all", city=city.slug if city else "",
        cities=group_service.list_cities(), counts=moderation.counts(),
        guardian_needed=uploads.guardian_consent_needed,
    )


def _back_to_queue():
    """Return to the queue with the filters the form came from."""
    args = {key: request.form[key] for key in ("state", "city", "page") if request.form.get(key)}
    return redirect(url_for("organiser.moderation_queue", **args))


ACTIONS = ("approve", "reject", "withdraw")


@bp.post("/moderation")
@login_required
def moderate():
    """Approve, reject or withdraw one photo or every ticked one."""
    action = request.form.get("action", "")
    raw_codes = request.form.getlist("code")
    if action not in ACTIONS:
        abort(400)
    if not raw_codes:
        flash(_("Tick at least one photo first."), "error")
        return _back_to_queue()
    done, errors = [], []
    for raw in raw_codes:
        photo = moderation.find_photo(raw)
        if photo is None:
            errors.append(_("No photo has the code %(code)s.", code=raw))
            continue
        try:
            if action == "approve":
                moderation.approve(photo, by=g.organiser)
            elif action == "reject":
                moderation.reject(photo, request.form.get("reason", ""), by=g.organiser)
            else:
                moderation.withdraw(photo, by=g.organiser)
        except moderation.ModerationError as error:
            errors.append(str(error))
        else:
            done.append(photo.code)
    if done:
        messages = {
            "approve": ngettext("Approved %(num)d photo: %(codes)s.",
                                "Approved %(num)d photos: %(codes)s.", len(done),
                                codes=", ".join(done)),
            "reject": ngettext("Rejected %(num)d photo: %(codes)s.",
                               "Rejected %(num)d photos: %(codes)s.", len(done),
                               codes=", ".join(done)),
            "withdraw": ngettext("Withdrew %(num)d photo: %(codes)s.",
                                 "Withdrew %(num)d photos: %(codes)s.", len(done),
                                 codes=", ".join(done)),
        }
        flash(messages[action], "info")
    for message in errors:
        flash(message, "error")
    return _back_to_queue()


@bp.post("/moderation/<code>/caption")
@login_required
def edit_caption(code: str):
    """Replace one photo's caption and, when the form has it, its translation."""
    photo = moderation.find_photo(code)
    if photo is None:
        abort(404)
    try:
        moderation.edit_caption(photo, request.form.get("caption", ""), by=g.organiser)
        if "caption_translation" in request.form:
            moderation.edit_caption_translation(photo, request.form["caption_translation"],
                                                by=g.organiser)
    except moderation.ModerationError as error:
        flash(str(error), "error")
    else:
        flash(_("Caption of %(code)s saved.", code=photo.code), "info")
    return _back_to_queue()


@bp.get("/photo/<code>/<kind>")
@login_required
def photo_file(code: str, kind: str):
    """Serve a thumbnail or web copy of any photo, whatever its state, to organisers."""
    if kind not in SERVED_KINDS:
        abort(404)
    photo = moderation.find_photo(code)
    stored = photo.file(kind) if photo is not None else None
    if stored is None:
        abort(404)
    site = context.site()
    response = send_stored(site.store, site.settings, stored.key, stored.sha256,
                           stored.content_type, max_age=600, size=stored.size)
    if response.status_code == 302:
        return response  # a short-lived presigned URL, already marked private
    # Unpublished photos: never kept by shared caches, only briefly by the organiser's browser.
    response.headers["Cache-Control"] = "private, max-age=600"
    extension = mimetypes.guess_extension(stored.content_type) or ""
    response.headers["Content-Disposition"] = f'inline; filename="{photo.code}-{kind}{extension}"'
    return response
