"""The audit log: who did what to which photo, group, account or cloth, and when."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..messages import N_
from ..models import AuditEntry, Organiser
from .site import Site

# Actions the services record, with what each means in English (the web translates it);
# the audit page offers them as a filter. A new action gets its words here.
ACTION_LABELS = {
    "photo.approve": N_("Photo approved"),
    "photo.reject": N_("Photo rejected"),
    "photo.withdraw": N_("Photo withdrawn"),
    "photo.caption": N_("Caption changed"),
    "photo.hide": N_("Photo hidden after a report"),
    "photo.restore": N_("Photo shown again"),
    "photo.report_dismissed": N_("Report dismissed"),
    "consent.recorded": N_("Photo received, consent recorded"),
    "account.invite": N_("Organiser invited"),
    "account.revoke": N_("Invitation withdrawn"),
    "account.create": N_("Account created"),
    "account.deactivate": N_("Account switched off"),
    "account.reactivate": N_("Account switched on again"),
    "group.create": N_("Group created"),
    "group.disable": N_("Invite code switched off"),
    "group.enable": N_("Invite code switched on again"),
    "cloth.freeze": N_("Edition frozen"),
    "cloth.export": N_("Print files exported"),
    "cloth.swatch": N_("Test swatch made"),
    "photo.name": N_("Name in the other script changed"),
    "account.password": N_("Password changed"),
    "account.reset_link": N_("Password reset link made"),
    "account.password_reset": N_("Password set with a reset link"),
    "account.sessions_end": N_("Every session ended"),
    "group.quota": N_("Group quota changed"),
    "group.expiry": N_("Invite code's last day changed"),
    "city.add": N_("City added"),
    "cloth.settings": N_("Print settings changed"),
    "cloth.order": N_("Photo order changed"),
}
ACTIONS = tuple(ACTION_LABELS)
# The keys of an entry's detail, with their English names.
DETAIL_LABELS = {
    "from": N_("before"),
    "reason": N_("reason"),
    "by": N_("by"),
    "length": N_("length"),
    "translation": N_("translation"),
    "consent_self": N_("own consent"),
    "consent_guardian": N_("guardian's consent"),
    "age_band": N_("age"),
    "by_organiser": N_("sent by an organiser"),
    "role": N_("role"),
    "via": N_("made with"),
    "invitation": N_("invitation"),
    "city": N_("city"),
    "export": N_("export"),
    "formats": N_("files"),
    "draft": N_("draft"),
    "photos": N_("photos"),
    "swatch": N_("swatch"),
    "sizes": N_("module sizes, mm"),
    "corrected": N_("corrected by hand"),
    "to": N_("after"),
    "mb": N_("megabytes"),
    "sessions": N_("sessions"),
    "sessions_ended": N_("sessions ended"),
    "hours": N_("hours valid"),
    "en": N_("name in English"),
    "ru": N_("name in Russian"),
    "home": N_("home language"),
    "mode": N_("order"),
    "printer": N_("printer"),
}
CSV_COLUMNS = ("at", "organiser", "action", "target", "detail")


def record(site: Site, action: str, target: str = "", detail: dict[str, Any] | None = None,
           organiser: Organiser | int | None = None) -> AuditEntry:
    """Add an entry to the site's session; the caller's commit saves it with the action."""
    organiser_id = organiser.id if isinstance(organiser, Organiser) else organiser
    entry = AuditEntry(action=action, target=str(target or ""), detail=dict(detail or {}),
                       organiser_id=organiser_id)
    site.db.add(entry)
    return entry


def known_actions(site: Site) -> list[str]:
    """Return the documented actions and any other action already in the log."""
    found = site.db.scalars(select(AuditEntry.action).distinct()).all()
    return list(ACTIONS) + sorted(set(found) - set(ACTIONS))


def _filtered(action: str | None, target: str | None):
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if target:
        query = query.where(func.upper(AuditEntry.target) == target.strip().upper())
    return query


def entries(site: Site, action: str | None = None, target: str | None = None, limit: int = 50,
            offset: int = 0) -> tuple[Sequence[AuditEntry], int]:
    """Return one page of entries, newest first, and how many match in all."""
    query = _filtered(action, target)
    total = site.db.scalar(select(func.count()).select_from(query.subquery()))
    page = site.db.scalars(
        query.options(selectinload(AuditEntry.organiser))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)
    ).all()
    return page, total


def rows(site: Site, action: str | None = None, target: str | None = None,
         batch: int = 500) -> Iterator[tuple[str, ...]]:
    """Yield every matching entry as CSV cells, newest first, a batch at a time."""
    offset = 0
    while True:
        page, _total = entries(site, action, target, limit=batch, offset=offset)
        for entry in page:
            who = entry.organiser.email if entry.organiser is not None else ""
            yield (entry.at.isoformat(timespec="seconds"), who, entry.action, entry.target,
                   json.dumps(entry.detail or {}, ensure_ascii=False, sort_keys=True))
        if len(page) < batch:
            return
        offset += batch
