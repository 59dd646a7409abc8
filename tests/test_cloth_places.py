"""Where a code is printed, in words that match the exported plan; /cloth's search and tiles.

The browser side of /cloth (zoom, tap, search highlighting) is tests/browser/test_cloth_view.py.
"""

from __future__ import annotations

import io
import re

from helpers import add_photos, fetch, make_photo
from PIL import Image
from sqlalchemy import delete, select

from tablecloth import context, db
from tablecloth.models import Cloth, Photo, PhotoState, StoredFile
from tablecloth.services import moderation, tiles
from tablecloth.services.cloth import design, editions, exports, places

# A cloth wider than its roll: two panels of codes.
TWO_PANELS = {"width_mm": 600.0, "height_mm": 500.0, "roll_width_mm": 400.0, "panels": "equal"}


def _words(panel: int, row: int, square: int) -> str:
    return f"panel {panel}, row {row} from the top, square {square} from the left"


def test_the_photo_page_says_where_the_exported_plan_prints_its_code(app, client, corpus):
    with app.app_context():
        site = context.site()
        photos = add_photos(corpus, 20)
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, TWO_PANELS)
        export = exports.run_export(site, exports.new_export(site, cloth, ["pdf"]))
        assert export.status == "done", export.message
        plan = exports.export_plan(export)  # the plan the PDF was drawn from
        assert len(plan.panels) == 2
        expected = {}
        for cell in plan.cells:
            # Squares count the codes of that row in that panel, from its left edge.
            line = sorted(c.col for c in plan.cells if c.row == cell.row and c.panel == cell.panel)
            expected[cell.spec.code] = (cell.panel + 1, cell.row + 1, line.index(cell.col) + 1)
            # The proof sheet and the preflight's words name the same square.
            assert cell.position == "row {1}, square {2}, panel {0}".format(
                *expected[cell.spec.code])
        assert {panel for panel, _row, _square in expected.values()} == {1, 2}
        assert set(expected) == {p.code for p in photos}
    for code, where in expected.items():
        html = client.get(f"/P/{code}?lang=en").get_data(as_text=True)
        assert _words(*where) in html, (code, where)
        assert f'href="/cloth?code={code}"' in html
        assert "may change before it is printed" in html

    # Printed: the frozen edition's plan, and a photo approved since is on the next one.
    with app.app_context():
        site = context.site()
        editions.freeze(site, db.session().get(Cloth, cloth.id))
        later = add_photos(corpus, 1)[0]
    code, where = next(iter(expected.items()))
    html = client.get(f"/P/{code}?lang=en").get_data(as_text=True)
    assert _words(*where) in html and "may change" not in html
    html = client.get(f"/P/{later.code}?lang=en").get_data(as_text=True)
    assert "This photo is not on the printed cloth (edition 1): it will be on the next one." in html
    russian = client.get(f"/P/{code}?lang=ru").get_data(as_text=True)
    panel, row, square = where
    assert f"полотнище {panel}, ряд {row} сверху, клетка {square} слева" in russian


