"""Every name printable: fonts for each script, emoji left out and named, text in every format."""

from __future__ import annotations

import io
import shutil
import subprocess

import pypdfium2 as pdfium
import pytest
from helpers import unavailable
from PIL import Image

from tablecloth.layout import CellSpec, ClothSettings, clean, plan_cloth
from tablecloth.layout.fonts import FACES, face_for, missing_fonts, shape
from tablecloth.layout.text import MIN_CAP_HEIGHT_MM, text_width_mm
from tablecloth.layout.units import Frame
from tablecloth.render import FORMATS, render

# What the issue asks to see printed: Cyrillic with an emoji, Chinese, Polish, Arabic, Punjabi.
NAMES = ["Аня 🌸", "李娜", "Zofia Wójcik", "سارا", "ਹਰਪ੍ਰੀਤ"]
SETTINGS = ClothSettings(width_mm=500, height_mm=500, module_mm=2.0)


def cells() -> list[CellSpec]:
    out = []
    for i, name in enumerate(NAMES * 2):
        code = f"F{i:05d}"
        city = ("Coventry / Ковентри", "coventry") if i % 2 else ("Volgograd / Волгоград",
                                                                 "volgograd")
        out.append(CellSpec(code, f"HTTPS://TABLECLOTH.EXAMPLE.ORG/P/{code}", name, *city))
    return out


@pytest.fixture(scope="module")
def plan():
    return plan_cloth(cells(), SETTINGS)


def test_every_font_is_installed():
    # scripts/bootstrap installs fonts-noto-core, fonts-wqy-microhei and fonts-dejavu-core.
    assert missing_fonts() == []


@pytest.mark.parametrize(("char", "face"), [
    ("A", "latin"), ("Я", "latin"), ("ł", "latin"), ("س", "arabic"), ("ے", "arabic"),
    ("ਹ", "gurmukhi"), ("李", "cjk"), ("한", "cjk"), ("ש", "hebrew"), ("क", "devanagari"),
])
def test_each_script_has_a_face(char, face):
    assert face_for(char).key == face


def test_emoji_are_left_out_and_named():
    assert clean("Аня 🌸") == clean("Аня 🌸")
    found = clean("Аня 🌸")
    assert (found.text, found.emoji, found.missing) == ("Аня", "🌸", "")
    # A family, a flag, a skin tone, a keycap: joiners and selectors go with them.
    found = clean("Sam 👨‍👩‍👧 🇬🇧 👍🏽 1️⃣")
    assert found.text == "Sam 1" and "👨" in found.emoji and "👍" in found.emoji
    # A joiner inside a word of an Indic script is part of the word, not of an emoji.
    assert clean("क्‍ष").text == "क्‍ष"
    assert not clean("ਹਰਪ੍ਰੀਤ").changed


def test_a_character_no_font_has_is_named():
    found = clean("Ann\U00016A40")  # Mro, a script no installed face covers
    assert found.text == "Ann" and found.missing == "\U00016A40"


def test_arabic_is_joined_and_laid_right_to_left():
    shaped = shape("سارا")
    [run] = shaped.runs
    assert run.rtl and run.face.key == "arabic"
    # Joined forms are glyphs of their own, not the letters' isolated forms.
    isolated = [shape(ch).runs[0].glyphs[0] for ch in "سارا"]
    assert list(run.glyphs) != isolated[::-1]
    label = shape("سارا · Coventry")
    assert [r.face.key for r in label.runs] == ["arabic", "latin"]


def test_labels_are_bold_and_readable(plan):
    labels = [t for t in plan.texts if t.role == "label"]
    assert len(labels) == len(plan.cells)
    assert all(t.bold for t in labels)
    assert min(t.size_mm for t in labels) * 0.714 >= MIN_CAP_HEIGHT_MM - 1e-6
    printed = {c.spec.name: c.label_text for c in plan.cells}
    assert printed["Аня 🌸"].startswith("Аня · ")
    assert printed["李娜"].startswith("李娜 · ")


