"""The cloth service: editions, settings, order, base URL checks, export with preflight, freeze."""

from __future__ import annotations

import hashlib
import io

import pypdfium2
import pytest
from helpers import SMALL, add_photos, crop_cell, decode
from PIL import Image

from tablecloth import codes, context, db
from tablecloth.errors import Refusal
from tablecloth.layout import LayoutError
from tablecloth.layout.units import Frame
from tablecloth.models import Photo, PhotoState
from tablecloth.render import FORMATS
from tablecloth.services.cloth import (
    BaseUrlRefused,
    ClothFrozen,
    design,
    editions,
    export_notes,
    exports,
)
from tablecloth.services.cloth.base_url import check_base_url
from tablecloth.verify import verify_proof


def small_cloth(site, **extra):
    """Return the current cloth set to the small test size."""
    cloth = editions.current_cloth(site)
    design.save_settings(site, cloth, {**SMALL, **extra})
    return cloth


def test_current_cloth_is_created_once(app):
    with app.app_context():
        site = context.site()
        first = editions.current_cloth(site)
        assert first.edition == 1
        assert editions.current_cloth(site).id == first.id
        assert design.settings_of(first).module_mm == 2.0  # DESIGN section 4 default


def test_settings_are_checked_with_clear_errors(app):
    with app.app_context():
        site = context.site()
        cloth = editions.current_cloth(site)
        with pytest.raises(LayoutError, match="1.0 mm or more") as refused:
            design.save_settings(site, cloth, {"module_mm": 0.8})
        assert refused.value.reason == "module_too_small"
        warnings = design.save_settings(site, cloth, {"module_mm": 1.2})
        assert [w.reason for w in warnings] == ["module_small"]
        assert "Modules of 1.2 mm are below 1.5 mm" in str(warnings[0])
        assert design.settings_of(cloth).module_mm == 1.2
        with pytest.raises(LayoutError, match="contrast of 4.5:1; codes need at least 7:1"):
            design.save_settings(site, cloth, {"dark": "#777777", "light": "#ffffff"})
        with pytest.raises(LayoutError, match="darker than the background"):
            design.save_settings(site, cloth, {"dark": "#ffffff", "light": "#000000"})
        with pytest.raises(LayoutError, match="hem"):
            design.save_settings(site, cloth, {"width_mm": 40.0})
        with pytest.raises(LayoutError, match="more than 0 mm"):
            design.save_settings(site, cloth, {"width_mm": 0.0})
        # Refused values are never stored.
        stored = design.settings_of(cloth)
        assert (stored.dark, stored.width_mm) == ("#1a1a1a", 1800.0)


def test_refusals_carry_no_language_and_read_in_russian(app):
    from tablecloth.web.messages import say_refusal

    with app.test_request_context("/?lang=ru"):
        site = context.site()
        with pytest.raises(LayoutError) as refused:
            design.save_settings(site, editions.current_cloth(site), {"module_mm": 0.5})
        assert "слишком мал" in say_refusal(refused.value)
        assert "0,5" in say_refusal(refused.value)  # numbers in the reader's locale
        assert "too small" in str(refused.value)  # logs and the CLI read English


def test_automatic_order_alternates_cities(app, corpus):
    with app.app_context():
        site = context.site()
        add_photos(corpus, 12)
        cloth = small_cloth(site)
        plan = design.build_plan(site, cloth)
        by_place = {(c.row, c.col): c.spec.city_slug for c in plan.cells}
        neighbours = [(by_place[(r, c)], by_place[(r, c + 1)]) for (r, c) in by_place
                      if (r, c + 1) in by_place]
        assert neighbours
        assert all(a != b for a, b in neighbours)


