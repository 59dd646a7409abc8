"""Organiser pages: the moderation queue, its actions, and the images behind it."""

from __future__ import annotations

import mimetypes

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ... import context
from ...layout import clean
from ...models import PhotoState
from ...services import groups, moderation, uploads
from ..files import send_stored
from ..messages import say, say_refusal
from .auth import login_required
from .blueprint import bp
from .common import or_404

PAGE_SIZE = 60
ACTIONS = ("approve", "reject", "withdraw")


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
    site = context.site()
    state = _state_filter(request.args.get("state"))
    city = groups.city_by_slug(site, request.args.get("city", ""))
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found, total = moderation.photos(site, state, city, limit=PAGE_SIZE,
                                     offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "organiser/moderation.html",
        photos=found, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)),
        state=state.value if state else "all", city=city.slug if city else "",
        cities=groups.list_cities(site), counts=moderation.counts(site),
        guardian_needed=uploads.guardian_consent_needed,
        print_warning=print_warning,
    )


def print_warning(name: str) -> str:
    """Say how a name will print on the cloth if some of it cannot ("" when all of it can)."""
    found = clean(name)
    if not found.changed:
        return ""
    if found.missing:
        return _("On the cloth this name prints as “%(printed)s”: no font has %(chars)s, "
                 "and emoji cannot be printed on fabric.", printed=found.text,
                 chars=" ".join(found.missing))
    return _("On the cloth this name prints as “%(printed)s”: emoji (%(emoji)s) cannot be "
             "printed on fabric.", printed=found.text, emoji=found.emoji)


def _back_to_queue():
    """Return to the queue with the filters the form came from."""
    args = {key: request.form[key] for key in ("state", "city", "page") if request.form.get(key)}
    return redirect(url_for("organiser.moderation_queue", **args))


def _done_message(action: str, done: list[str]) -> str:
    joined = ", ".join(done)
    if action == "approve":
        return ngettext("Approved %(num)d photo: %(codes)s.",
                        "Approved %(num)d photos: %(codes)s.", len(done), codes=joined)
    if action == "reject":
        return ngettext("Rejected %(num)d photo: %(codes)s.",
                        "Rejected %(num)d photos: %(codes)s.", len(done), codes=joined)
    return ngettext("Withdrew %(num)d photo: %(codes)s.",
                    "Withdrew %(num)d photos: %(codes)s.", len(done), codes=joined)


@bp.post("/moderation")
@login_required
def moderate():
    """Approve, reject or withdraw one photo or every ticked one."""
    site = context.site()
    action = request.form.get("action", "")
    raw_codes = request.form.getlist("code")
    if action not in ACTIONS:
        abort(400)
    if not raw_codes:
        flash(_("Tick at least one photo first."), "error")
        return _back_to_queue()
    done, errors = [], []
    for raw in raw_codes:
        photo = moderation.find_photo(site, raw)
        if photo is None:
            errors.append(say("photo_unknown", {"code": raw}))
            continue
        try:
            if action == "approve":
                moderation.approve(site, photo, by=g.organiser)
            elif action == "reject":
                moderation.reject(site, photo, request.form.get("reason", ""), by=g.organiser)
            else:
                moderation.withdraw(site, photo, by=g.organiser)
        except moderation.ModerationError as error:
            errors.append(say_refusal(error))
        else:
            done.append(photo.code)
    if done:
        flash(_done_message(action, done), "info")
    for message in errors:
        flash(message, "error")
    return _back_to_queue()


@bp.post("/photos/<code>/caption")
@login_required
def edit_caption(code: str):
    """Replace one photo's caption and, when the form has it, its translation."""
    site = context.site()
    photo = or_404(moderation.find_photo(site, code))
    try:
        moderation.edit_caption(site, photo, request.form.get("caption", ""), by=g.organiser)
        if "caption_translation" in request.form:
            moderation.edit_caption_translation(site, photo, request.form["caption_translation"],
                                                by=g.organiser)
    except moderation.ModerationError as error:
        flash(say_refusal(error), "error")
    else:
        flash(_("Caption of %(code)s saved.", code=photo.code), "info")
    return _back_to_queue()


@bp.get("/photos/<code>/<kind>")
@login_required
def photo_file(code: str, kind: str):
    """Serve a thumbnail or web copy of any photo, whatever its state, to organisers."""
    site = context.site()
    stored = or_404(moderation.file_for_organisers(site, code, kind))
    response = send_stored(site.store, site.settings, stored.key, stored.sha256,
                           stored.content_type, max_age=600, size=stored.size)
    if response.status_code == 302:
        return response  # a short-lived presigned URL, already marked private
    # Unpublished photos: never kept by shared caches, only briefly by the organiser's browser.
    response.headers["Cache-Control"] = "private, max-age=600"
    extension = mimetypes.guess_extension(stored.content_type) or ""
    response.headers["Content-Disposition"] = (
        f'inline; filename="{stored.photo.code}-{kind}{extension}"')
    return response