def test_the_plan_names_each_photo_with_an_emoji_once(plan):
    [emoji] = [w for w in plan.warnings if w.reason == "names_emoji_left_out"]
    assert "F00000 “Аня 🌸” → “Аня”" in str(emoji) and "F00005" in str(emoji)
    assert not [w for w in plan.warnings if w.reason == "names_unprintable"]


def test_pdf_embeds_a_font_for_every_script(plan, tmp_path):
    if shutil.which("pdffonts") is None:
        unavailable("pdffonts (poppler-utils) is not installed")
    out = tmp_path / "names.pdf"
    render("pdf", plan, out)
    listing = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                             check=True).stdout
    lines = listing.splitlines()[2:]
    for family in ("NotoSans-Bold", "NotoSansArabic-Bold", "NotoSansGurmukhi-Bold",
                   "WenQuanYiMicroHei"):
        [line] = [x for x in lines if family + " " in x or family + "-" in x]
        assert " yes yes " in line, line  # embedded and subset
    assert all(line.split()[-5:-3] == ["yes", "yes"] for line in lines), listing
    pdf = pdfium.PdfDocument(out)
    text = pdf[0].get_textpage().get_text_range()
    pdf.close()
    for name in ("Zofia Wójcik", "李娜"):
        assert name in text


def _name_ink(image: Image.Image, frame: Frame, plan, px_per_mm: float) -> dict[str, float]:
    """Return the share of dark pixels where each label's name stands (before the city)."""
    out = {}
    labels = [t for t in plan.texts if t.role == "label"]
    for cell in plan.cells[:len(NAMES)]:
        box = cell.label
        item = next(t for t in labels
                    if box.x_mm <= t.x_mm <= box.x1_mm and box.y_mm <= t.y_mm <= box.y1_mm)
        name = clean(cell.spec.name).text
        x1 = item.x0_mm + text_width_mm(name, item.size_mm, bold=True)
        crop = image.crop((round(frame.x(item.x0_mm) * px_per_mm),
                           round(frame.y(box.y_mm) * px_per_mm),
                           round(frame.x(x1) * px_per_mm),
                           round(frame.y(box.y1_mm) * px_per_mm))).convert("L")
        histogram = crop.histogram()
        out[cell.spec.name] = sum(histogram[:128]) / sum(histogram)
    return out


@pytest.mark.parametrize("fmt", ["pdf", "svg", "png"])
def test_every_name_prints_in_every_format(plan, fmt, tmp_path):
    out = tmp_path / f"names.{FORMATS[fmt].extension}"
    render(fmt, plan, out, **({"ppi": 300} if fmt == "png" else {}))
    px_per_mm = 12.0
    if fmt == "pdf":
        frame = Frame.for_panel(plan, plan.panels[0])
        pdf = pdfium.PdfDocument(out)
        image = pdf[0].render(scale=px_per_mm * 25.4 / 72).to_pil()
        pdf.close()
    elif fmt == "svg":
        frame = Frame.whole(plan)
        png = tmp_path / "svg.png"
        subprocess.run(["rsvg-convert", "--dpi-x", "304.8", "--dpi-y", "304.8", "-b", "white",
                        "-o", str(png), str(out)], check=True)
        image = Image.open(png)
    else:
        frame = Frame.whole(plan)
        image = Image.open(out)
        px_per_mm = 300 / 25.4
    ink = _name_ink(image, frame, plan, px_per_mm)
    # Letters, not boxes or blanks: a name's strip carries 8-40 % ink in every script.
    for name in NAMES:
        assert 0.08 < ink[name] < 0.4, (name, ink)


def test_svg_text_never_depends_on_the_machines_fonts(plan):
    buf = io.BytesIO()
    render("svg", plan, buf)
    svg = buf.getvalue().decode()
    assert "<text" not in svg and "font-family" not in svg
    assert 'aria-label="سارا · Coventry / Ковентри"' in svg
    assert len(FACES) > 10