def test_a_held_photo_page_follows_the_cloth_version(app, client, corpus):
    """A code's place moves when other photos are approved: the page's key holds both."""
    with app.app_context():
        site = context.site()
        first = add_photos(corpus, 3)
        design.save_settings(site, editions.current_cloth(site), TWO_PANELS)
        waiting = add_photos(corpus, 4, approve=False)
    code = first[2].code
    before = client.get(f"/P/{code}")  # through Flask, then held by web/fast_pages.py
    again = client.get(f"/P/{code}")
    assert again.data == before.data and again.headers["ETag"] == before.headers["ETag"]
    with app.app_context():
        site = context.site()
        for photo in waiting:
            moderation.approve(site, db.session().get(Photo, photo.id))
        now = places.place_of(site, code)
    after = client.get(f"/P/{code}", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert _words(now.panel, now.row, now.square) in after.get_data(as_text=True)
    assert client.get(f"/P/{code}").data == after.data  # held again, the new one


def test_approved_photos_are_on_the_cloth_before_the_designer_is_opened(app, client, corpus):
    with app.app_context():
        photos = add_photos(corpus, 3)
        assert db.session().scalar(select(Cloth.id)) is None
    html = client.get("/cloth?lang=en").get_data(as_text=True)
    assert all(f'href="/P/{p.code}"' in html for p in photos)
    assert "Edition 1, still being put together." in html
    data = client.get("/cloth/cells.json?x0_mm=0&y0_mm=0&x1_mm=99999&y1_mm=99999").get_json()
    assert {c["code"] for c in data["cells"]} == {p.code for p in photos}


def test_search_without_a_script_and_a_code_on_the_cloth(app, client, corpus):
    with app.app_context():
        photos = add_photos(corpus, 9)  # first names cycle from "Anya"
        design.save_settings(context.site(), editions.current_cloth(context.site()),
                             TWO_PANELS)
    anya = [p.code for p in photos if p.first_name == "Anya"]
    assert len(anya) == 2
    for query in ("Аня", "anya", "ANYA"):
        html = client.get(f"/cloth?lang=en&q={query}").get_data(as_text=True)
        listed = re.findall(r'<li[^>]*><a href="/P/([0-9A-Z]{6})"', html)
        assert sorted(listed) == sorted(anya), query
        assert "Photos found: 2" in html
    html = client.get(f"/cloth?lang=en&q={photos[4].code.lower()}").get_data(as_text=True)
    assert re.findall(r'<li[^>]*><a href="/P/([0-9A-Z]{6})"', html) == [photos[4].code]
    html = client.get(f"/cloth?code={photos[5].code.lower()}").get_data(as_text=True)
    assert f'id="here"><a href="/P/{photos[5].code}"' in html
    assert f'data-code="{photos[5].code}"' in html  # the view zooms to it


def test_tiles_are_small_hashed_and_only_for_public_photos(app, client, corpus):
    with app.app_context():
        public, withdrawn = add_photos(corpus, 2)
        pending = add_photos(corpus, 1, approve=False)[0]
        site = context.site()
        moderation.withdraw(site, db.session().get(Photo, withdrawn.id))
        rows = {f.photo_id: f for f in db.session().scalars(
            select(StoredFile).where(StoredFile.kind == tiles.KIND))}
        # Made at upload, for every photo (it is served only while the photo is public).
        assert {public.id, pending.id} <= set(rows)
        tile = rows[public.id]
        digest = tile.sha256[:16]
    answer = fetch(client, f"/P/{public.code}/tile.{digest}.jpg")
    assert answer.status_code == 200 and answer.mimetype == "image/jpeg"
    assert "immutable" in answer.headers["Cache-Control"]
    with Image.open(io.BytesIO(answer.data)) as image:
        assert 96 <= image.width == image.height <= 128
    assert len(answer.data) < 12_000
    assert fetch(client, f"/P/{pending.code}/tile.jpg").status_code == 404
    assert fetch(client, f"/P/{withdrawn.code}/tile.jpg").status_code == 410

    # An older photo has none: made on first ask, stored, without a new version anywhere.
    with app.app_context():
        session = db.session()
        session.execute(delete(StoredFile).where(StoredFile.kind == tiles.KIND))
        session.commit()
        versions = (session.scalar(select(Photo.version).where(Photo.id == public.id)),
                    session.scalar(select(Cloth.version)))
    assert fetch(client, f"/P/{pending.code}/tile.jpg").status_code == 404
    made = fetch(client, f"/P/{public.code}/tile.jpg")
    assert made.status_code == 200 and made.mimetype == "image/jpeg"
    with app.app_context():
        session = db.session()
        kinds = session.scalars(select(StoredFile.photo_id).where(StoredFile.kind == tiles.KIND))
        assert list(kinds) == [public.id]
        assert (session.scalar(select(Photo.version).where(Photo.id == public.id)),
                session.scalar(select(Cloth.version))) == versions


def test_a_tile_whose_thumbnail_is_lost_is_a_404_not_a_500(app, client, corpus):
    """A lost thumbnail (check --repair remakes it) leaves the cloth's square plain."""
    photo = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    with app.app_context():
        session = db.session()
        session.execute(delete(StoredFile).where(StoredFile.kind == tiles.KIND))
        thumb = session.scalar(select(StoredFile.key).where(StoredFile.kind == "thumb"))
        session.commit()
        context.store().delete(thumb)
    assert fetch(client, f"/P/{photo}/tile.jpg").status_code == 404
