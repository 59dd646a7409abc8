"""The format registry: one register(...) call makes a format appear everywhere formats are read."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import SMALL, add_photos

from tablecloth import context
from tablecloth.errors import Refusal
from tablecloth.layout import Plan
from tablecloth.render import (
    FORMATS,
    Format,
    format_for_file,
    format_named,
    open_out,
    register,
    unregister,
)
from tablecloth.services.cloth import design, editions, export_notes, exports
from tablecloth.verify import MISSING, Failure, VerifyReport


def render_toy(plan: Plan, out, **options) -> None:
    """Write each planned URL on a line of its own."""
    with open_out(out) as f:
        f.write("".join(f"{cell.spec.url}\n" for cell in plan.cells).encode())


def verify_toy(source, plan: Plan, *, progress=None) -> VerifyReport:
    """Check that each planned URL is on its line."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    lines = data.decode().splitlines()
    report = VerifyReport.for_plan("toy", plan, checked=len(lines))
    report.failures = [Failure(c.spec.code, c.position, MISSING)
                       for i, c in enumerate(plan.cells) if i >= len(lines) or
                       lines[i] != c.spec.url]
    report.passed = len(plan.cells) - len(report.failures)
    report.ok = not report.failures
    return report


@pytest.fixture
def toy():
    """Register a toy format (a list of addresses) for one test, in this one place."""
    fmt = Format("toy", render_toy, "txt", "text/plain", verify_toy, label="Toy address list")
    register(fmt)
    yield fmt
    unregister("toy")


def test_builtin_formats_in_the_order_offered():
    assert list(FORMATS) == ["pdf", "svg", "png", "tiff", "jpeg", "sheets", "proof"]
    assert all(f.preflighted for f in FORMATS.values())
    assert [f.name for f in FORMATS.values() if f.raster] == ["png", "tiff", "jpeg"]
    assert [f.name for f in FORMATS.values() if f.proof] == ["proof"]
    assert format_named(" TIF ").name == "tiff"
    assert format_for_file("cloth.tiff").name == format_for_file("cloth.TIF").name == "tiff"
    assert format_for_file("cloth-proof.pdf").name == "pdf"  # a PDF before a proof sheet
    assert format_for_file("cloth.JPG").name == format_for_file("cloth.jpeg").name == "jpeg"
    assert format_for_file("notes.txt") is None
    with pytest.raises(Refusal, match="Unknown format txt; choose from pdf, svg, png"):
        format_named("txt")


def test_a_registered_format_is_exported_checked_and_served(app, corpus, toy, logged_in):
    assert format_for_file("cloth.txt") is toy and format_named("toy") is toy
    with app.app_context():
        site = context.site()
        photos = add_photos(corpus, 3)
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, SMALL)
        export = exports.run_export(site, exports.new_export(site, cloth, ["pdf", "toy"]))
        assert export.status == "done", export.message
        entry = export.files[1]
        assert (entry["format"], entry["name"], entry["preflight_ok"]) == (
            "toy", "cloth-edition1.txt", True)
        assert export.report["formats"]["toy"]["passed"] == 3
        assert "TOY — passed: PASS: 3 of 3 codes in the TOY" in export_notes.summary(export)
        text = site.store.get(entry["key"]).decode()
        assert all(photo.code in text for photo in photos)
        assert exports.verify_file(text.encode(), "toy", export).ok
        export_id = export.id
    with logged_in.get(f"/organiser/cloth/exports/{export_id}/files/toy") as download:
        assert download.mimetype == "text/plain" and download.get_data(as_text=True) == text
    designer = logged_in.get("/organiser/cloth").get_data(as_text=True)
    assert 'name="format" value="toy"' in designer and "Toy address list" in designer


def test_a_registered_format_is_offered_by_the_cli(app, runner, corpus, toy, tmp_path):
    with app.app_context():
        add_photos(corpus, 2)
    every = "pdf|svg|png|tiff|jpeg|sheets|proof|toy"
    assert every in runner.invoke(args=["export", "--help"]).output
    assert every in runner.invoke(args=["verify", "--help"]).output
    size = f"{SMALL['width_mm']:g}x{SMALL['height_mm']:g}"
    result = runner.invoke(args=["export", "--size", size, "--format", "toy", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "TOY — passed: PASS: 2 of 2 codes" in result.output
    listed = tmp_path / "cloth-edition1.txt"
    checked = runner.invoke(args=["verify", str(listed)])
    assert checked.exit_code == 0 and "Preflight passed." in checked.output
    listed.write_text(listed.read_text().splitlines()[0] + "\n")  # one address lost
    damaged = runner.invoke(args=["verify", str(listed), "--export", "1", "--format", "toy"])
    assert damaged.exit_code == 1 and "FAIL: 1 of 2 codes in the TOY" in damaged.output


def test_a_format_without_a_verifier_is_exported_unchecked(app, corpus):
    register(Format("bare", render_toy, "lst", "text/plain", None))
    try:
        with app.app_context():
            site = context.site()
            add_photos(corpus, 2)
            cloth = editions.current_cloth(site)
            design.save_settings(site, cloth, SMALL)
            export = exports.run_export(site, exports.new_export(site, cloth, ["bare"]))
            assert export.status == "done" and export.report["formats"] == {}
            assert export_notes.message(export) == "Done."
            with pytest.raises(Refusal, match="BARE files are not checked"):
                exports.verify_file(b"", "bare", export)
    finally:
        unregister("bare")
    assert "bare" not in FORMATS
