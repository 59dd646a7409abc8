"""The audit log: who did what to which photo, group, account or cloth, and when."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..models import AuditEntry, Organiser
from .site import Site

# Actions the services record; the audit page offers them as a filter.
ACTIONS = (
    "photo.approve", "photo.reject", "photo.withdraw", "photo.caption", "photo.hide",
    "photo.restore", "consent.recorded", "account.invite", "account.revoke", "account.create",
    "account.deactivate", "account.reactivate", "group.create", "group.disable", "group.enable",
    "cloth.freeze", "cloth.export", "cloth.swatch", "photo.name",
)
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
