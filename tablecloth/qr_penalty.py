"""The ISO/IEC 18004 mask penalty, scored bit-parallel on a symbol packed into one int.

The same scores as ``qrcode.util.lost_point`` (runs, 2x2 blocks, finder-like patterns,
balance; tests/test_qr.py compares them), about a hundred times faster: qr.py scores all
eight masks of every code with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache


def big_int(flags: Iterable[bool]) -> int:
    """Pack flags into an int, the i-th flag at bit i."""
    return int("".join("1" if f else "0" for f in flags)[::-1], 2)



@lru_cache(maxsize=64)
def _windows(n: int) -> tuple[int, int, int, int, int]:
    """Return masks of positions where a 5- or 11-long window fits across or down, and blocks."""
    def big(ok: Callable[[int, int], bool]) -> int:
        return big_int(ok(x, y) for y in range(n) for x in range(n))

    return (
        big(lambda x, y: x <= n - 5),
        big(lambda x, y: y <= n - 5),
        big(lambda x, y: x <= n - 11),
        big(lambda x, y: y <= n - 11),
        big(lambda x, y: x < n - 1 and y < n - 1),
    )


_FINDER_1 = "10111010000"
_FINDER_2 = _FINDER_1[::-1]


def penalty_of_int(v: int, n: int) -> int:
    """Score a symbol packed as a big int (bit y*n + x), all four rules bit-parallel."""
    h5, v5, h11, v11, blocks = _windows(n)
    inv = ~v
    score = 0
    for step, w5, w11 in ((1, h5, h11), (n, v5, v11)):
        same = ~(v ^ (v >> step))
        # A run of L >= 5 scores L - 2 = (its L - 4 five-windows) + 2 (counted at its start).
        win = same & (same >> step) & (same >> 2 * step) & (same >> 3 * step) & w5
        score += win.bit_count() + 2 * (win & ~(win << step)).bit_count()
        for pattern in (_FINDER_1, _FINDER_2):
            hit = w11
            for i, ch in enumerate(pattern):
                hit &= (v if ch == "1" else inv) >> (i * step)
            score += 40 * hit.bit_count()
    same_h = ~(v ^ (v >> 1))
    same_v = ~(v ^ (v >> n))
    score += 3 * (same_v & (same_v >> 1) & same_h & blocks).bit_count()
    score += int(abs(v.bit_count() / (n * n) * 100 - 50) / 5) * 10
    return score


def penalty(rows: tuple[str, ...] | list[str]) -> int:
    """Return the ISO/IEC 18004 mask penalty of a symbol given as '0'/'1' row strings.

    Same scoring as qrcode.util.lost_point (runs, 2x2 blocks, finder-like patterns, balance).
    """
    return penalty_of_int(int("".join(rows)[::-1], 2), len(rows))