def test_manual_order_is_kept_and_new_photos_join_at_the_end(app, corpus):
    with app.app_context():
        site = context.site()
        photos = add_photos(corpus, 6)
        cloth = small_cloth(site)
        wanted = [p.code for p in reversed(photos)]
        design.save_order(site, cloth, [c.lower() for c in wanted] + ["NOPE00"])
        assert [p.code for p in design.selection(site, cloth)] == wanted
        late = add_photos(corpus, 1)[0]
        assert [p.code for p in design.selection(site, cloth)] == [*wanted, late.code]
        design.save_order(site, cloth, None)
        assert design.order_mode(cloth) == "auto"


def test_only_approved_photos_are_on_the_cloth(app, corpus):
    with app.app_context():
        site = context.site()
        approved = add_photos(corpus, 4)
        pending = add_photos(corpus, 2, approve=False)
        approved[0].withdraw()
        db.session().commit()
        on_cloth = {p.code for p in design.selection(site, editions.current_cloth(site))}
        assert on_cloth == {p.code for p in approved[1:]}
        assert not on_cloth & {p.code for p in pending}


REFUSED_BASE_URLS = [
    "http://tablecloth.example.org",
    "https://localhost:8000",
    "https://LOCALHOST",
    "https://app.localhost",
    "https://10.0.0.12",
    "https://192.168.1.20:8443",
    "https://172.16.5.4",
    "https://127.0.0.1:8000",
    "https://[::1]:8000",
    "https://169.254.10.1",
    "https://[fe80::1]",
    "https://printer.local",
    "https://cloth.internal",
    "https://myserver",
    "ftp://tablecloth.example.org",
    "tablecloth.example.org",
]
PUBLIC_BASE_URLS = ["https://tablecloth.example.org", "https://8.8.8.8",
                    "https://[2001:4860:4860::8888]", "https://cloth.org.uk/sub"]


def test_base_url_refused_unless_public_https():
    for url in REFUSED_BASE_URLS:
        with pytest.raises(BaseUrlRefused, match="TABLECLOTH_PUBLIC"):
            check_base_url(url)
    for url in PUBLIC_BASE_URLS:
        check_base_url(url)


def test_export_of_real_photos_decodes_every_code_in_every_format(app, corpus):
    with app.app_context():
        site = context.site()
        photos = add_photos(corpus, 12, real=True)
        assert sum(1 for p in photos if p.width != 320) >= 6  # the corpus's own photos
        cloth = small_cloth(site)
        seen: list[float] = []
        told: list[str] = []
        export = exports.new_export(site, cloth, ["pdf", "svg,png", "tiff", "proof"], ppi=150)
        export = exports.run_export(site, export,
                                    progress=lambda f, m: (seen.append(f), told.append(m)))

        assert export.status == "done", export.message
        assert export.report["ok"] is True
        assert seen and seen[-1] == 1.0 and seen == sorted(seen)
        assert "Rendering PDF: panel 1 of 1" in told and "Checking PROOF: preflight done" in told
        db.session().refresh(export)  # what was saved, not what is in memory
        assert [f["format"] for f in export.files] == ["pdf", "svg", "png", "tiff", "proof"]
        assert all(f["preflight_ok"] is True for f in export.files)
        base = app.config["PUBLIC_BASE_URL"]
        plan = exports.export_plan(export)
        expected = {c.spec.code: codes.photo_url(base, c.spec.code) for c in plan.cells}
        assert set(expected) == {p.code for p in photos}
        for entry in export.files:
            data = site.store.get(entry["key"])
            assert entry["key"].startswith(f"exports/{export.id}/")
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["size"]
        for name in ("pdf", "svg", "png", "tiff"):
            result = export.report["formats"][name]
            assert result["ok"] and result["failing_cells"] == []
            assert result["min_module_mm"] == 2.0 and result["contrast"] >= 7

        # Independently of the core's preflight: zxing-cpp on each cell of the PNG ...
        png = next(f for f in export.files if f["format"] == "png")
        image = Image.open(io.BytesIO(site.store.get(png["key"]))).convert("L")
        frame = Frame.whole(plan)
        assert image.width == round(frame.width_mm * 150 / 25.4)
        for cell in plan.cells:
            crop = crop_cell(image, frame, cell, 150 / 25.4)
            assert decode(crop) == [expected[cell.spec.code]], cell.position
        # ... and on the PDF as rasterised by pdfium, one cell per decode.
        pdf_entry = next(f for f in export.files if f["format"] == "pdf")
        pdf = pypdfium2.PdfDocument(site.store.get(pdf_entry["key"]))
        assert len(pdf) == len(plan.panels)
        for panel in plan.panels:
            page = pdf[panel.index]
            frame = Frame.for_panel(plan, panel)
            raster = page.render(scale=200 / 72, grayscale=True).to_pil()
            px_x = raster.width / frame.width_mm
            px_y = raster.height / frame.height_mm
            for cell in plan.panel_cells(panel):
                assert decode(crop_cell(raster, frame, cell, px_x, px_y)) == [
                    expected[cell.spec.code]]
            text = page.get_textpage().get_text_range()
            assert "DRAFT" not in text
        # The proof sheet lists every code, and is preflighted like every other file.
        proof = next(f for f in export.files if f["format"] == "proof")
        proof_text = "".join(p.get_textpage().get_text_range()
                             for p in pypdfium2.PdfDocument(site.store.get(proof["key"])))
        assert all(code in proof_text for code in expected)
        assert export.report["formats"]["proof"]["ok"]
        assert "12 of 12 codes on the proof sheet" in export.report["formats"]["proof"]["summary"]
        # A proof sheet of another cloth is caught.
        other = verify_proof(site.store.get(proof["key"]), design.build_plan(
            site, cloth, cells=design.cell_specs(site, cloth, "https://elsewhere.example.org")))
        assert not other.ok and len(other.failing_cells) == 24
        assert other.to_dict()["failing_cells"] == other.failing_cells
        assert "PDF — passed: PASS: 12 of 12 codes in the PDF" in export_notes.summary(export)


