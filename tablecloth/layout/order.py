"""Ordering of cells on the cloth: cities alternate like a chessboard."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence

from .plan import CellSpec


def alternate_cities(
    cells: Sequence[CellSpec], slots: Sequence[tuple[int, int]] | None = None
) -> list[CellSpec]:
    """Return cells reordered so that neighbouring cells come from different cities.

    Without ``slots`` the cities are interleaved round robin (largest remaining city first,
    never the same city twice in a row while another is left). With ``slots`` (the (row, col)
    of each placement position in order, see ``grid_slots``) city k of n goes where
    (row + col) % n == k, which is a chessboard for two cities and diagonal stripes for more,
    so horizontal and vertical neighbours differ; when a city runs out the others fill in.
    The order within one city is kept.
    """
    groups: OrderedDict[str, deque[CellSpec]] = OrderedDict()
    for cell in cells:
        groups.setdefault(cell.city_slug, deque()).append(cell)
    if len(groups) <= 1:
        return list(cells)
    if slots is None:
        out: list[CellSpec] = []
        last = None
        while len(out) < len(cells):
            choices = [s for s, q in groups.items() if q and s != last] or [
                s for s, q in groups.items() if q
            ]
            pick = max(choices, key=lambda s: len(groups[s]))
            out.append(groups[pick].popleft())
            last = pick
        return out
    if len(slots) < len(cells):
        raise ValueError(f"{len(cells)} cells but only {len(slots)} slots")
    # Biggest city on the squares of colour 0, so the chessboard is as complete as possible.
    names = sorted(groups, key=lambda s: -len(groups[s]))
    out = []
    for row, col in slots[: len(cells)]:
        want = names[(row + col) % len(names)]
        if groups[want]:
            out.append(groups[want].popleft())
        else:
            left = max(names, key=lambda s: len(groups[s]))
            out.append(groups[left].popleft())
    return out
