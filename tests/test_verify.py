"""Preflight finds the one bad cell: painted over, missing, or pointing at the wrong photo."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from PIL import Image, ImageDraw

from tablecloth.codes import new_code
from tablecloth.errors import Refusal
from tablecloth.layout import CellSpec, ClothSettings, plan_cloth
from tablecloth.layout.units import Frame, mm_to_px
from tablecloth.qr import Matrix
from tablecloth.render import format_named, render
from tablecloth.verify import MISSING, verify_pdf, verify_png, verify_proof, verify_svg

SETTINGS = ClothSettings(width_mm=600, height_mm=600, module_mm=1.5)


def make_cells(n: int) -> list[CellSpec]:
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(new_code())
    return [CellSpec(c, f"HTTPS://TABLECLOTH.EXAMPLE.ORG/P/{c}", "Аня",
                     "Volgograd / Волгоград", "volgograd") for c in sorted(codes)]


@pytest.fixture(scope="module")
def plan():
    return plan_cloth(make_cells(40), SETTINGS)


def test_painted_over_code_in_png_is_reported(plan, tmp_path):
    out = tmp_path / "cloth.png"
    render("png", plan, out, ppi=150)
    victim = plan.cells[7]
    frame = Frame.whole(plan)
    with Image.open(out) as im:
        im.load()
        draw = ImageDraw.Draw(im)
        # A stain over the middle two thirds of the symbol, like spilt paint.
        x0, y0 = (frame.px(victim.symbol_x_mm, 150), frame.py(victim.symbol_y_mm, 150))
        size = mm_to_px(victim.symbol_size_mm * plan.scale_x, 150)
        draw.rectangle((x0 + size / 6, y0 + size / 6, x0 + size * 5 / 6, y0 + size * 5 / 6),
                       fill=255)
        im.save(out, dpi=(150, 150))
    report = verify_png(out, plan)
    assert not report.ok
    assert [(f.code, f.position) for f in report.failures] == [
        (victim.spec.code, victim.position)]
    assert report.failures[0].problem in (MISSING, "unreadable")
    assert "FAIL" in report.summary() and victim.spec.code in report.summary()


def test_pdf_with_a_blank_code_is_reported_missing(plan):
    blank = plan.cells[3]
    empty = Matrix(size=blank.matrix.size, rows=("0" * blank.matrix.size,) * blank.matrix.size)
    damaged = replace(plan, cells=tuple(
        replace(c, matrix=empty) if c is blank else c for c in plan.cells))
    buf = io.BytesIO()
    render("pdf", damaged, buf)
    report = verify_pdf(buf.getvalue(), plan)
    assert not report.ok
    assert [(f.code, f.problem) for f in report.failures] == [(blank.spec.code, MISSING)]


def test_swapped_codes_are_wrong_urls(plan, tmp_path):
    a, b = plan.cells[0], plan.cells[1]
    swapped = replace(plan, cells=(replace(a, matrix=b.matrix), replace(b, matrix=a.matrix),
                                   *plan.cells[2:]))
    out = tmp_path / "cloth.svg"
    render("svg", swapped, out)
    report = verify_svg(out, plan)
    assert sorted((f.code, f.problem) for f in report.failures) == sorted([
        (a.spec.code, f"wrong url: {b.spec.url}"), (b.spec.code, f"wrong url: {a.spec.url}")])


def test_missing_page_means_missing_codes(tmp_path):
    wide = replace(SETTINGS, width_mm=900, height_mm=420, roll_width_mm=400)
    p = plan_cloth(make_cells(20), wide)
    assert len(p.panels) == 3
    one_panel = replace(p, panels=p.panels[:1])
    out = tmp_path / "cloth.pdf"
    render("pdf", one_panel, out)
    report = verify_pdf(out, p)
    assert not report.ok
    lost = {c.spec.code for c in p.cells if c.panel > 0}
    assert {f.code for f in report.failures} == lost
    assert all(f.problem == MISSING for f in report.failures)


def test_report_states_module_contrast_and_distance(plan, tmp_path):
    out = tmp_path / "cloth.pdf"
    render("pdf", plan, out)
    report = verify_pdf(out, plan, px_per_module=5)
    assert report.ok and report.checked == 40
    assert report.min_module_mm == 1.5
    assert report.contrast == pytest.approx(17.4, abs=0.1)
    # The phone-camera model of layout.scan: 22 cm at 1.5 mm modules, whole cm, never more.
    assert report.scan_distance_mm == 220
    assert report.px_per_module == 5
    assert "PASS: 40 of 40" in report.summary()


def test_unknown_format_is_refused():
    with pytest.raises(Refusal, match="Unknown format webp") as refused:
        format_named("webp")
    assert refused.value.reason == "unknown_format"


def test_proof_sheet_report_names_missing_and_stray_codes(plan):
    # A proof sheet of the first 30 cells, checked against a plan of 40 and another of 10.
    buf = io.BytesIO()
    render("proof", replace(plan, cells=plan.cells[:30]), buf)
    report = verify_proof(buf.getvalue(), plan)
    assert not report.ok and report.whole_page
    assert (report.checked, report.passed, report.expected) == (30, 30, 40)
    assert report.failing_cells == [f"{c.spec.code} (missing)" for c in plan.cells[30:]]
    assert f"{plan.cells[35].spec.code} at {plan.cells[35].position}: missing" in report.summary()
    assert report.summary().startswith("FAIL: 30 of 40 codes on the proof sheet")
    fewer = verify_proof(buf.getvalue(), replace(plan, cells=plan.cells[:10]))
    assert [f.problem for f in fewer.failures] == ["not on the cloth"] * 20
    assert fewer.to_dict()["failing_cells"][0] == f"{plan.cells[10].spec.url} (not on the cloth)"