def test_private_base_url_refused_unless_draft(app, corpus):
    app.config["PUBLIC_BASE_URL"] = "http://localhost:8000"
    with app.app_context():
        site = context.site()
        add_photos(corpus, 4)
        cloth = small_cloth(site)
        with pytest.raises(BaseUrlRefused, match="https"):
            exports.new_export(site, cloth, ["pdf"])
        export = exports.run_export(site, exports.new_export(site, cloth, ["pdf"], draft=True))
        assert export.status == "done", export.message
        assert export.draft and export.files[0]["name"].startswith("DRAFT-")
        pdf = pypdfium2.PdfDocument(site.store.get(export.files[0]["key"]))
        assert "DRAFT" in pdf[0].get_textpage().get_text_range()
        url = exports.export_plan(export).cells[0].spec.url
        assert url.startswith("HTTP://LOCALHOST:8000/P/")


def test_export_refuses_a_cloth_that_does_not_fit(app, corpus):
    with app.app_context():
        site = context.site()
        add_photos(corpus, 12)
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, {"width_mm": 300.0, "height_mm": 300.0})
        with pytest.raises(LayoutError, match="12 codes do not fit") as refused:
            exports.new_export(site, cloth, ["pdf"])
        assert refused.value.needed == 12 and refused.value.fits < 12


def test_unknown_format_and_ppi_refused(app, corpus):
    with app.app_context():
        site = context.site()
        add_photos(corpus, 2)
        cloth = small_cloth(site)
        with pytest.raises(Refusal, match="Unknown format webp") as unknown:
            exports.new_export(site, cloth, ["pdf,webp"])
        assert unknown.value.detail["choices"] == ", ".join(FORMATS)
        with pytest.raises(Refusal, match="150 or 300"):
            exports.new_export(site, cloth, ["png"], ppi=600)
        with pytest.raises(Refusal, match="at least one file format"):
            exports.new_export(site, cloth, [" , "])
        assert exports.exports_of(site) == []


