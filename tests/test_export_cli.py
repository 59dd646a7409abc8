"""`tablecloth export` and `tablecloth verify`: print files on disk, preflight, clear refusals."""

from __future__ import annotations

import io
import subprocess

import pypdfium2
from helpers import SMALL, add_photos, crop_cell, decode
from PIL import Image

from tablecloth import codes, context, db
from tablecloth.layout.units import Frame
from tablecloth.services.cloth import design, exports

SIZE = f"{SMALL['width_mm']:g}x{SMALL['height_mm']:g}"


def test_export_writes_files_that_decode_and_verify_finds_them(app, runner, corpus, tmp_path):
    with app.app_context():
        photos = add_photos(corpus, 9, real=True)
    out = tmp_path / "print"
    result = runner.invoke(args=["export", "--size", SIZE, "--format", "pdf,png",
                                 "--format", "tiff", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "PDF — passed: PASS: 9 of 9 codes" in result.output
    assert "Export 1: done" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["cloth-edition1.pdf", "cloth-edition1.png", "cloth-edition1.tif"]

    with app.app_context():
        export = exports.export_by_id(context.site(), 1)
        plan = exports.export_plan(export)
        # The CLI's size was for this export only; the cloth keeps its own.
        assert design.settings_of(export.cloth).width_mm == 1800
    base = app.config["PUBLIC_BASE_URL"]
    assert {c.spec.code for c in plan.cells} == {p.code for p in photos}
    # Independent check: poppler (not the core's pdfium) rasterises, zxing-cpp decodes each cell.
    raster = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "100", "-gray", "-png", "-singlefile",
                    str(out / "cloth-edition1.pdf"), str(raster)], check=True)
    image = Image.open(f"{raster}.png")
    frame = Frame.for_panel(plan, plan.panels[0])
    for cell in plan.cells:
        crop = crop_cell(image, frame, cell, image.width / frame.width_mm,
                         image.height / frame.height_mm)
        assert decode(crop) == [codes.photo_url(base, cell.spec.code)], cell.position

    for name in names:
        checked = runner.invoke(args=["verify", str(out / name)])
        assert checked.exit_code == 0, checked.output
        assert "Export 1, edition 1" in checked.output and "Preflight passed." in checked.output


def test_verify_fails_loudly_on_a_damaged_file(app, runner, corpus, tmp_path):
    with app.app_context():
        add_photos(corpus, 4)
    png = tmp_path / "cloth.png"
    assert runner.invoke(args=["export", "--size", SIZE, "--format", "png",
                               "--out", str(png)]).exit_code == 0
    with app.app_context():
        plan = exports.export_plan(exports.export_by_id(context.site(), 1))
    victim = plan.cells[2]
    image = Image.open(png).convert("L")
    frame = Frame.whole(plan)
    px = 150 / 25.4
    # A stain over the middle third of one code: more than error correction H can repair.
    x0, y0 = frame.x(victim.symbol_x_mm) * px, frame.y(victim.symbol_y_mm) * px
    side = frame.size_x(victim.symbol_size_mm) * px
    image.paste(255, (round(x0), round(y0 + side / 4), round(x0 + side), round(y0 + side * 3 / 4)))
    damaged = tmp_path / "damaged.png"
    image.save(damaged)

    unknown = runner.invoke(args=["verify", str(damaged)])
    assert unknown.exit_code == 1 and "No export produced a file with SHA-256" in unknown.output
    result = runner.invoke(args=["verify", str(damaged), "--export", "1"])
    assert result.exit_code == 1
    assert f"{victim.spec.code} at row" in result.output
    assert "Preflight FAILED" in result.output


