"""Caches in live workers: a change made anywhere is seen by every worker at once.

Two `tablecloth serve` processes (one worker each, as two machines would be) share one
database and store. Each warms its caches (rendered photo pages, the cloth's stored view);
then a third process approves a pending photo and withdraws an approved one, and both
workers must answer with the change on their very next request.
"""

from __future__ import annotations

import gzip
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import servers
from helpers import (
    LOGIN,
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    TEST_CONFIG,
    insert_photos,
    make_app,
    quick_hash,
)
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import Cloth, ClothView, Organiser, Photo, PhotoState, Role
from tablecloth.services import moderation
from tablecloth.services.cloth import design, editions, preview

TABLECLOTH = Path(sys.executable).with_name("tablecloth")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def two_workers(backend_settings, tmp_path):
    """Start two servers on one database and store; yield their base URLs and an app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLECLOTH_")}
    env.update({f"TABLECLOTH_{k}": str(v) for k, v in backend_settings.items()})
    env["TABLECLOTH_SECRET_KEY"] = TEST_CONFIG["SECRET_KEY"]
    env["TABLECLOTH_PUBLIC_BASE_URL"] = TEST_CONFIG["PUBLIC_BASE_URL"]
    app = make_app({**TEST_CONFIG, **backend_settings}, tmp_path / "instance")
    processes, bases = [], []
    try:
        for index in range(2):
            port = servers.free_port()
            with (tmp_path / f"serve{index}.log").open("wb") as log:
                process = subprocess.Popen(
                    [str(TABLECLOTH), "serve", "--port", str(port), "--workers", "1",
                     "--no-access-log"], env=env, stdout=log, stderr=subprocess.STDOUT)
            processes.append(process)
            bases.append(f"http://127.0.0.1:{port}")
            servers.wait_for_http(bases[-1] + "/healthz", process=process)
        yield bases, app
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        app.extensions["tablecloth.engine"].dispose()


def test_a_change_reaches_every_worker_at_once(two_workers):
    bases, app = two_workers
    with app.app_context():
        session = db.session()
        shown = insert_photos(session, 4)
        [pending] = insert_photos(session, 1, offset=100, state=PhotoState.PENDING)
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, {"width_mm": 600.0, "height_mm": 600.0})
    kept, leaving = shown[0], shown[1]
    for base in bases:
        for _ in range(3):  # the second and third answers come from the worker's caches
            assert _get(f"{base}/P/{pending}")[0] == 404
            status, page = _get(f"{base}/P/{kept}")
            assert status == 200 and "Photo 0" in page
            assert _get(f"{base}/P/{leaving}")[0] == 200
            status, twin = _get(f"{base}/cloth")
            assert status == 200
            assert f'href="/P/{leaving}"' in twin and pending not in twin

    with app.app_context():
        by_code = {p.code: p for p in db.session().scalars(
            select(Photo).where(Photo.code.in_([pending, kept, leaving])))}
        moderation.approve(site(), by_code[pending])
        moderation.withdraw(site(), by_code[leaving])
        moderation.edit_caption(site(), by_code[kept], "A new caption")

    for base in bases:
        status, page = _get(f"{base}/P/{pending}")
        assert status == 200 and pending in page
        status, page = _get(f"{base}/P/{kept}")
        assert status == 200 and "A new caption" in page and "Photo 0" not in page
        assert _get(f"{base}/P/{leaving}")[0] == 410
        status, twin = _get(f"{base}/cloth")
        assert status == 200
        assert f'href="/P/{pending}"' in twin  # the stored selection was computed again
        assert leaving not in twin
        status, cells = _get(f"{base}/cloth/cells.json?x0_mm=0&y0_mm=0&x1_mm=9999&y1_mm=9999")
        assert status == 200 and pending in cells and leaving not in cells


# --- the cloth computed in the background after a change ---------------------------------

REFRESH_DEADLINE_S = 120  # a broken refresh must fail the test, not hang it; nothing is timed


class _Organiser:
    """An organiser's browser on one live worker: cookies kept, forms posted with their token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post_form(self, path: str, form: dict) -> str:
        page = self.opener.open(self.base + path, timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            return response.read().decode()

    def log_in(self) -> None:
        page = self.post_form(LOGIN, {"email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD})
        assert "Log out" in page or "logout" in page

    def approve(self, code: str) -> None:
        self.post_form("/organiser/moderation", {"action": "approve", "code": code})


def _stored_version(app, cloth_id: int) -> tuple[int, int | None]:
    """Return the cloth's version and the version of its stored view, read afresh."""
    with app.app_context():
        session = db.session()
        version = session.scalar(select(Cloth.version).where(Cloth.id == cloth_id))
        row = session.get(ClothView, cloth_id)
        return version, None if row is None else row.version


def _wait_until_stored(app, cloth_id: int) -> int:
    """Poll until the stored view is the cloth's current version; return that version."""
    deadline = time.monotonic() + REFRESH_DEADLINE_S
    while True:
        version, stored_version = _stored_version(app, cloth_id)
        if stored_version == version:
            return version
        assert time.monotonic() < deadline, f"stored view {stored_version}, cloth {version}"
        time.sleep(0.1)


@pytest.fixture
def organiser_site(two_workers):
    """Return the workers, the app and a cloth of 4 shown photos with 6 pending ones."""
    bases, app = two_workers
    with app.app_context():
        session = db.session()
        session.add(Organiser(email=ORGANISER_EMAIL, role=Role.ADMIN,
                              password_hash=quick_hash(ORGANISER_PASSWORD)))
        session.commit()
        insert_photos(session, 4)
        pending = insert_photos(session, 6, offset=100, state=PhotoState.PENDING)
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, {"width_mm": 600.0, "height_mm": 600.0})
    return bases, app, cloth.id, pending


def test_an_approval_is_stored_for_every_worker_before_anyone_looks(organiser_site):
    bases, app, cloth_id, pending = organiser_site
    organiser = _Organiser(bases[0])
    organiser.log_in()
    before, _ = _stored_version(app, cloth_id)
    organiser.approve(pending[0])
    # Nobody asks for /cloth: the worker that approved computes the view in the background.
    version = _wait_until_stored(app, cloth_id)
    assert version > before
    with app.app_context():
        row = db.session().get(ClothView, cloth_id)
        codes = [cell["code"] for cell in json.loads(gzip.decompress(row.data))["cells"]]
        assert pending[0] in codes
        deadline = time.monotonic() + REFRESH_DEADLINE_S
        while not any(f"/v{version}-" in k for k in site().store.keys(preview.PREFIX)):
            assert time.monotonic() < deadline, "the designer's preview was not drawn"
            time.sleep(0.1)
    for base in bases:
        status, twin = _get(f"{base}/cloth")
        assert status == 200 and f'href="/P/{pending[0]}"' in twin


def test_a_burst_of_approvals_ends_with_the_final_version_stored(organiser_site):
    bases, app, cloth_id, pending = organiser_site
    organisers = [_Organiser(base) for base in bases]
    for organiser in organisers:
        organiser.log_in()
    for index, code in enumerate(pending[1:]):
        organisers[index % 2].approve(code)  # both workers change the cloth
    final, _ = _stored_version(app, cloth_id)
    assert _wait_until_stored(app, cloth_id) == final
    for base in bases:
        status, twin = _get(f"{base}/cloth")
        assert status == 200
        assert all(f'href="/P/{code}"' in twin for code in pending[1:])
