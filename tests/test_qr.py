"""QR matrices: identical to qrcode's symbols, same mask scores, decodable by zxing-cpp."""

from __future__ import annotations

import pytest
import qrcode
import qrcode.util
import zxingcpp
from PIL import Image

from tablecloth import qr

URLS = [
    "HTTPS://TABLECLOTH.EXAMPLE.ORG/P/7K3QZ9",
    "HTTPS://EXAMPLE.ORG/P/7K3QZ9",
    "https://tablecloth.example.org/p/7k3qz9",  # byte mode
    "HTTPS://A.EXAMPLE/" + "X" * 150,  # version 7+: carries version information
]


def qrcode_rows(url: str, version: int, ec: str, mask: int) -> tuple[str, ...]:
    q = qrcode.QRCode(version=version, error_correction=qr.LEVELS[ec], mask_pattern=mask)
    q.add_data(url)
    q.make(fit=False)
    return tuple("".join("1" if m else "0" for m in row) for row in q.modules)


def raster(matrix: qr.Matrix, px: int = 6) -> Image.Image:
    n = matrix.size + 8
    img = Image.new("L", (n * px, n * px), 255)
    for x, y, w, h in matrix.rects:
        img.paste(0, ((x + 4) * px, (y + 4) * px, (x + 4 + w) * px, (y + 4 + h) * px))
    return img


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("ec", ["L", "H"])
def test_every_mask_matches_qrcode_and_scores_the_same(url, ec):
    for mask in range(8):
        m = qr.encode(url, ec, mask=mask)
        rows = qrcode_rows(url, m.version, ec, mask)
        assert m.rows == rows
        q = [[ch == "1" for ch in row] for row in rows]
        assert qr.penalty(rows) == qrcode.util.lost_point(q)


@pytest.mark.parametrize("url", URLS)
def test_encode_picks_the_lowest_penalty_mask(url):
    m = qr.encode(url)
    scores = [qr.penalty(qr.encode(url, mask=k).rows) for k in range(8)]
    assert qr.penalty(m.rows) == min(scores)
    assert m.mask == scores.index(min(scores))


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("ec", ["L", "M", "Q", "H"])
def test_zxing_decodes_the_matrix(url, ec):
    m = qr.encode(url, ec)
    found = zxingcpp.read_barcodes(raster(m), formats=zxingcpp.BarcodeFormat.QRCode)
    assert [b.text for b in found] == [url]
    assert found[0].ec_level == ec


def test_upper_case_url_gives_the_smaller_symbol():
    # DESIGN section 3: alphanumeric mode makes this URL 29x29 at H, lower case 33x33.
    assert qr.encode("HTTPS://EXAMPLE.ORG/P/7K3QZ9").size == 29
    assert qr.encode("https://example.org/p/7k3qz9").size == 33
    assert qr.symbol_size("HTTPS://TABLECLOTH.EXAMPLE.ORG/P/7K3QZ9") == 33


def test_rects_cover_exactly_the_dark_modules():
    m = qr.encode(URLS[0])
    seen = set()
    for x, y, w, h in m.rects:
        for yy in range(y, y + h):
            for xx in range(x, x + w):
                assert (xx, yy) not in seen
                seen.add((xx, yy))
    dark = {(x, y) for y in range(m.size) for x in range(m.size) if m.is_dark(x, y)}
    assert seen == dark
    assert len(m.rects) < len(dark) / 2  # merging is what keeps files small


@pytest.mark.parametrize("url", [*URLS, "12345678901234567890123HELLO", "https://x/" + "й" * 40])
@pytest.mark.parametrize("ec", ["L", "M", "Q", "H"])
def test_codewords_match_qrcode(url, ec):
    version = qr.version_for(url, ec)
    q = qrcode.QRCode(version=version, error_correction=qr.LEVELS[ec])
    q.add_data(url)
    expected = qrcode.util.create_data(version, q.error_correction, q.data_list)
    assert qr._codewords(version, q.error_correction, q.data_list) == expected


def test_cache_and_encode_many():
    qr.clear_cache()
    a = qr.encode(URLS[0])
    assert qr.encode(URLS[0]) is a
    many = qr.encode_many(URLS[:2])
    assert set(many) == set(URLS[:2]) and many[URLS[0]] is a


def test_unknown_error_correction_is_refused():
    with pytest.raises(ValueError, match="error correction"):
        qr.encode(URLS[0], "X")


def test_split_finders_makes_the_whole_symbol_in_two_colours():
    matrix = qr.encode("HTTPS://TABLECLOTH.EXAMPLE.ORG/P/7K3QZ9")
    body, finders = qr.split_finders(matrix)
    n = matrix.size
    for y in range(n):
        for x in range(n):
            corner = (x < 7 or x >= n - 7) and y < 7 or x < 7 and y >= n - 7
            assert not (body.is_dark(x, y) and finders.is_dark(x, y))
            assert body.is_dark(x, y) or finders.is_dark(x, y) or not matrix.is_dark(x, y)
            assert matrix.is_dark(x, y) == (body.is_dark(x, y) or finders.is_dark(x, y))
            assert not finders.is_dark(x, y) or corner
    # A finder pattern is a 7x7 ring around a 3x3 core: 33 dark modules, three of them.
    assert sum(row.count("1") for row in finders.rows) == 3 * 33
