"""Where a code is printed on the cloth the public sees: panel, row and square from the left.

The same stored plan as /cloth and the print files (services.cloth.stored), so the words on
a photo page match the exported PDF: the frozen edition's plan once an edition is printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..site import Site
from . import editions, stored

PLACED = "placed"
NEXT_EDITION = "next_edition"  # the public cloth is a printed edition without this code
NOT_PLACED = "not_placed"  # on no cloth yet: none exists, or the edition does not fit it


@dataclass(frozen=True)
class Place:
    """A code's place on the public cloth, counted from 1, or why it has none."""

    status: str
    edition: int | None = None
    printed: bool = False  # the public cloth is a frozen (printed) edition
    panel: int = 0
    panels: int = 0
    row: int = 0
    square: int = 0


def places_of(site: Site, codes: Iterable[str]) -> dict[str, Place]:
    """Return the place of each code on the public cloth."""
    cloth = editions.public_cloth(site)
    wanted = list(codes)
    if cloth is None:
        return {code: Place(NOT_PLACED) for code in wanted}
    return _places(stored.view(site, cloth), wanted)


def place_on(site: Site, code: str, cloth_id: int | None, version: int | None) -> Place:
    """Return a code's place on the public cloth whose id and version the caller read.

    The photo page reads them in its one query: a view this process holds costs no other.
    """
    if cloth_id is None:
        return Place(NOT_PLACED)
    view = stored.held(site, cloth_id, version or 0)
    if view is None:
        return place_of(site, code)
    return _places(view, [code])[code]


def _places(view: stored.StoredCloth, wanted: list[str]) -> dict[str, Place]:
    printed = view.printed
    found = {}
    for code in wanted:
        at = view.place_of(code)
        if at is not None:
            found[code] = Place(PLACED, view.edition, printed, **at)
        else:
            found[code] = Place(NEXT_EDITION if printed else NOT_PLACED, view.edition, printed)
    return found


def place_of(site: Site, code: str) -> Place:
    """Return one code's place on the public cloth."""
    return places_of(site, [code])[code]
