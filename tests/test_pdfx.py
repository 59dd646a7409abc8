"""A print shop's preflight of our PDFs, read by tools other than ours: pdffonts and pikepdf."""

from __future__ import annotations

import io
import shutil
import subprocess

import pikepdf
import pytest
from helpers import plan_cells
from PIL import Image, ImageCms
from reportlab.pdfgen.canvas import Canvas

from tablecloth.layout import ClothSettings, order_for_cloth, plan_cloth
from tablecloth.render import FORMATS, render
from tablecloth.render.colour import PROFILE_NAME, srgb_profile
from tablecloth.verify.pdfx import pdf_problems

# Three panels, so every page's boxes are checked, not only the first.
PANELLED = ClothSettings(width_mm=900, height_mm=420, module_mm=1.5, roll_width_mm=400)


@pytest.fixture(scope="module")
def pdf_bytes():
    plan = plan_cloth(order_for_cloth(plan_cells(30), PANELLED), PANELLED)
    out = io.BytesIO()
    render("pdf", plan, out)
    return plan, out.getvalue()


def _pdffonts(data: bytes, tmp_path) -> list[list[str]]:
    exe = shutil.which("pdffonts")
    if exe is None:
        pytest.fail("pdffonts is missing: install the Debian package poppler-utils")
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    lines = subprocess.run([exe, str(path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()
    assert lines[1].startswith("----")
    return [line.split() for line in lines[2:]]


@pytest.mark.parametrize("fmt", ["pdf", "proof"])
def test_pdffonts_lists_only_embedded_fonts(pdf_bytes, fmt, tmp_path):
    plan, data = pdf_bytes
    if fmt == "proof":
        out = io.BytesIO()
        render("proof", plan, out)
        data = out.getvalue()
    rows = _pdffonts(data, tmp_path)
    assert rows, "no fonts at all: the labels and title are missing"
    for row in rows:
        # name type encoding emb sub uni id gen; the type may be two words ("Type 1").
        assert row[-5] == "yes", f"not embedded: {row}"
        assert "Helvetica" not in row[0] and "Times" not in row[0] and "Courier" not in row[0]


def test_pikepdf_finds_boxes_nested_on_every_page(pdf_bytes):
    plan, data = pdf_bytes
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == len(plan.panels) == 3
        for page in pdf.pages:
            media = [float(v) for v in page.MediaBox]
            bleed = [float(v) for v in page.BleedBox]
            trim = [float(v) for v in page.TrimBox]
            assert media[0] <= bleed[0] <= trim[0] < trim[2] <= bleed[2] <= media[2]
            assert media[1] <= bleed[1] <= trim[1] < trim[3] <= bleed[3] <= media[3]
            # A slug outside the bleed for the marks.
            assert bleed[0] > media[0] and bleed[3] < media[3]


def test_pikepdf_finds_the_pdfx4_output_intent_and_identification(pdf_bytes):
    _plan, data = pdf_bytes
    assert data.startswith(b"%PDF-1.6")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        intent = intents[0]
        assert intent.S == "/GTS_PDFX"
        assert str(intent.OutputConditionIdentifier) == PROFILE_NAME
        profile = intent.DestOutputProfile
        assert int(profile.N) == 3
        assert profile.read_bytes() == srgb_profile()
        meta = pdf.open_metadata()
        assert meta["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
        assert meta["xmpMM:DocumentID"].startswith("uuid:")
        assert meta["xmpMM:RenditionClass"] == "default"
        assert meta["dc:title"] == str(pdf.docinfo.Title)
        assert str(pdf.docinfo.Trapped) == "/False"
        assert str(pdf.docinfo.GTS_PDFXVersion) == "PDF/X-4"


def test_the_output_intent_profile_is_srgb_to_littlecms():
    ours = ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile()))
    assert ours.profile.profile_description == PROFILE_NAME
    assert ours.profile.xcolor_space.strip() == "RGB"
    # The same colours as littlecms's own sRGB, to the last 8-bit step.
    image = Image.new("RGB", (256, 3))
    image.putdata([(i, (i * 7) % 256, 255 - i) for i in range(256)] * 3)
    same = ImageCms.applyTransform(image, ImageCms.buildTransform(
        ours, ImageCms.createProfile("sRGB"), "RGB", "RGB"))
    assert same.tobytes() == image.tobytes()


def test_our_preflight_rejects_a_stray_base14_font_and_missing_boxes():
    out = io.BytesIO()
    c = Canvas(out)  # reportlab's defaults: Helvetica named on the page, never embedded
    c.drawString(100, 100, "hello")
    c.showPage()
    c.save()
    problems = pdf_problems(out.getvalue())
    assert any("Helvetica is not embedded" in p for p in problems)
    assert any("no TrimBox" in p for p in problems)
    assert any("output intent" in p for p in problems)


def test_pdf_preflight_passes_and_reports_file_problems(pdf_bytes):
    plan, data = pdf_bytes
    assert pdf_problems(data) == []
    report = FORMATS["pdf"].verify(data, plan)
    assert report.ok, report.summary()
    # The same codes in a file without an output intent fail preflight, naming why.
    with pikepdf.open(io.BytesIO(data)) as pdf:
        del pdf.Root["/OutputIntents"]
        stripped = io.BytesIO()
        pdf.save(stripped)
    report = FORMATS["pdf"].verify(stripped.getvalue(), plan)
    assert not report.ok
    assert report.passed == report.expected
    assert "no PDF/X output intent" in report.summary()