def test_export_refuses_a_private_base_url_unless_draft(app, runner, corpus, tmp_path):
    with app.app_context():
        add_photos(corpus, 3)
    for url in ("http://tablecloth.example.org", "https://localhost:8000", "https://10.1.2.3",
                "https://192.168.0.7", "https://127.0.0.1", "https://[::1]"):
        app.config["PUBLIC_BASE_URL"] = url
        refused = runner.invoke(args=["export", "--size", SIZE])
        assert refused.exit_code == 1, url
        assert "TABLECLOTH_PUBLIC_BASE_URL" in refused.output, url
    with app.app_context():
        assert exports.exports_of(context.site()) == []

    out = tmp_path / "draft.pdf"
    drafted = runner.invoke(args=["export", "--size", SIZE, "--draft", "--out", str(out)])
    assert drafted.exit_code == 0, drafted.output
    text = pypdfium2.PdfDocument(out.read_bytes())[0].get_textpage().get_text_range()
    assert "DRAFT" in text


def test_export_refuses_what_cannot_print(app, runner, corpus):
    with app.app_context():
        add_photos(corpus, 12)
    too_small = runner.invoke(args=["export", "--size", "300x300"])
    assert too_small.exit_code == 1 and "12 codes do not fit" in too_small.output
    tiny_modules = runner.invoke(args=["export", "--size", SIZE, "--module-mm", "0.8"])
    assert tiny_modules.exit_code == 1 and "1.0 mm or more" in tiny_modules.output
    bad_size = runner.invoke(args=["export", "--size", "big"])
    assert bad_size.exit_code == 2 and "WIDTHxHEIGHT" in bad_size.output
    bad_format = runner.invoke(args=["export", "--size", SIZE, "--format", "pdf,webp"])
    assert bad_format.exit_code == 2 and "Unknown format webp" in bad_format.output
    assert "choose from pdf, svg, png, tiff, jpeg, sheets, proof" in bad_format.output


def test_export_with_no_photos_says_so(runner):
    result = runner.invoke(args=["export"])
    assert result.exit_code == 1 and "No approved photos yet" in result.output


