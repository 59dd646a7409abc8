"""The test swatch round trip: export it, decode every code, scan one, the designer confirms it."""

from __future__ import annotations

import io
import re
import subprocess

import pikepdf
import pypdfium2 as pdfium
import zxingcpp
from helpers import csrf_token
from PIL import Image

from tablecloth import context
from tablecloth.layout.swatch import sample_sizes
from tablecloth.models import Swatch
from tablecloth.services.cloth import design, editions, swatches
from tablecloth.verify.pdfx import pdf_problems

DESIGNER = "/organiser/cloth"


def _urls_in(image: Image.Image) -> set[str]:
    return {b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)}


def test_sizes_around_the_cloths_own():
    assert sample_sizes(2.0) == [1.5, 1.75, 2.0, 2.5]
    assert sample_sizes(1.0) == [1.0, 1.25]
    assert sample_sizes(1.6) == [1.25, 1.5, 1.6, 1.75]


def test_swatch_round_trip(app, logged_in, tmp_path):
    token = csrf_token(logged_in, DESIGNER)
    made = logged_in.post("/organiser/cloth/swatch", data={
        "csrf_token": token, "note": "cotton sateen, Shop X"}, follow_redirects=True)
    assert "Test swatch 1 is ready" in made.get_data(as_text=True)
    with app.app_context():
        site = context.site()
        swatch = site.db.get(Swatch, 1)
        samples = [(s.code, s.module_mm, s.dark, s.light) for s in swatch.samples]
        files = {e["format"]: site.store.get(e["key"]) for e in swatch.files}
        names = [e["name"] for e in swatch.files]
    # Around the default 2.0 mm, then the second city's corner-square colour a step smaller.
    assert [s[1] for s in samples] == [1.5, 1.75, 2.0, 2.5, 1.75]
    assert samples[-1][2:] == ("#9b1c1c", "#ffffff")
    base = app.config["PUBLIC_BASE_URL"]
    wanted = {swatches.swatch_url(base, code) for code, *_ in samples}
    assert all(url.startswith("HTTPS://TABLECLOTH.EXAMPLE.ORG/S/") for url in wanted)
    # Every code decodes, in the PDF (poppler renders it, not our pdfium) and in the PNG.
    pdf_path = tmp_path / "swatch.pdf"
    pdf_path.write_bytes(files["pdf"])
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", str(pdf_path),
                    str(tmp_path / "swatch")], check=True)
    with Image.open(tmp_path / "swatch.png") as page:
        assert _urls_in(page) == wanted
    with Image.open(io.BytesIO(files["png"])) as png:
        assert _urls_in(png.convert("L")) == wanted
        assert png.info["icc_profile"] and round(png.info["dpi"][0]) == 150
    # The swatch PDF is a print file like the cloth's: fonts, boxes, PDF/X-4.
    assert pdf_problems(files["pdf"]) == []
    with pikepdf.open(io.BytesIO(files["pdf"])) as pdf:
        trim = [float(v) for v in pdf.pages[0].TrimBox]
        assert round((trim[2] - trim[0]) / 72 * 25.4) == 300
    # The designer lists the files; nothing is confirmed yet.
    page = logged_in.get(DESIGNER).get_data(as_text=True)
    for name in names:
        assert name in page
    assert "No code of a swatch has been read yet." in page
    with logged_in.get(f"/organiser/cloth/swatches/1/files/{names[0]}") as download:
        assert download.status_code == 200 and download.data == files["pdf"]

    # A phone scans the 1.75 mm code (lower case, as some scanners send it): recorded.
    code = samples[1][0]
    scanned = logged_in.get(f"/s/{code.lower()}", headers={"Accept-Language": "ru"})
    text = scanned.get_data(as_text=True)
    assert scanned.status_code == 200 and "no-store" in scanned.headers["Cache-Control"]
    assert "Read: this code works on your fabric" in text
    assert re.search("ткан", text)  # Russian first for a Russian phone, English too
    assert logged_in.get("/S/ZZZZZZZZ").status_code == 404
    with app.app_context():
        site = context.site()
        cloth = editions.current_cloth(site)
        assert swatches.confirmed_sizes(site, cloth) == {1.5: False, 1.75: True, 2.0: False,
                                                        2.5: False}
        assert swatches.recommended_module_mm(site, cloth) == 1.75
    page = logged_in.get(DESIGNER).get_data(as_text=True)
    assert "Recommended: 1.75 mm modules" in page
    assert re.search(r'<tr class="read"><td>1.75 mm</td>\s*<td>confirmed</td>', page)
    assert "codes read: 1 of 5" in page
    # A second read of the same code counts, and the first time stays.
    logged_in.get(f"/S/{code}")
    with app.app_context():
        sample = next(s for s in context.site().db.get(Swatch, 1).samples if s.code == code)
        assert sample.reads == 2 and sample.first_read_at is not None


def test_a_swatch_needs_a_public_address_unless_draft(app, logged_in):
    app.config["PUBLIC_BASE_URL"] = "http://localhost:8000"
    token = csrf_token(logged_in, DESIGNER)
    refused = logged_in.post("/organiser/cloth/swatch", data={"csrf_token": token},
                             follow_redirects=True)
    assert "must use https" in refused.get_data(as_text=True)
    drafted = logged_in.post("/organiser/cloth/swatch", data={"csrf_token": token,
                                                                "draft": "on"},
                             follow_redirects=True)
    assert "Test swatch 1 is ready" in drafted.get_data(as_text=True)
    with app.app_context():
        site = context.site()
        assert site.db.get(Swatch, 1).files[0]["name"].startswith("DRAFT-")
        design.save_settings(site, editions.current_cloth(site), {"module_mm": 1.5})
        pdf = site.store.get(site.db.get(Swatch, 1).files[0]["key"])
    document = pdfium.PdfDocument(pdf)
    assert "test swatch 1" in document[0].get_textpage().get_text_range()
    document.close()
