"""The cloth's stored view computed again in the background after a change (refresh.py).

In-process here: which commits ask for a refresh, how a burst folds into one, what a
failure leaves, and the command line. Live workers and the moderation form are in
test_workers.py. Deadlines below only stop a broken test from hanging; nothing is timed.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import SMALL, TEST_CONFIG, insert_photos, make_app
from sqlalchemy import select, update

from tablecloth import db, versions
from tablecloth.context import REFRESHER, site, site_for
from tablecloth.models import ClothView, Photo, PhotoState
from tablecloth.services import moderation
from tablecloth.services.cloth import computing, design, editions, preview, refresh, stored

DEADLINE_S = 120  # for a refresh to finish on a busy machine; never a measure of speed
TABLECLOTH = Path(sys.executable).with_name("tablecloth")


@pytest.fixture
def refreshing_app(tmp_path, backend_settings):
    """Return an app whose commits refresh the cloth in the background, as in production."""
    application = make_app({**TEST_CONFIG, **backend_settings,
                            "REFRESH_CLOTH_IN_BACKGROUND": True}, tmp_path / "instance")
    yield application
    # No refresh may outlive the test's database.
    assert application.extensions[REFRESHER].wait_idle(DEADLINE_S)
    application.extensions["tablecloth.engine"].dispose()


def _photo(code: str) -> Photo:
    return db.session().scalars(select(Photo).where(Photo.code == code)).one()


def _stored_version(cloth_id: int) -> int | None:
    row = db.session().get(ClothView, cloth_id, populate_existing=True)
    return None if row is None else row.version


def test_a_commit_that_changes_the_cloth_asks_once_after_it_commits(app):
    calls = []
    versions.on_cloth_change(app.extensions["tablecloth.sessions"], lambda: calls.append(1))
    with app.app_context():
        session = db.session()
        [kept] = insert_photos(session, 1)  # a commit that bumps the cloths itself
        assert calls == [1]
        pending = insert_photos(session, 3, offset=10, state=PhotoState.PENDING)
        calls.clear()

        moderation.edit_caption(site(), _photo(kept), "Not on the cloth")
        assert calls == []  # captions are not printed: the cloth is unchanged

        with session.begin_nested():
            _photo(pending[0]).state = PhotoState.APPROVED
        assert calls == []  # a savepoint released is not a commit
        session.rollback()
        session.commit()
        assert calls == []  # the change was undone

        moderation.approve(site(), _photo(pending[1]))
        assert calls == [1]
        session.commit()
        assert calls == [1]  # nothing new in this transaction

        session.execute(update(Photo).where(Photo.code == pending[2])
                        .values(state=PhotoState.APPROVED))  # a state machine's update
        session.commit()
        assert calls == [1, 1]


def test_a_burst_of_changes_is_folded_into_one_more_refresh(app):
    entered, release = threading.Event(), threading.Event()
    opened = []

    @contextmanager
    def gated_site():
        opened.append(1)
        entered.set()
        assert release.wait(DEADLINE_S)
        with site_for(app) as value:
            yield value

    refresher = refresh.Refresher(gated_site)
    with app.app_context():
        insert_photos(db.session(), 3)
        design.save_settings(site(), editions.current_cloth(site()), SMALL)
    refresher.schedule()
    assert entered.wait(DEADLINE_S)  # the first refresh has started and is held
    for _ in range(50):
        refresher.schedule()
    release.set()
    assert refresher.wait_idle(DEADLINE_S)
    assert refresher.failures == 0
    assert len(opened) == refresher.refreshes == 2  # the held one, then one for all 50
    with app.app_context():
        cloth = editions.current_cloth(site())
        assert _stored_version(cloth.id) == stored.version_of(site(), cloth)
        assert any(f"/v{stored.version_of(site(), cloth)}-" in key
                   for key in site().store.keys(preview.PREFIX))


def test_an_approval_is_refreshed_without_a_view(refreshing_app):
    refresher = refreshing_app.extensions[REFRESHER]
    with refreshing_app.app_context():
        session = db.session()
        insert_photos(session, 5)
        [late] = insert_photos(session, 1, offset=50, state=PhotoState.PENDING)
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, SMALL)
        assert refresher.wait_idle(DEADLINE_S)
        moderation.approve(site(), _photo(late))
        version = stored.version_of(site(), cloth)
    assert refresher.wait_idle(DEADLINE_S)
    assert refresher.failures == 0
    with refreshing_app.app_context():
        assert _stored_version(cloth.id) == version
        computed = []
        real = stored.compute
        stored.compute = lambda *a, **k: computed.append(1) or real(*a, **k)
        try:
            stored.forget(site())  # another worker: reads the row, computes nothing
            assert late in stored.view(site(), cloth).by_code
        finally:
            stored.compute = real
        assert computed == []
        keys = list(site().store.keys(preview.PREFIX))
        assert [k for k in keys if f"/v{version}-" in k], keys


def test_a_failed_refresh_is_logged_and_the_next_view_computes(refreshing_app, caplog,
                                                               monkeypatch):
    refresher = refreshing_app.extensions[REFRESHER]
    with refreshing_app.app_context():
        session = db.session()
        insert_photos(session, 4)
        [late] = insert_photos(session, 1, offset=50, state=PhotoState.PENDING)
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, SMALL)
        assert refresher.wait_idle(DEADLINE_S)
        before = refresher.failures

        def broken(*_args, **_kwargs):
            raise RuntimeError("the disk is on fire")

        monkeypatch.setattr(stored, "compute", broken)
        with caplog.at_level(logging.ERROR, logger=refresh.__name__):
            moderation.approve(site(), _photo(late))
            version = stored.version_of(site(), cloth)
            assert refresher.wait_idle(DEADLINE_S)
        monkeypatch.undo()
        assert refresher.failures == before + 1
        [record] = [r for r in caplog.records if r.name == refresh.__name__]
        assert "refreshing the cloth's stored view failed" in record.getMessage()
        assert "the disk is on fire" in record.exc_text
        assert _stored_version(cloth.id) != version  # nothing was stored

    page = refreshing_app.test_client().get("/cloth")
    assert page.status_code == 200 and f'href="/P/{late}"' in page.get_data(as_text=True)
    with refreshing_app.app_context():
        assert _stored_version(cloth.id) == version  # computed by the view, as before


def test_the_command_line_refreshes_before_it_exits(app, backend_settings):
    with app.app_context():
        session = db.session()
        insert_photos(session, 3)
        [late] = insert_photos(session, 1, offset=50, state=PhotoState.PENDING)
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, SMALL)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLECLOTH_")}
    env.update({f"TABLECLOTH_{k}": str(v) for k, v in backend_settings.items()})
    env["TABLECLOTH_SECRET_KEY"] = TEST_CONFIG["SECRET_KEY"]
    env["TABLECLOTH_PUBLIC_BASE_URL"] = TEST_CONFIG["PUBLIC_BASE_URL"]
    done = subprocess.run([str(TABLECLOTH), "approve", late], env=env, capture_output=True,
                          text=True, timeout=DEADLINE_S)
    assert done.returncode == 0, done.stderr
    with app.app_context():
        version = stored.version_of(site(), cloth)
        assert _stored_version(cloth.id) == version
        assert any(f"/v{version}-" in key for key in site().store.keys(preview.PREFIX))


def test_a_view_computed_in_another_process_is_waited_for_not_computed_again(app):
    with app.app_context():
        insert_photos(db.session(), 5)
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, SMALL)
    held, stored_it = threading.Event(), threading.Event()
    real = stored.compute

    def other_process():
        # What another worker's refresh does: hold the lock, compute, store, let go.
        with site_for(app) as other:
            other_cloth = editions.current_cloth(other)
            version = stored.version_of(other, other_cloth)
            with computing.one_at_a_time(other, other_cloth.id, DEADLINE_S):
                held.set()
                time.sleep(0.2)  # let the viewer below reach the lock first (either order passes)
                stored._store(other, real(other, other_cloth, version))
                stored_it.set()

    holder = threading.Thread(target=other_process)
    holder.start()
    assert held.wait(DEADLINE_S)
    computed = []
    stored.compute = lambda *a, **k: computed.append(1) or real(*a, **k)
    try:
        with app.app_context():
            found = stored.view(site(), cloth)
            assert stored_it.is_set()
            assert found.version == stored.version_of(site(), cloth)
    finally:
        stored.compute = real
        holder.join(DEADLINE_S)
    assert computed == []  # read from the row the other stored
