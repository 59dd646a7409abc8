"""Printer presets: each one's export of a 900-photo site keeps its caps and every code decodes."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import threading
import warnings
from dataclasses import replace

import pytest
from helpers import csrf_token, plan_cells
from PIL import Image
from sqlalchemy import select

from tablecloth import codes, context, db, printers
from tablecloth.errors import Refusal
from tablecloth.layout import ClothSettings, order_for_cloth, plan_cloth
from tablecloth.layout.tiles import split_lengthwise
from tablecloth.layout.units import Frame
from tablecloth.models import AgeBand, City, Photo, PhotoState, utcnow
from tablecloth.render import FORMATS, render
from tablecloth.services.cloth import design, editions, exports

# 900 codes of 1.5 mm modules fit a 2.15 m square cloth (964 places: a full centre panel and
# equal sides on the 1.37 m roll, so no seam runs under the title).
BIG = {"width_mm": 2150.0, "height_mm": 2150.0, "module_mm": 1.5}


def add_rows(total: int) -> list[Photo]:
    """Add approved photos as rows alone (no files): enough for print files and preflight."""
    session = db.session()
    cities = session.scalars(select(City).order_by(City.position)).all()
    now = utcnow()
    photos = []
    taken: set[str] = set()
    for i in range(total):
        code = codes.new_code()
        while code in taken:
            code = codes.new_code()
        taken.add(code)
        photos.append(Photo(
            code=code, state=PhotoState.APPROVED, city_id=cities[i % 2].id,
            first_name=["Аня", "Tom", "Маша", "Priya"][i % 4], source_sha256=f"{i:064x}",
            age_band=AgeBand.ADULT, consent_self=True, created_at=now, reviewed_at=now))
    session.add_all(photos)
    session.commit()
    return photos


def _zbar_each_cell(image: Image.Image, frame: Frame, cells, px_per_mm: float, tmp_path
                    ) -> dict[str, str]:
    """Decode each cell of a rendered page with zbarimg, alone; return {file stem: text}."""
    exe = shutil.which("zbarimg")
    if exe is None:
        pytest.fail("zbarimg is missing: install the Debian package zbar-tools")
    names = []
    for cell in cells:
        x0 = frame.x(cell.x_mm) * px_per_mm
        y0 = frame.y(cell.y_mm) * px_per_mm
        size = frame.size_x(cell.size_mm) * px_per_mm
        path = tmp_path / f"{cell.spec.code}.png"
        image.crop((round(x0), round(y0), round(x0 + size), round(y0 + size))).save(path)
        names.append(str(path))
    found = subprocess.run([exe, "-q", "--xml", *names], capture_output=True, text=True).stdout
    out = {}
    for source, body in re.findall(r"<source href='([^']+)'>(.*?)</source>", found, re.S):
        data = re.search(r"<data><!\[CDATA\[(.*?)\]\]></data>", body, re.S)
        if data:
            out[source.rsplit("/", 1)[-1][:-4]] = data.group(1)
    return out


@pytest.mark.parametrize("name", ["online-roll", "wide-format-pdf", "office"])
def test_each_preset_exports_900_photos_within_its_caps(app, name, tmp_path):
    preset = printers.printer_named(name)
    with app.app_context():
        site = context.site()
        photos = add_rows(900)
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, {**BIG, **preset.defaults})
        export = exports.run_export(site, exports.new_export(site, cloth, [], printer=name))
        assert export.status == "done", export.message
        plan = exports.export_plan(export)
        assert len(plan.cells) == 900
        files = [(entry, site.store.get(entry["key"])) for entry in export.files]
    checked = 0
    for entry, data in files:
        assert entry["format"] in preset.formats and entry["preflight_ok"]
        if preset.max_file_bytes:
            assert entry["size"] <= preset.max_file_bytes
        fmt = FORMATS[entry["format"]]
        report = fmt.verify(data, plan, **printers.render_options(entry.get("options", {})))
        assert report.ok and report.passed == report.expected > 0, report.summary()
        checked += report.passed
        if fmt.raster:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own file
                im = Image.open(io.BytesIO(data))
                assert max(im.size) <= preset.max_side_px
                assert im.info["dpi"][0] == pytest.approx(preset.ppi[0], abs=0.05)
                assert im.info["icc_profile"]
                length_mm = im.height / preset.ppi[0] * 25.4
                assert length_mm <= preset.max_length_mm
                assert im.width / preset.ppi[0] * 25.4 <= preset.max_roll_mm
    assert checked == len(photos)  # every code decodes in exactly one file
    if name == "wide-format-pdf":
        (entry, data), = files
        assert entry["name"] == "cloth-edition1.pdf"
        _zbar_check_pdf(data, plan, tmp_path)


def _zbar_check_pdf(data: bytes, plan, tmp_path) -> None:
    """Render the PDF with poppler and decode every code with zbar, another decoder."""
    pdf = tmp_path / "cloth.pdf"
    pdf.write_bytes(data)
    dpi = 6 / (plan.min_module_mm * plan.scale_x) * 25.4  # 6 px a module
    decoded = {}
    for panel in plan.panels:
        stem = tmp_path / f"panel{panel.index}"
        subprocess.run(["pdftoppm", "-r", f"{dpi:.3f}", "-gray", "-png", "-singlefile",
                        "-f", str(panel.index + 1), "-l", str(panel.index + 1), str(pdf),
                        str(stem)], check=True)
        with Image.open(f"{stem}.png") as image:
            frame = Frame.for_panel(plan, panel)
            px_per_mm = image.width / frame.width_mm
            cells_dir = tmp_path / f"cells{panel.index}"
            cells_dir.mkdir()
            decoded.update(_zbar_each_cell(image, frame, plan.panel_cells(panel), px_per_mm,
                                           cells_dir))
    assert decoded == {c.spec.code: c.spec.url for c in plan.cells}


def test_presets_refuse_what_their_printer_would_reject_in_plain_words(app):
    with app.app_context():
        site = context.site()
        add_rows(4)
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, {"width_mm": 600.0, "height_mm": 600.0})
        with pytest.raises(Refusal, match="fabric shops ask for 50 to 100 mm") as bleed:
            exports.new_export(site, cloth, [], printer="wide-format-pdf")
        assert bleed.value.reason == "printer_bleed"
        with pytest.raises(Refusal, match="prints at most 1420 mm wide"):
            exports.new_export(site, cloth, [], printer="online-roll",
                               overrides={"roll_width_mm": 3200.0})
        with pytest.raises(Refusal, match="This printer takes PNG, TIFF, JPEG files, not PDF"):
            exports.new_export(site, cloth, ["pdf"], printer="online-roll")
        with pytest.raises(Refusal, match="Unknown printer preset laser"):
            exports.new_export(site, cloth, [], printer="laser")
        with pytest.raises(Refusal, match="PDF pages stop at 5.08 m"):
            exports.new_export(site, cloth, [], printer="wide-format-pdf", overrides={
                "bleed_mm": 50.0, "height_mm": 5200.0})


def test_long_panels_are_split_into_lengths_between_rows():
    s = ClothSettings(width_mm=900, height_mm=3000, module_mm=1.5, roll_width_mm=1370)
    plan = plan_cloth(order_for_cloth(plan_cells(300), s), s)
    preset = printers.printer_named("online-roll")
    # At 300 ppi a 3.1 m panel is 36,600 px long: more than 24,000, so two lengths.
    pieces = printers.pieces(preset, "png", plan, 300)
    assert [p.suffix for p in pieces] == ["-length1of2", "-length2of2"]
    tiles = [printers.render_options(p.options)["tile"] for p in pieces]
    assert sum(len(t.cells(plan)) for t in tiles) == len(plan.cells)
    for tile in tiles:
        frame = tile.frame(plan)
        assert frame.height_mm * 300 / 25.4 <= preset.max_side_px
    # Each length renders and decodes alone (at 150 ppi to keep the test quick).
    for tile in split_lengthwise(plan, 1600):
        out = io.BytesIO()
        render("png", plan, out, ppi=150, tile=tile)
        report = FORMATS["png"].verify(out.getvalue(), plan, tile=tile)
        assert report.ok and report.checked == len(tile.cells(plan)) > 0, report.summary()


def test_cuts_run_between_rows_never_through_the_title():
    s = ClothSettings(width_mm=1200, height_mm=1200, module_mm=1.5)
    plan = plan_cloth(order_for_cloth(plan_cells(200), s), s)
    for limit in (300, 450, 700):
        tiles = split_lengthwise(plan, limit)
        title = plan.title.rect
        for tile in tiles[1:]:
            assert not title.y_mm < tile.y0_mm < title.y1_mm
        held = [c.spec.code for t in tiles for c in t.cells(plan)]
        assert sorted(held) == sorted(c.spec.code for c in plan.cells)


def test_printers_command_lists_every_preset_with_its_numbers(runner):
    result = runner.invoke(args=["printers"])
    assert result.exit_code == 0, result.output
    for name in printers.PRINTERS:
        assert f"{name}\t" in result.output
    assert "roll 1000-1420 mm" in result.output and "at most 24,000 px a side" in result.output
    assert "bleed 50-100 mm" in result.output and "PDF/X-4" in result.output


def test_export_with_a_printer_from_the_command_line(app, runner, tmp_path):
    with app.app_context():
        add_rows(30)
    out = tmp_path / "print"
    result = runner.invoke(args=["export", "--printer", "online-roll", "--size", "1500x1500",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    # A full centre panel and two equal sides: three widths of fabric, one file each.
    assert names == ["cloth-edition1-panel1of3.png", "cloth-edition1-panel2of3.png",
                     "cloth-edition1-panel3of3.png"]
    # The shop's copy of panel 2 is checked as panel 2: its record names the piece.
    again = runner.invoke(args=["verify", str(out / names[1])])
    assert again.exit_code == 0, again.output
    assert "Preflight passed." in again.output
    bad = runner.invoke(args=["export", "--printer", "laser"])
    assert bad.exit_code == 2 and "Unknown printer preset laser" in bad.output


def test_a_file_over_the_upload_cap_fails_the_export_in_plain_words(app):
    with app.app_context():
        site = context.site()
        add_rows(20)
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, {"width_mm": 800.0, "height_mm": 800.0})
        small_cap = replace(printers.PRINTERS["online-roll"], max_file_bytes=10_000)
        printers.register(small_cap)
        try:
            export = exports.run_export(site, exports.new_export(
                site, cloth, ["jpeg"], printer="online-roll"))
        finally:
            printers.register(replace(small_cap, max_file_bytes=100 * printers.MB))
        assert export.status == "failed"
        assert "cloth-edition1.jpg is" in export.message
        assert export.report["status_message"]["reason"] == "printer_file_too_large"


def test_the_designer_offers_presets_and_exports_for_the_chosen_one(app, logged_in):
    with app.app_context():
        add_rows(12)
    page = logged_in.get("/organiser/cloth").get_data(as_text=True)
    for preset in printers.PRINTERS.values():
        assert f'<option value="{preset.name}"' in page
    token = csrf_token(logged_in, "/organiser/cloth")
    saved = logged_in.post("/organiser/cloth/settings", data={
        "csrf_token": token, "preset": "custom", "width_mm": "1500", "height_mm": "1500",
        "printer": "online-roll"}, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "Settings saved." in html and "Print-on-demand fabric shops" in html
    with app.app_context():
        cloth = editions.current_cloth(context.site())
        assert design.printer_of(cloth) == "online-roll"
        assert design.settings_of(cloth).roll_width_mm == 1370  # the preset's roll width
    offered = re.findall(r'name="format" value="(\w+)"', html)
    assert offered == ["png", "tiff", "jpeg", "proof"]
    assert re.search(r'value="png" checked', html)
    started = logged_in.post("/organiser/cloth/export", data={
        "csrf_token": token, "format": "png"})
    assert started.status_code == 302
    export_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    for _ in range(600):
        status = logged_in.get(f"/organiser/cloth/exports/{export_id}/status").get_json()
        if status["finished"]:
            break
        threading.Event().wait(0.1)
    assert status["ok"], status["message"]
    names = [f["name"] for f in status["files"]]
    # A full centre panel and two equal sides: three widths of fabric, one file each.
    assert names == ["cloth-edition1-panel1of3.png", "cloth-edition1-panel2of3.png",
                     "cloth-edition1-panel3of3.png"]
    with logged_in.get(status["files"][1]["url"]) as second:
        assert second.status_code == 200 and second.mimetype == "image/png"
    ru = logged_in.get("/organiser/cloth?lang=ru").get_data(as_text=True)
    assert "Принтер" in ru