def test_frozen_cloth_is_immutable_and_new_photos_go_to_the_next_edition(app, corpus):
    with app.app_context():
        site = context.site()
        first_photos = add_photos(corpus, 6)
        cloth = small_cloth(site, module_mm=1.8)
        export = exports.run_export(site, exports.new_export(site, cloth, ["pdf"]))
        assert export.status == "done", export.message
        printed = [c["code"] for c in export.settings["cells"]]
        # Changing the order after the export does not change what gets frozen.
        design.save_order(site, cloth, list(reversed(printed)))
        editions.freeze(site, cloth)
        assert cloth.frozen_at is not None
        assert [p.code for p in design.selection(site, cloth)] == printed

        with pytest.raises(ClothFrozen, match="Edition 1 is frozen"):
            design.save_settings(site, cloth, {"module_mm": 2.5})
        with pytest.raises(ClothFrozen):
            design.save_order(site, cloth, None)
        with pytest.raises(ClothFrozen):
            editions.freeze(site, cloth)

        later = add_photos(corpus, 2)
        second = editions.current_cloth(site)
        assert second.edition == 2 and second.frozen_at is None
        # The next edition keeps the print settings chosen for the printer and fabric.
        assert design.settings_of(second).module_mm == 1.8
        assert {p.code for p in design.selection(site, second)} == {p.code for p in later}
        assert [p.code for p in design.selection(site, cloth)] == printed
        assert {p.code for p in first_photos} == set(printed)
        # The public page shows the printed edition.
        assert editions.public_cloth(site).id == cloth.id


def test_frozen_cloth_keeps_a_withdrawn_photo_in_its_place(app, corpus):
    with app.app_context():
        site = context.site()
        photos = add_photos(corpus, 3)
        cloth = small_cloth(site)
        editions.freeze(site, cloth)
        photos[1].withdraw()
        db.session().commit()
        kept = design.selection(site, cloth)
        assert [p.code for p in kept] == [p.code for p in design.selection(site, cloth)]
        assert photos[1].code in {p.code for p in kept}
        assert db.session().get(Photo, photos[1].id).state == PhotoState.WITHDRAWN


def test_background_export_records_progress_as_reasons(app, corpus):
    from tablecloth.web.organiser.cloth_exports import start_export

    with app.app_context():
        site = context.site()
        add_photos(corpus, 3)
        export = exports.new_export(site, small_cloth(site), ["svg"])
        assert export_notes.message(export) == "Waiting to start"
        export_id = export.id
        start_export(export_id).join(timeout=120)
    with app.app_context():
        done = exports.export_by_id(context.site(), export_id)
        assert done.status == "done"
        assert done.progress == 1.0
        assert done.finished_at is not None
        # Stored as a reason, so each reader sees it in their own language.
        assert done.report["status_message"]["reason"] == "export_done"
        assert done.message.startswith("Done: every code")
    with app.test_request_context("/?lang=ru"):
        from tablecloth.web.messages import say

        done = exports.export_by_id(context.site(), export_id)
        assert export_notes.message(done, say).startswith("Готово")
        assert "SVG — пройдена: PASS" in export_notes.summary(done, say)


def test_export_whose_process_died_is_marked_interrupted(app, corpus):
    from datetime import timedelta

    from tablecloth.models import Export, utcnow

    with app.app_context():
        site = context.site()
        cloth = small_cloth(site)
        session = site.db
        stalled = Export(cloth_id=cloth.id, status="running", progress=0.4,
                         updated_at=utcnow() - timedelta(minutes=11))
        alive = Export(cloth_id=cloth.id, status="running", progress=0.4,
                       updated_at=utcnow() - timedelta(minutes=1))
        session.add_all([stalled, alive])
        session.commit()
        stalled_id, alive_id = stalled.id, alive.id
        session.expunge_all()
        assert exports.export_by_id(site, stalled_id).status == "failed"
        assert "interrupted" in export_notes.message(exports.export_by_id(site, stalled_id))
        assert exports.export_by_id(site, alive_id).status == "running"
        statuses = {e.id: e.status for e in exports.exports_of(site, cloth)}
        assert statuses == {stalled_id: "failed", alive_id: "running"}
