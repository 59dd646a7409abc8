"""Ordering of cells on the cloth: cities alternate like a chessboard."""

from __future__ import annotations

from collections import Counter, OrderedDict, deque
from collections.abc import Sequence

from .geometry import CellSpec


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
    # The biggest city takes the most frequent colour, so the pattern runs out last.
    k = len(groups)
    colours = Counter((r + c) % k for r, c in slots[: len(cells)])
    by_size = sorted(groups, key=lambda s: -len(groups[s]))
    by_count = sorted(range(k), key=lambda i: -colours[i])
    names = [""] * k
    for colour, name in zip(by_count, by_size, strict=True):
        names[colour] = name
    out = []
    placed: dict[tuple[int, int], str] = {}
    for row, col in slots[: len(cells)]:
        banned = {placed.get((row, col - 1)), placed.get((row - 1, col))}
        want = names[(row + col) % len(names)]
        if not groups[want] or want in banned:
            # The pattern's city ran out here: take the fullest city unlike the neighbours.
            left = [s for s in names if groups[s]]
            want = max([s for s in left if s not in banned] or left, key=lambda s: len(groups[s]))
        out.append(groups[want].popleft())
        placed[(row, col)] = want
    return out
