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

# 4.7 m: since labels keep legible letters (issue 14) a 4.5 m cloth holds 9,498 codes.
TEN_THOUSAND = {"module_mm": 1.0, "width_mm": 4700.0, "height_mm": 4700.0}


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


def test_the_stored_outline_is_the_plan_the_print_files_draw(app):
    """/cloth, the designer and the preview draw what prints: balanced panels, title, legend."""
    from sqlalchemy import update

    from tablecloth import layout

    with app.app_context():
        session = db.session()
        codes = insert_photos(session, 40)
        names = ("Аня 🌸", "李娜", "Zofia Wójcik", "سارا", "ਹਰਪ੍ਰੀਤ")
        for code, name in zip(codes, names, strict=False):
            session.execute(update(Photo).where(Photo.code == code).values(first_name=name))
        cloth = editions.current_cloth(site())
        # A 1.8 m cloth on a 1.4 m roll: two equal panels, the title centred between them.
        design.save_settings(site(), cloth, {"width_mm": 1800.0, "height_mm": 1800.0,
                                             "panels": "equal"})
        view = stored.view(site(), cloth)
        plan = design.build_plan(site(), cloth)  # the plan an export renders
        printed = layout.outline(plan)
        assert len(plan.panels) == 2
        # The stored outline adds the panels (the view draws their joins), and the colours.
        mine = ("panels", "dark", "light")
        assert {k: v for k, v in view.outline.items() if k not in mine} == {
            k: v for k, v in printed.items() if k != "cells"}
        assert [(p["x0_mm"], p["x1_mm"]) for p in view.outline["panels"]] == [
            (round(p.x0_mm + plan.bleed_mm, 2), round(p.x1_mm + plan.bleed_mm, 2))
            for p in plan.panels]
        assert [{k: c[k] for k in ("code", "x_mm", "y_mm", "size_mm", "height_mm")}
                for c in view.cells] == [
            {k: c[k] for k in ("code", "x_mm", "y_mm", "size_mm", "height_mm")}
            for c in printed["cells"]]
        assert [(w.reason, w.detail) for w in view.warnings()] == [
            (w.reason, w.detail) for w in plan.warnings]
        assert "names_emoji_left_out" in {w.reason for w in view.warnings()}
        # The legend and the city key are part of the title block the pages draw.
        legend = [t for t in plan.texts if t.role == "legend"]
        title = view.outline["title"]
        b = plan.bleed_mm
        assert legend and all(title["x_mm"] - b <= t.x0_mm and title["y_mm"] - b <= t.y_mm
                              <= title["y_mm"] - b + title["h_mm"] for t in legend)
        # ... and /cloth draws its words where the print files do (the outline's texts).
        assert [(t["text"], t["x_mm"], t["y_mm"]) for t in view.outline["texts"]
                if t["role"] == "legend"] == [
            (t.text, round(t.x_mm + b, 2), round(t.y_mm + b, 2)) for t in legend]
        # Another worker decodes the same warnings from the stored row.
        stored.forget(site())
        assert stored.view(site(), cloth).warnings() == view.warnings()
