"""The photo state machine: which transitions exist, one audit entry per real change."""

from __future__ import annotations

import pytest
from helpers import make_photo
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import AuditEntry, Photo, PhotoState
from tablecloth.services import moderation, photo_states, reports

P, A, R, W = (PhotoState.PENDING, PhotoState.APPROVED, PhotoState.REJECTED,
              PhotoState.WITHDRAWN)
# (transition, state before) -> state after, or None where the transition does not apply.
TABLE = {
    ("approve", P): A, ("approve", R): A, ("approve", A): None, ("approve", W): None,
    ("reject", P): R, ("reject", A): R, ("reject", R): None, ("reject", W): None,
    ("withdraw", P): W, ("withdraw", A): W, ("withdraw", R): W, ("withdraw", W): None,
}


def _photo(app, corpus, state: PhotoState) -> Photo:
    make_photo(app, corpus, state, code="7K3QZ9")
    return db.session().scalars(select(Photo).where(Photo.code == "7K3QZ9")).one()


def _log(action: str | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session().scalars(query))


@pytest.mark.parametrize(("name", "before"), sorted(TABLE, key=str))
def test_each_transition_applies_only_from_its_states(app, corpus, name, before):
    after = TABLE[(name, before)]
    with app.app_context():
        photo = _photo(app, corpus, before)
        changed = photo_states.change(site(), photo, name)
        assert changed is (after is not None)
        assert photo.state == (after or before)
        entries = [e for e in _log() if e.action != "consent.recorded"]
        assert len(entries) == (1 if after else 0)
        if after:
            assert entries[0].action == f"photo.{name}" and entries[0].target == "7K3QZ9"


def test_hide_and_restore_change_visibility_never_a_withdrawn_photo(app, corpus):
    with app.app_context():
        photo = _photo(app, corpus, A)
        assert photo_states.change(site(), photo, "hide") and photo.hidden_at is not None
        assert not photo_states.change(site(), photo, "hide")  # already hidden
        assert photo_states.change(site(), photo, "restore") and photo.hidden_at is None
        assert not photo_states.change(site(), photo, "restore")
        photo_states.change(site(), photo, "withdraw")
        assert not photo_states.change(site(), photo, "hide")
        assert [e.action for e in _log()] == ["photo.hide", "photo.restore", "photo.withdraw"]


def test_a_withdrawn_photo_cannot_be_approved_or_rejected(app, corpus):
    with app.app_context():
        photo = _photo(app, corpus, W)
        with pytest.raises(moderation.ModerationError, match="was withdrawn"):
            moderation.approve(site(), photo)
        with pytest.raises(moderation.ModerationError, match="was withdrawn"):
            moderation.reject(site(), photo, "no")
        assert photo.state == W and _log() == []


def test_an_approve_on_a_stale_copy_does_not_undo_a_withdrawal(app, corpus):
    """The organiser's page was loaded before the participant withdrew the photo."""
    with app.app_context():
        stale = _photo(app, corpus, P)
    with app.app_context():
        fresh = db.session().scalars(select(Photo).where(Photo.code == "7K3QZ9")).one()
        assert photo_states.change(site(), fresh, "withdraw", who="participant")
    with app.app_context():
        db.session().add(stale)  # still says pending
        with pytest.raises(moderation.ModerationError):
            moderation.approve(site(), stale)
        assert stale.state == W  # reloaded: the state that won
        assert [e.action for e in _log()] == ["photo.withdraw"]
        assert _log()[0].detail == {"by": "participant"}


def test_hiding_closes_reports_in_the_same_step(app, corpus):
    with app.app_context():
        photo = _photo(app, corpus, A)
        reports.report(site(), photo, "unkind")
        reports.hide(site(), photo)
        assert reports.open_count(site()) == 0 and photo.hidden_at is not None
