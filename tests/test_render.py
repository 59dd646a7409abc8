"""Every output format: render, then decode each cell with zxing-cpp against the plan."""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import replace

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from tablecloth.codes import new_code
from tablecloth.errors import Refusal
from tablecloth.layout import CellSpec, ClothSettings, order_for_cloth, plan_cloth
from tablecloth.layout.units import PT_PER_MM, Frame
from tablecloth.render import FORMATS, render
from tablecloth.verify.raster import open_raster

SMALL = ClothSettings(width_mm=600, height_mm=600, module_mm=1.5)
# Wider than its roll: three panels joined in gutters.
PANELLED = ClothSettings(width_mm=900, height_mm=420, module_mm=1.5, roll_width_mm=400)
NAMES = ["Аня", "Tom", "Маша", "Priya", "Олег"]


def make_cells(n: int) -> list[CellSpec]:
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(new_code())
    return [
        CellSpec(code, f"HTTPS://TABLECLOTH.EXAMPLE.ORG/P/{code}", NAMES[i % len(NAMES)],
                 "Volgograd / Волгоград" if i % 2 else "Coventry / Ковентри",
                 "volgograd" if i % 2 else "coventry")
        for i, code in enumerate(sorted(codes))
    ]


@pytest.fixture(scope="module")
def plan():
    return plan_cloth(order_for_cloth(make_cells(40), SMALL), SMALL)


@pytest.fixture(scope="module")
def panelled():
    cells = make_cells(30)
    return plan_cloth(order_for_cloth(cells, PANELLED), PANELLED)


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_round_trip_every_format(plan, fmt, tmp_path):
    out = tmp_path / f"cloth.{FORMATS[fmt].extension}"
    steps = []
    render(fmt, plan, out, progress=lambda f, m: steps.append(f))
    assert steps and steps[-1] == 1.0 and steps == sorted(steps)
    report = FORMATS[fmt].verify(out, plan)
    assert report.ok, report.summary()
    assert report.checked == report.expected == report.passed == 40
    assert report.to_dict()["summary"] == report.summary()
    if FORMATS[fmt].raster:
        # Row-by-row reading, as for a cloth too large to hold in memory.
        streamed = FORMATS[fmt].verify(out, plan, stream=True)
        assert streamed.ok and streamed.checked == 40, streamed.summary()


@pytest.mark.parametrize("fmt", ["pdf", "svg", "png", "tiff", "proof"])
def test_renderers_accept_file_objects(plan, fmt):
    buf = io.BytesIO()
    FORMATS[fmt].render(plan, buf)
    assert len(buf.getvalue()) > 1000
    if fmt in ("pdf", "proof"):
        assert buf.getvalue().startswith(b"%PDF")


def test_unknown_format_lists_the_known_ones(plan):
    with pytest.raises(Refusal, match="Unknown format webp; choose from pdf, svg, png, tiff, jpeg"):
        render("webp", plan, io.BytesIO())


def test_pdf_panels_boxes_and_physical_size(panelled, tmp_path):
    assert len(panelled.panels) == 3
    out = tmp_path / "cloth.pdf"
    render("pdf", panelled, out)
    pdf = pdfium.PdfDocument(out)
    assert len(pdf) == 3
    s = panelled.settings
    for panel in panelled.panels:
        page = pdf[panel.index]
        frame = Frame.for_panel(panelled, panel)
        w, h = page.get_size()
        assert w / PT_PER_MM == pytest.approx(frame.width_mm, abs=0.01)
        assert w / PT_PER_MM <= s.roll_width_mm
        x0, y0, x1, y1 = page.get_trimbox()
        # The trim is the cut size: the finished cloth and its hem allowance.
        assert (y1 - y0) / PT_PER_MM == pytest.approx(s.cut_height_mm * s.scale_y, abs=0.01)
        trim_w = (panel.trim_x1_mm - panel.trim_x0_mm) * s.scale_x
        assert (x1 - x0) / PT_PER_MM == pytest.approx(trim_w, abs=0.01)
        bx0, by0, bx1, by1 = page.get_bleedbox()
        assert (by1 - by0) / PT_PER_MM == pytest.approx((s.cut_height_mm + 2 * s.bleed_mm)
                                                        * s.scale_y, abs=0.01)
        assert bx0 < x0 or panel.index > 0
    pdf.close()
    report = FORMATS["pdf"].verify(out, panelled)
    assert report.ok, report.summary()


def test_pdf_labels_are_cyrillic_text_in_an_embedded_font(plan, tmp_path):
    out = tmp_path / "cloth.pdf"
    render("pdf", plan, out)
    data = out.read_bytes()
    pdf = pdfium.PdfDocument(data)
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    assert "Аня · Volgograd / Волгоград" in text or "Аня · Coventry / Ковентри" in text
    assert "Coventry · Ковентри — Volgograd · Волгоград" in text
    assert b"/FontFile2" in data  # TrueType program embedded
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSans-Bold", data)  # labels, heavier
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans", data)  # printer's marks
    assert b"/Helvetica" not in data  # no font left unembedded
    # Content streams are compressed.
    assert b"/FlateDecode" in data
    assert b" re\n" not in data


def test_pdf_codes_are_one_path_each(plan, tmp_path):
    out = tmp_path / "cloth.pdf"
    render("pdf", plan, out)
    data = out.read_bytes()
    streams = re.findall(rb"stream\r?\n(.*?)endstream", data, re.S)
    content = b"".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    assert content.count(b" cm\n") >= len(plan.cells)
    # Every code is filled once (a tinted city's finder patterns once more, in their
    # colour); no strokes around modules (hairline gaps).
    tinted = sum(1 for c in plan.cells if c.finder)
    assert 0 < tinted < len(plan.cells)
    assert content.count(b" 1 re\nf Q\n") == len(plan.cells) + tinted


