"""URL -> QR module matrix; the one module that imports qrcode.

qrcode's own ``make(fit=True)`` spends ~5 ms a code: it searches for the version and then
builds the whole symbol eight times, once per mask, scoring each with a slow penalty function.
We build the symbol once with mask 0, derive the other seven masks by XOR-ing precomputed
per-version bit masks over the data modules, swap in the format bits, and score all eight with
a string/bit-twiddling implementation of the same ISO/IEC 18004 penalty rules (bit-for-bit the
same scores as ``qrcode.util.lost_point``, see tests/test_qr.py). The version is computed once
per URL length, since every URL on a cloth has the same length. Result: ~0.4 ms a code.

URLs should be upper case (``codes.photo_url`` does this) so the whole URL fits QR alphanumeric
mode, which gives a smaller symbol and therefore larger modules at the same printed size; a
lower-case URL still encodes (in byte mode) but needs a larger symbol.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

import qrcode
import qrcode.base
import qrcode.constants
import qrcode.LUT
import qrcode.main
import qrcode.util

from .qr_penalty import big_int as _big
from .qr_penalty import penalty as penalty  # re-exported: part of the API
from .qr_penalty import penalty_of_int as _penalty

LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}
_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


@dataclass(frozen=True)
class Matrix:
    """A QR symbol without quiet zone: ``rows[y][x] == "1"`` means a dark module."""

    size: int
    rows: tuple[str, ...]
    version: int = 0
    error_correction: str = "H"
    mask: int = 0
    url: str = field(default="", compare=False)

    def is_dark(self, x: int, y: int) -> bool:
        """Return whether the module at column x, row y is dark."""
        return self.rows[y][x] == "1"

    def runs(self) -> Iterator[tuple[int, int, int]]:
        """Yield horizontal runs of dark modules as (x, y, length), row by row."""
        for y, row in enumerate(self.rows):
            x = 0
            for seg in row.split("0"):
                if seg:
                    yield x, y, len(seg)
                    x += len(seg) + 1
                else:
                    x += 1

    @property
    def rects(self) -> tuple[tuple[int, int, int, int], ...]:
        """Return dark modules merged into rectangles (x, y, w, h) in module units.

        Horizontal runs are merged first, then identical runs on consecutive rows; all
        rectangles share edges exactly (integer module coordinates). Computed on each call:
        keeping them for 10,000 codes would cost ~150 MB.
        """
        out: list[tuple[int, int, int, int]] = []
        open_: dict[tuple[int, int], int] = {}  # (x, length) -> first row
        for y, row in enumerate(self.rows):
            current = set()
            x = 0
            for seg in row.split("0"):
                if seg:
                    current.add((x, len(seg)))
                    x += len(seg) + 1
                else:
                    x += 1
            for run in [r for r in open_ if r not in current]:
                y0 = open_.pop(run)
                out.append((run[0], y0, run[1], y - y0))
            for run in current:
                open_.setdefault(run, y)
        for run, y0 in open_.items():
            out.append((run[0], y0, run[1], self.size - y0))
        return tuple(sorted(out, key=lambda r: (r[1], r[0])))


def _level(error_correction: str) -> int:
    try:
        return LEVELS[error_correction]
    except KeyError:
        raise ValueError(
            f"unknown error correction {error_correction!r}; use one of {', '.join(LEVELS)}"
        ) from None


@lru_cache(maxsize=256)
def _version_for(ec: str, length: int, alnum: bool, url_if_other: str) -> int:
    """Return the smallest version that holds a URL of this length and alphabet."""
    q = qrcode.QRCode(error_correction=_level(ec))
    q.add_data(url_if_other or "A" * length)
    q.best_fit()
    return q.version


def version_for(url: str, error_correction: str = "H") -> int:
    """Return the smallest QR version that holds url at this error correction."""
    alnum = _ALNUM.issuperset(url)  # a C loop: called for every code of a 10,000-code cloth
    # All-alphanumeric URLs of the same length need the same number of bits, so share.
    return _version_for(error_correction, len(url), alnum, "" if alnum else url)


def symbol_size(url: str, error_correction: str = "H") -> int:
    """Return the number of modules across the symbol for url (without quiet zone)."""
    return version_for(url, error_correction) * 4 + 17


class _Tables:
    """Per-(version, ec) tables; a symbol is a big int with module (x, y) at bit y*n + x."""

    def __init__(self, version: int, ec: str) -> None:
        n = version * 4 + 17
        self.n = n
        q = qrcode.QRCode(version=version, error_correction=_level(ec), mask_pattern=0)
        q.add_data("A")
        q.make(fit=False)  # fills qrcode's blank cache for this version
        blank = qrcode.main.copy_2d_array(qrcode.main.precomputed_qr_blanks[version])
        q.modules = blank
        q.modules_count = n
        q.setup_type_info(False, 0)
        if version >= 7:
            q.setup_type_number(False)
        is_data = [[blank[y][x] is None for x in range(n)] for y in range(n)]
        # Format info positions: what setup_type_info writes (plus the fixed dark module).
        fmt_pos = [[False] * n for _ in range(n)]
        for i in range(9):
            fmt_pos[8][i] = fmt_pos[i][8] = True
        for i in range(8):
            fmt_pos[8][n - 1 - i] = True
            fmt_pos[n - 1 - i][8] = True
        fmt_pos[6][8] = fmt_pos[8][6] = False  # timing pattern, not format bits
        order = _placement(n, is_data)
        self.data_positions = len(order)
        index_of = {p: k for k, p in enumerate(order)}
        light, dark = len(order), len(order) + 1
        # Source index for each module, so a symbol is one C-level itemgetter call.
        perm = []
        for y in range(n):
            for x in range(n):
                p = y * n + x
                if p in index_of:
                    perm.append(index_of[p])
                elif fmt_pos[y][x]:
                    perm.append(light)  # format bits are OR-ed in per mask
                else:
                    perm.append(dark if blank[y][x] else light)
        self.perm = operator.itemgetter(*perm)
        self.data_mask = []
        self.fmt_bits = []
        for k in range(8):
            f = qrcode.util.mask_func(k)
            self.data_mask.append(
                _big(is_data[y][x] and f(y, x) for y in range(n) for x in range(n))
            )
            q.modules = qrcode.main.copy_2d_array(blank)
            q.setup_type_info(False, k)
            self.fmt_bits.append(
                _big(bool(q.modules[y][x]) and fmt_pos[y][x] for y in range(n) for x in range(n))
            )


def _placement(n: int, is_data: list[list[bool]]) -> list[int]:
    """Return data module positions in codeword bit order (the zigzag of qrcode's map_data)."""
    order = []
    inc = -1
    row = n - 1
    for col in range(n - 1, 0, -2):
        if col <= 6:
            col -= 1  # skip the vertical timing pattern
        while True:
            for c in (col, col - 1):
                if is_data[row][c]:
                    order.append(row * n + c)
            row += inc
            if row < 0 or row >= n:
                row -= inc
                inc = -inc
                break
    return order


@lru_cache(maxsize=64)
def _tables(version: int, ec: str) -> _Tables:
    return _Tables(version, ec)


class _Bits:
    """The one method of qrcode's BitBuffer that QRData.write uses, appending to a string."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def put(self, num: int, length: int) -> None:
        self.parts.append(format(num, f"0{length}b"))


@lru_cache(maxsize=64)
def _ec_table(ec_count: int) -> tuple[int, ...]:
    """Return, per leading factor, the generator polynomial times it, packed into one int."""
    gen = qrcode.LUT.rsPoly_LUT.get(ec_count)
    if gen is None:  # same construction as qrcode.util.create_bytes
        poly = qrcode.base.Polynomial([1], 0)
        for i in range(ec_count):
            poly = poly * qrcode.base.Polynomial([1, qrcode.base.gexp(i)], 0)
        gen = [poly[i] for i in range(len(poly))]
    exp, log = qrcode.base.EXP_TABLE, qrcode.base.LOG_TABLE
    table = [0]
    for factor in range(1, 256):
        value = 0
        for g in gen[1:]:
            value = (value << 8) | (exp[(log[g] + log[factor]) % 255] if g else 0)
        table.append(value)
    return tuple(table)


def _codewords(version: int, level: int, data_list: list) -> list[int]:
    """Return data and error correction codewords, interleaved: qrcode.util.create_data, fast.

    qrcode builds the bit stream one bit per call and divides polynomials with lists; here
    the bits are a string and Reed-Solomon runs as an LFSR on a packed int per block.
    """
    bits = _Bits()
    for data in data_list:
        bits.put(data.mode, 4)
        bits.put(len(data), qrcode.util.length_in_bits(data.mode, version))
        data.write(bits)
    stream = "".join(bits.parts)
    blocks = qrcode.base.rs_blocks(version, level)
    limit = sum(b.data_count * 8 for b in blocks)
    if len(stream) > limit:
        raise ValueError(f"{len(stream)} bits do not fit version {version} ({limit})")
    stream += "0" * min(limit - len(stream), 4)
    stream += "0" * (-len(stream) % 8)
    pad = (limit - len(stream)) // 8
    stream += "1110110000010001" * (pad // 2) + "11101100" * (pad % 2)  # PAD0, PAD1
    codes = list(int(stream, 2).to_bytes(limit // 8))
    dc_blocks, ec_blocks = [], []
    offset = 0
    for block in blocks:
        dc = codes[offset:offset + block.data_count]
        offset += block.data_count
        n = block.total_count - block.data_count
        table, top, mask = _ec_table(n), 8 * (n - 1), (1 << 8 * n) - 1
        reg = 0
        for byte in dc:
            reg = ((reg << 8) & mask) ^ table[(reg >> top) ^ byte]
        dc_blocks.append(dc)
        ec_blocks.append(list(reg.to_bytes(n)))
    out = []
    for group in (dc_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return out


def _build(url: str, ec: str, mask: int | None) -> Matrix:
    version = version_for(url, ec)
    t = _tables(version, ec)
    n = t.n
    q = qrcode.QRCode(version=version, error_correction=_level(ec))
    q.add_data(url)
    data = _codewords(version, q.error_correction, q.data_list)
    bits = format(int.from_bytes(bytes(data)), f"0{8 * len(data)}b")
    source = bits + "0" * (t.data_positions - len(bits)) + "01"
    unmasked_s = "".join(t.perm(source))
    unmasked = int(unmasked_s[::-1], 2)
    best: tuple[int, int, int] | None = None
    width = n * n
    for k in range(8) if mask is None else (mask,):
        v = (unmasked ^ t.data_mask[k]) | t.fmt_bits[k]
        score = _penalty(v, n) if mask is None else 0
        if best is None or score < best[0]:
            best = (score, k, v)
    assert best is not None
    s = format(best[2], f"0{width}b")[::-1]
    rows = tuple(s[i : i + n] for i in range(0, width, n))
    return Matrix(size=n, rows=rows, version=version, error_correction=ec, mask=best[1], url=url)


_cache: dict[tuple[str, str], Matrix] = {}
_CACHE_MAX = 20_000


def encode(url: str, error_correction: str = "H", *, mask: int | None = None) -> Matrix:
    """Return the QR matrix of url at the smallest version, with the best-scoring mask.

    Results are cached by (url, error_correction). Pass ``mask`` (0-7) to force a mask
    pattern (for tests and comparison with qrcode).
    """
    _level(error_correction)
    if mask is not None:
        return _build(url, error_correction, mask)
    key = (url, error_correction)
    hit = _cache.get(key)
    if hit is None:
        hit = _build(url, error_correction, None)
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = hit
    return hit


def encode_many(urls: Iterable[str], error_correction: str = "H") -> dict[str, Matrix]:
    """Return {url: matrix} for every url."""
    return {url: encode(url, error_correction) for url in urls}


def clear_cache() -> None:
    """Forget cached matrices (benchmarks measure cold encoding)."""
    _cache.clear()


def _in_finder(n: int, x: int, y: int) -> bool:
    return (x < 7 or x >= n - 7) and y < 7 or x < 7 and y >= n - 7


@lru_cache(maxsize=4096)
def split_finders(matrix: Matrix) -> tuple[Matrix, Matrix]:
    """Return (the symbol without its three finder patterns, the finder patterns alone).

    Drawn one over the other in two colours they make the whole symbol, module for module:
    a city's codes are told apart by the colour of their finder patterns.
    """
    n = matrix.size
    blank7, blank = "0" * 7, "0" * n
    body, finders = [], []
    for y, row in enumerate(matrix.rows):
        if y < 7:  # top-left and top-right finders
            body.append(blank7 + row[7:n - 7] + blank7)
            finders.append(row[:7] + "0" * (n - 14) + row[n - 7:])
        elif y >= n - 7:  # bottom-left finder
            body.append(blank7 + row[7:])
            finders.append(row[:7] + "0" * (n - 7))
        else:
            body.append(row)
            finders.append(blank)
    return (replace(matrix, rows=tuple(body)), replace(matrix, rows=tuple(finders)))
