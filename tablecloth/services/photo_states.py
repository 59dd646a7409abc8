"""The photo state machine: every change of a photo's state or visibility, written once.

    pending  --approve-->  approved      rejected --approve--> approved
    pending  --reject--->  rejected      approved --reject---> rejected
    pending | approved | rejected  --withdraw-->  withdrawn   (final)
    not withdrawn, shown   --hide---->  hidden (hidden_at set)
    not withdrawn, hidden  --restore->  shown  (hidden_at cleared)

Each transition is one conditional UPDATE (``... WHERE id = :id AND state = :from``) in its
own transaction, with its audit entry written in that transaction only when the UPDATE
changed the row. Of two requests racing on one photo, the database lets exactly one UPDATE
match; the other finds the row already changed and does nothing. No read-check-write: a
withdrawal that lands first can never be overwritten by an approve that read the photo
before it, and a withdrawal is final because no transition leaves ``withdrawn``.

Web, CLI and background jobs all change photos through ``change``; nothing else writes
``Photo.state``, ``withdrawn_at`` or ``hidden_at`` of an existing photo.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update

from ..models import Organiser, Photo, PhotoState, utcnow
from . import audit
from .site import Site

PENDING, APPROVED, REJECTED, WITHDRAWN = (PhotoState.PENDING, PhotoState.APPROVED,
                                          PhotoState.REJECTED, PhotoState.WITHDRAWN)
LIVE = (PENDING, APPROVED, REJECTED)  # every state a photo can leave


@dataclass(frozen=True)
class Transition:
    """One allowed change: from which states, to which, what else it sets, its audit action."""

    action: str
    sources: tuple[PhotoState, ...]
    target: PhotoState | None = None  # None: the state stays, only visibility changes
    hidden: bool | None = None  # True: must be shown before; False: must be hidden before
    values: Callable[[datetime, int | None, Mapping[str, Any]], dict[str, Any]] = (
        lambda _now, _by, _extra: {})
    detail: Callable[[PhotoState, Mapping[str, Any]], dict[str, Any]] = field(
        default=lambda _from, _extra: {})


def _reviewed(now: datetime, by: int | None) -> dict[str, Any]:
    return {"reviewed_at": now, "reviewed_by_id": by}


TRANSITIONS: dict[str, Transition] = {
    "approve": Transition(
        "photo.approve", (PENDING, REJECTED), APPROVED,
        values=lambda now, by, _extra: {**_reviewed(now, by), "reject_reason": None},
        detail=lambda before, _extra: {"from": before.value}),
    "reject": Transition(
        "photo.reject", (PENDING, APPROVED), REJECTED,
        values=lambda now, by, extra: {**_reviewed(now, by),
                                       "reject_reason": extra.get("reason") or None},
        detail=lambda before, extra: {"from": before.value, "reason": extra.get("reason", "")}),
    "withdraw": Transition(
        "photo.withdraw", LIVE, WITHDRAWN,
        values=lambda now, by, extra: (
            {"withdrawn_at": now} if extra.get("who") == "participant"
            else {"withdrawn_at": now, **_reviewed(now, by)}),
        detail=lambda _before, extra: {"by": extra.get("who", "organiser")}),
    "hide": Transition(
        "photo.hide", LIVE, hidden=True,
        values=lambda now, _by, _extra: {"hidden_at": now}),
    "restore": Transition(
        "photo.restore", LIVE, hidden=False,
        values=lambda _now, _by, _extra: {"hidden_at": None}),
}


def allowed(name: str, photo: Photo) -> bool:
    """Say whether a transition could apply to the photo as last read (a hint, not a lock)."""
    move = TRANSITIONS[name]
    if photo.state not in move.sources:
        return False
    if move.hidden is True:
        return photo.hidden_at is None
    if move.hidden is False:
        return photo.hidden_at is not None
    return True


def change(site: Site, photo: Photo, name: str, by: Organiser | None = None,
           now: datetime | None = None, commit: bool = True, **extra: Any) -> bool:
    """Apply a transition atomically; return True if this call changed the photo.

    False means the photo was not in a state the transition leaves (perhaps changed a moment
    ago by someone else): nothing was written, no audit entry, and ``photo`` is reloaded so
    the caller sees the state that won. With commit=False the caller commits (and may add
    its own writes to the same transaction); the photo is then reloaded by that commit's
    caller, not here.
    """
    move = TRANSITIONS[name]
    now = now or utcnow()
    by_id = by.id if by is not None else None
    session = site.db
    # Changes in this session to the photo would be flushed by the UPDATE below: there are
    # none by design, but never let one ride along unseen.
    session.flush()
    changed_from: PhotoState | None = None
    for source in move.sources:
        query = update(Photo).where(Photo.id == photo.id, Photo.state == source)
        if move.hidden is True:
            query = query.where(Photo.hidden_at.is_(None))
        elif move.hidden is False:
            query = query.where(Photo.hidden_at.is_not(None))
        values = move.values(now, by_id, extra)
        if move.target is not None:
            values["state"] = move.target
        result = session.execute(
            query.values(**values).execution_options(synchronize_session=False))
        if result.rowcount == 1:
            changed_from = source
            break
    if changed_from is not None:
        audit.record(site, move.action, photo.code, move.detail(changed_from, extra),
                     organiser=by)
    if commit:
        session.commit()
        session.refresh(photo)
    return changed_from is not None
