"""The cloth's stored selection and plan (services/cloth/stored.py), and pages that do not grow
with the cloth: sizes asserted in bytes, never times."""

from __future__ import annotations

import re

import pytest
from helpers import SMALL, insert_photos
from sqlalchemy import event, select

from tablecloth import db, qr
from tablecloth.context import site
from tablecloth.models import ClothView, Photo, PhotoState
from tablecloth.services import moderation
from tablecloth.services.cloth import design, editions, exports, stored

TEN_THOUSAND = {"module_mm": 1.0, "width_mm": 4500.0, "height_mm": 4500.0}


def test_the_view_is_stored_once_per_version_and_shared(app):
    with app.app_context():
        session = db.session()
        insert_photos(session, 6)
        [late] = insert_photos(session, 1, offset=50, state=PhotoState.PENDING)
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, SMALL)
        first = stored.view(site(), cloth)
        assert [c["code"] for c in first.cells] == [
            p.code for p in design.selection(site(), cloth)]
        assert stored.view(site(), cloth) is first  # this worker's copy, still current
        row = session.get(ClothView, cloth.id)
        assert row.version == first.version
        # Another worker (a fresh process: no copy of its own) reads the stored row.
        stored.forget(site())
        computed = []
        real = stored.compute
        stored.compute = lambda *a, **k: computed.append(1) or real(*a, **k)
        try:
            again = stored.view(site(), cloth)
            assert not computed and again.cells == first.cells
            moderation.approve(site(), session.scalars(
                select(Photo).where(Photo.code == late)).one())
            after = stored.view(site(), cloth)
        finally:
            stored.compute = real
        assert computed == [1] and after.version > first.version
        assert late in after.by_code


def test_every_change_that_moves_the_cloth_bumps_its_version(app):
    with app.app_context():
        session = db.session()
        codes = insert_photos(session, 4)
        cloth = editions.current_cloth(site())
        seen = [stored.version_of(site(), cloth)]

        def bumped() -> bool:
            seen.append(stored.version_of(site(), cloth))
            return seen[-1] > seen[-2]

        design.save_settings(site(), cloth, SMALL)
        assert bumped()
        design.save_order(site(), cloth, list(reversed(codes)))
        assert bumped()
        photo = session.scalars(select(Photo).where(Photo.code == codes[0])).one()
        moderation.edit_caption(site(), photo, "Not on the cloth")
        assert not bumped()  # a caption is not on the cloth: nothing to compute again
        moderation.reject(site(), photo)
        assert bumped()


def test_an_export_encodes_each_code_once(app, monkeypatch):
    with app.app_context():
        insert_photos(db.session(), 5)
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, SMALL)
        qr.clear_cache()
        encoded: list[str] = []
        real = qr._build
        monkeypatch.setattr(qr, "_build", lambda url, *a: encoded.append(url) or real(url, *a))
        export = exports.new_export(site(), cloth, ["svg"], draft=True)
        assert encoded == []  # the request is checked from symbol sizes alone
        exports.run_export(site(), export)
        assert export.status == "done", export.message
        assert sorted(encoded) == sorted(c["url"] for c in export.settings["cells"])


@pytest.fixture
def big_site(app, logged_in):
    with app.app_context():
        codes = insert_photos(db.session(), 10_000)
        design.save_settings(site(), editions.current_cloth(site()), TEN_THOUSAND)
    return logged_in, codes


def test_cloth_pages_at_ten_thousand_photos_stay_small(app, big_site):
    client, codes = big_site
    statements: list[str] = []
    engine = app.extensions["tablecloth.engine"]

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    public = client.get("/cloth?lang=en")
    assert public.status_code == 200
    html = public.get_data(as_text=True)
    assert len(public.data) < 100_000, len(public.data)  # cells come as data, by region
    assert 0 < html.count('<li><a href="/P/') <= 300
    assert "Part 1 of" in html and 'rel="next"' in html
    last = int(re.search(r"Part 1 of (\d+)", html).group(1))
    tail = client.get(f"/cloth?page={last}&lang=en")
    assert len(tail.data) < 100_000 and codes[-1] in tail.get_data(as_text=True)

    event.listen(engine, "before_cursor_execute", count)
    try:
        again = client.get("/cloth?lang=en")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert again.data == public.data
    # The public cloth, then its version: nothing that reads the photos.
    assert not any("photos" in s for s in statements), statements

    region = client.get("/cloth/cells.json?x0_mm=0&y0_mm=0&x1_mm=500&y1_mm=500")
    assert len(region.data) < 1_000_000 and 0 < len(region.get_json()["cells"]) < 2000

    designer = client.get("/organiser/cloth?lang=en")
    assert designer.status_code == 200
    assert len(designer.data) < 1_000_000, len(designer.data)
    page = designer.get_data(as_text=True)
    assert page.count("data-code=") == 200 and "10000 photos are on this edition" in page
    plan = client.get("/organiser/cloth/plan.json")
    assert len(plan.data) < 1_000_000 and plan.get_json()["regions"] is True
    some = client.get("/organiser/cloth/plan.json?x0_mm=0&y0_mm=0&x1_mm=300&y1_mm=300")
    assert 0 < len(some.get_json()["cells"]) <= 2000
    preview = client.get("/organiser/cloth/preview.png")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    assert len(preview.data) < 1_000_000, len(preview.data)
