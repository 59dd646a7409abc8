"""Organiser pages: groups with their invite codes, and cities."""

from __future__ import annotations

from datetime import date

from flask import Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ... import context
from ...services import groups as group_service
from ..messages import say_refusal
from .auth import admin_required, login_required
from .blueprint import bp
from .common import or_404


def _parse_day(raw: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise group_service.GroupError("date_invalid", value=raw) from None


def _parse_quota(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise group_service.GroupError("quota_invalid") from None


@bp.get("/groups")
@login_required
def groups():
    """List every group with its invite code and upload link; offer to create one."""
    site = context.site()
    return render_template(
        "organiser/groups.html",
        rows=group_service.list_groups(site),
        cities=group_service.list_cities(site),
        last_day=group_service.last_day,
        upload_link=lambda code: group_service.upload_link(site, code),
        today=date.today().isoformat(),
    )


@bp.post("/groups")
@login_required
def create_group():
    """Create a group with a fresh invite code."""
    site = context.site()
    city = group_service.city_by_slug(site, request.form.get("city", ""))
    try:
        if city is None:
            raise group_service.GroupError("group_city_missing")
        created = group_service.create_group(
            site, request.form.get("name", ""), city,
            _parse_day(request.form.get("expires", "")), by=g.organiser,
        )
    except group_service.GroupError as error:
        flash(say_refusal(error), "error")
    else:
        flash(_("Group %(name)s created. Its invite code is %(code)s.",
                name=created.name, code=created.invite_code), "info")
    return redirect(url_for("organiser.groups"))


@bp.post("/groups/<code>/active")
@login_required
def switch_group(code: str):
    """Switch a group's invite code on or off."""
    active = request.form.get("active") == "1"
    try:
        changed = group_service.set_active(context.site(), code, active, by=g.organiser)
    except group_service.GroupError as error:
        flash(say_refusal(error), "error")
    else:
        if active:
            flash(_("Invite code %(code)s works again.", code=changed.invite_code), "info")
        else:
            flash(_("Invite code %(code)s is switched off.", code=changed.invite_code), "info")
    return redirect(url_for("organiser.groups"))


@bp.post("/groups/<code>/quota")
@login_required
def group_quota(code: str):
    """Change how many photos and megabytes a group may send (empty: no limit)."""
    try:
        changed = group_service.set_quota(
            context.site(), code, _parse_quota(request.form.get("quota_photos")),
            _parse_quota(request.form.get("quota_mb")), by=g.organiser)
    except group_service.GroupError as error:
        flash(say_refusal(error), "error")
    else:
        flash(_("Quota of %(code)s saved.", code=changed.invite_code), "info")
    return redirect(url_for("organiser.groups"))


@bp.post("/groups/<code>/expiry")
@login_required
def group_expiry(code: str):
    """Change the last day a group's invite code works."""
    try:
        changed = group_service.set_expiry(context.site(), code,
                                           _parse_day(request.form.get("expires", "")),
                                           by=g.organiser)
    except group_service.GroupError as error:
        flash(say_refusal(error), "error")
    else:
        day = group_service.last_day(changed)
        if day is None:
            flash(_("Invite code %(code)s no longer expires.", code=changed.invite_code),
                  "info")
        else:
            flash(_("Invite code %(code)s works until %(day)s.", code=changed.invite_code,
                    day=day.isoformat()), "info")
    return redirect(url_for("organiser.groups"))


@bp.get("/groups/<code>/invitation.pdf")
@login_required
def group_invitation(code: str):
    """Send a printable A4 invitation with the group's QR code to the upload page."""
    site = context.site()
    group = or_404(group_service.find_group(site, code))
    return Response(group_service.invitation_pdf(site, group), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="invitation-{group.invite_code}.pdf"',
        "Cache-Control": "private, no-store"})


@bp.get("/cities")
@login_required
def cities():
    """List the cities; offer admins to add one."""
    return render_template("organiser/cities.html",
                           cities=group_service.list_cities(context.site()))


@bp.post("/cities")
@admin_required
def add_city():
    """Add a city with its names in both languages."""
    try:
        city = group_service.add_city(
            context.site(), request.form.get("slug", ""), request.form.get("name_en", ""),
            request.form.get("name_ru", ""), request.form.get("home_language", "en"),
            by=g.organiser,
        )
    except group_service.GroupError as error:
        flash(say_refusal(error), "error")
    else:
        flash(_("City %(name)s added.", name=city.bilingual()), "info")
    return redirect(url_for("organiser.cities"))
