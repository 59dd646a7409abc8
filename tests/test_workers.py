"""Caches in live workers: a change made anywhere is seen by every worker at once.

Two `tablecloth serve` processes (one worker each, as two machines would be) share one
database and store. Each warms its caches (rendered photo pages, the cloth's stored view);
then a third process approves a pending photo and withdraws an approved one, and both
workers must answer with the change on their very next request.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import servers
from helpers import TEST_CONFIG, insert_photos, make_app
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import Photo, PhotoState
from tablecloth.services import moderation
from tablecloth.services.cloth import design, editions

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