def test_export_to_a_folder_with_module_size_and_raster_resolution(app, runner, corpus,
                                                                   tmp_path):
    with app.app_context():
        add_photos(corpus, 4)
    result = runner.invoke(args=["export", "--size", SIZE, "--module-mm", "1.4", "--format",
                                 "png,proof", "--ppi", "300", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Warning: Modules of 1.4 mm are below 1.5 mm" in result.output
    image = Image.open(io.BytesIO((tmp_path / "cloth-edition1.png").read_bytes()))
    assert round(image.info["dpi"][0]) == 300
    proof = runner.invoke(args=["verify", str(tmp_path / "cloth-edition1-proof.pdf")])
    assert proof.exit_code == 0, proof.output
    assert "PASS: 4 of 4 codes on the proof sheet" in proof.output


def test_export_names_in_every_script_says_each_warning_once(app, runner, corpus, tmp_path):
    names = ["Аня 🌸", "李娜", "Zofia Wójcik", "سارا", "ਹਰਪ੍ਰੀਤ"]
    with app.app_context():
        photos = add_photos(corpus, len(names))
        for photo, name in zip(photos, names, strict=True):
            photo.first_name = name
        db.session().commit()
        emoji_code = photos[0].code
    out = tmp_path / "names.pdf"
    result = runner.invoke(args=["export", "--size", SIZE, "--module-mm", "1.4", "--format",
                                 "pdf,svg", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "cloth-edition1.pdf"
    assert f"{emoji_code} “Аня 🌸” → “Аня”" in result.output
    # Each warning once for the whole export, not once per file or before and after.
    assert result.output.count("Emoji cannot be printed") == 1
    assert result.output.count("below 1.5 mm") == 1
    listing = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                             check=True).stdout
    for family in ("NotoSans-Bold", "NotoSansArabic-Bold", "NotoSansGurmukhi-Bold",
                   "WenQuanYiMicroHei"):
        assert family in listing, listing
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in listing.splitlines()[2:])


def test_a_large_svg_at_fine_modules_exports_and_checks(app, runner, corpus, tmp_path):
    with app.app_context():
        add_photos(corpus, 6)
    result = runner.invoke(args=["export", "--size", "2500x2500", "--module-mm", "1.0",
                                 "--format", "svg", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "SVG — passed: PASS: 6 of 6 codes" in result.output
    assert "ecompression" not in result.output and "Traceback" not in result.output
    # Said once, in plain words: the small modules and the empty cloth.
    assert result.output.count("below 1.5 mm") == 1
    assert "Only 6 codes on a cloth that holds" in result.output


def test_verify_reads_a_jpeg_of_a_png_export_or_says_why_not(app, runner, corpus, tmp_path):
    with app.app_context():
        add_photos(corpus, 4)
    png = tmp_path / "cloth.png"
    assert runner.invoke(args=["export", "--size", SIZE, "--format", "png",
                               "--out", str(png)]).exit_code == 0
    jpeg = tmp_path / "cloth.jpg"
    Image.open(png).convert("RGB").save(jpeg, quality=85)
    result = runner.invoke(args=["verify", str(jpeg), "--export", "1", "--format", "png"])
    assert result.exit_code == 0, result.output
    assert "PASS: 4 of 4 codes" in result.output
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture at all")
    refused = runner.invoke(args=["verify", str(junk), "--export", "1", "--format", "png"])
    assert refused.exit_code == 1 and not isinstance(refused.exception, ValueError)
    assert "cannot be read as a picture (not a PNG, TIFF or JPEG file)" in refused.output


def test_a_panelled_raster_export_writes_each_panel_that_decodes(app, runner, corpus, tmp_path):
    with app.app_context():
        add_photos(corpus, 12)
    out = tmp_path / "print"
    result = runner.invoke(args=["export", "--size", "1400x500", "--format", "png",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        plan = exports.export_plan(exports.export_by_id(context.site(), 1))
    count = len(plan.panels)
    assert count >= 1
    assert count == 2  # 1.4 m with hem, bleed and shrinkage is wider than a 1.4 m roll
    names = sorted(p.name for p in out.iterdir())
    panels = [f"cloth-edition1-panel{i}of{count}.png" for i in range(1, count + 1)]
    assert names == sorted(["cloth-edition1.png", *panels])
    for name in panels:
        checked = runner.invoke(args=["verify", str(out / name)])
        assert checked.exit_code == 0, checked.output
        assert "Preflight passed." in checked.output


def test_fine_modules_on_a_full_cloth_say_each_warning_once_in_plain_words(app, runner, corpus,
                                                                          tmp_path):
    with app.app_context():
        add_photos(corpus, 5)
    result = runner.invoke(args=["export", "--size", "1800x1800", "--module-mm", "1.0",
                                 "--format", "pdf,svg,png", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Export 1: done" in result.output
    for raw in ("DecompressionBomb", "Pillow", "PIL", "Traceback", "warnings.warn"):
        assert raw not in result.output
    assert result.output.count("below 1.5 mm") == 1
    # The 1.8 m PNG comes whole and as one file a panel, each read back code by code.
    assert sum(1 for p in tmp_path.iterdir() if p.suffix == ".png") == 4


def test_a_jpeg_of_one_panel_is_named_as_that_panel(app, runner, corpus, tmp_path):
    with app.app_context():
        add_photos(corpus, 12)
    out = tmp_path / "print"
    assert runner.invoke(args=["export", "--size", "1400x500", "--format", "png",
                               "--out", str(out)]).exit_code == 0
    jpeg = tmp_path / "panel2.jpg"
    Image.open(out / "cloth-edition1-panel2of2.png").convert("RGB").save(jpeg, quality=85)
    whole = runner.invoke(args=["verify", str(jpeg), "--export", "1", "--format", "png"])
    assert whole.exit_code == 1 and "Traceback" not in whole.output
    # Two equal panels: either could be the one sent back.
    assert ("it has the shape of panel 1's or panel 2's file; check it as one of those panels"
            in whole.output)
    panel = runner.invoke(args=["verify", str(jpeg), "--export", "1", "--format", "png",
                                "--panel", "2"])
    assert panel.exit_code == 0, panel.output
    assert "Preflight passed." in panel.output and "shape" not in panel.output
