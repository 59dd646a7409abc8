"""The printable group invitation (render/invitation.py): one A4 page whose code scans."""

from __future__ import annotations

import pypdfium2
import pytest
from helpers import decode

from tablecloth.render.invitation import render_invitation

URL = "https://tablecloth.example.org/upload?code=COV-TEST-1"


def _read(pdf: bytes) -> tuple[int, float, float, str, object]:
    """Return the page count, the first page's size in mm, its text and a raster of it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = len(document)
        page = document[0]
        width_mm = page.get_width() / 72 * 25.4
        height_mm = page.get_height() / 72 * 25.4
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        textpage.close()
        image = page.render(scale=2).to_pil()
        page.close()
    finally:
        document.close()
    return pages, width_mm, height_mm, text, image


def test_one_a4_page_with_the_group_and_both_languages():
    pages, width_mm, height_mm, text, _image = _read(
        render_invitation(URL, "COV-TEST-1", "Coventry Youth Club", "Coventry · Ковентри"))
    assert pages == 1
    assert (round(width_mm), round(height_mm)) == (210, 297)
    assert "Coventry Youth Club" in text and "Coventry · Ковентри" in text
    assert "Share your photos of your city" in text and "Отсканируйте" in text
    # For phones without a camera app: the address without the code, and the code to type.
    assert "https://tablecloth.example.org/upload and type the code COV-TEST-1" in text
    assert "COV-TEST-1" in text


@pytest.mark.parametrize("url", [URL, "https://cloth.example.org/upload?code=VGD-7K3Q"])
def test_the_code_decodes_to_the_upload_address(url):
    code = url.rsplit("=", 1)[1]
    *_rest, image = _read(render_invitation(url, code, "Школа 5", "Volgograd · Волгоград"))
    assert decode(image) == [url]


def test_a_long_group_name_wraps_and_the_code_still_scans():
    name = "The Coventry and Volgograd twin cities youth photography club, Thursday evenings"
    pages, _w, _h, text, image = _read(render_invitation(URL, "COV-TEST-1", name, "Coventry"))
    assert pages == 1
    assert name in " ".join(text.split())
    assert not any(name in line for line in text.splitlines())  # over more than one line
    assert decode(image) == [URL]


def test_same_input_gives_the_same_file():
    first = render_invitation(URL, "COV-TEST-1", "Club", "Coventry")
    assert first.startswith(b"%PDF-")
    assert render_invitation(URL, "COV-TEST-1", "Club", "Coventry") == first