def test_draft_says_so_in_the_margin(tmp_path):
    s = replace(SMALL, draft=True)
    p = plan_cloth(make_cells(4), s)
    out = tmp_path / "draft.pdf"
    render("pdf", p, out)
    pdf = pdfium.PdfDocument(out)
    assert "DRAFT" in pdf[0].get_textpage().get_text_range()
    pdf.close()
    svg = io.BytesIO()
    render("svg", p, svg)
    assert b'<g class="draft"' in svg.getvalue()  # as outlines, like all text


def test_svg_is_in_millimetres(plan):
    buf = io.BytesIO()
    render("svg", plan, buf)
    head = buf.getvalue()[:400].decode()
    frame = Frame.whole(plan)
    assert f'width="{frame.width_mm:g}mm"'.replace(".0mm", "mm")[:12] in head
    assert 'viewBox="0 0 ' in head
    assert buf.getvalue().count(b'<path id="c-') == len(plan.cells)
    # Text is outlines, never live text in whatever fonts the printer's machine has.
    assert b"<text" not in buf.getvalue()
    assert buf.getvalue().count(b'<g class="label"') == len(plan.cells)


@pytest.mark.parametrize("fmt", ["png", "tiff"])
@pytest.mark.parametrize("ppi", [150, 300])
def test_raster_size_and_resolution(plan, fmt, ppi):
    buf = io.BytesIO()
    render(fmt, plan, buf, ppi=ppi)
    buf.seek(0)
    with Image.open(buf) as im:
        assert im.size == Frame.whole(plan).pixel_size(ppi)
        assert im.info["dpi"][0] == pytest.approx(ppi, abs=0.05)
        assert im.mode == "RGB"  # the second city's finder patterns are coloured
    grey = plan_cloth([c.spec for c in plan.cells], replace(SMALL, city_tint=False))
    buf = io.BytesIO()
    render(fmt, grey, buf, ppi=ppi)
    buf.seek(0)
    with Image.open(buf) as im:
        assert im.mode == "L"


def test_raster_in_colour_and_per_panel(panelled, tmp_path):
    s = replace(PANELLED, dark="#0b2545", light="#fdf6e3")
    p = plan_cloth([c.spec for c in panelled.cells], s)
    for index in range(len(p.panels)):
        out = tmp_path / f"panel{index}.png"
        render("png", p, out, panel=index)
        with Image.open(out) as im:
            assert im.mode == "RGB"
            assert im.getpixel((2, 2)) == (0xFD, 0xF6, 0xE3)
        report = FORMATS["png"].verify(out, p, panel=index)
        assert report.ok, report.summary()
        assert report.checked == len(p.panel_cells(p.panels[index])) > 0


def test_bad_ppi_is_refused(plan):
    with pytest.raises(Refusal, match="150 or 300 ppi"):
        render("png", plan, io.BytesIO(), ppi=72)


def test_proof_sheet_lists_every_code_scannably(plan, tmp_path):
    thumb = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 120, 50)).save(thumb, "JPEG")
    first = plan.cells[0].spec.code
    out = tmp_path / "proof.pdf"
    render("proof", plan, out, thumbnails={first: thumb.getvalue()},
           captions={first: "Мост через реку — the bridge"})
    pdf = pdfium.PdfDocument(out)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for cell in plan.cells:
        assert cell.spec.code in text
    assert "Мост через реку" in text
    # The first page's codes scan on paper: decode each entry's QR alone.
    page = pdf[0].render(scale=200 / 72, grayscale=True).to_pil()
    pdf.close()
    px = 200 / 25.4
    decoded = []
    for i in range(8):
        top = (12 + 20 + i * 31) * px
        box = (int(10 * px), int(top - 2 * px), int(41 * px), int(top + 29 * px))
        found = zxingcpp.read_barcodes(page.crop(box), formats=zxingcpp.BarcodeFormat.QRCode)
        decoded += [b.text for b in found]
    sorted_cells = sorted(plan.cells, key=lambda c: (c.panel, c.row, c.col))
    assert decoded == [c.spec.url for c in sorted_cells[:8]]


@pytest.mark.parametrize("size", [(1800, 1800), (2800, 1500)])
def test_each_panel_of_a_full_size_cloth_is_a_raster_that_decodes(size, tmp_path):
    s = ClothSettings(width_mm=size[0], height_mm=size[1], roll_width_mm=1400)
    p = plan_cloth(make_cells(60), s)
    assert len(p.panels) == 3
    for panel in p.panels:
        out = tmp_path / f"panel{panel.index + 1}.tif"
        render("tiff", p, out, panel=panel.index)
        with open(out, "rb") as f:
            # The panel with its slug of marks, within the roll, under 100 megapixels (what
            # online fabric printers take), and every row of it reads back.
            raster = open_raster(f)
            assert (raster.width, raster.height) == Frame.for_panel(p, panel).pixel_size(150)
            assert raster.width / 150 * 25.4 <= s.roll_width_mm
            assert raster.width * raster.height < 100_000_000
            assert sum(1 for _ in raster.rows()) == raster.height
        report = FORMATS["tiff"].verify(out, p, panel=panel.index)
        assert report.ok and report.checked == len(p.panel_cells(panel)), report.summary()
