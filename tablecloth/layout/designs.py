"""The cloth's designs: "plain" (codes on white) and "classic" (dark on cream, city colours,
a border carrying the dedication), and every colour pair a design prints.

A design is a record of colours (the settings it brings when chosen, as a printer preset
brings its roll width) and of what it adds to the plan (``layout.border``). Every pair of
an ink on the ground that a design prints is listed by ``pair_inks``: settings refuse a
pair under 7:1, preflight states each pair, and the test swatch prints each one.
Pure: no Flask; labels are marked with ``N_`` for the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tablecloth.messages import N_

# The dedication the classic border carries, one line per language: for the women of
# Coventry who embroidered their names on a cloth for Stalingrad in 1941.
DEDICATION = (
    "In honour of the women of Coventry who embroidered their names for Stalingrad in 1941\n"
    "В честь женщин Ковентри, вышивших свои имена для Сталинграда в 1941 году")


@dataclass(frozen=True)
class Design:
    """One look of the cloth: the colours it brings and the ornament it adds."""

    name: str
    label: str  # marked with N_: what the designer and the CLI show
    summary: str  # marked with N_
    defaults: Mapping[str, Any] = field(default_factory=dict)  # ClothSettings values
    border: bool = False  # a band round the cloth carrying the dedication, facing each side
    title_frame: bool = False  # a double rule round the title block, a rule under the subtitle


DESIGNS: dict[str, Design] = {
    "plain": Design(
        "plain", N_("Plain"),
        N_("Near-black codes on white, the title in the middle: the least ink, the most "
           "contrast."),
        {"dark": "#1a1a1a", "light": "#ffffff", "accent": "#9b1c1c", "accent_first": ""}),
    "classic": Design(
        "classic", N_("Classic"),
        N_("Walnut ink on cream linen; Coventry's codes with blue corner squares, "
           "Volgograd's with claret; a border carrying the dedication in both languages, "
           "facing every side of the table; the title framed."),
        {"dark": "#231a14", "light": "#f5eedc", "accent": "#7d1d2b",
         "accent_first": "#1d3557", "city_tint": True},
        border=True, title_frame=True),
}


def design_named(name: str) -> Design:
    """Return the design of this name; plain for an unknown one (validate refuses it)."""
    return DESIGNS.get(name) or DESIGNS["plain"]


@dataclass(frozen=True)
class ColourPair:
    """One ink the cloth prints on its ground, what it is for, and their contrast."""

    role: str  # "codes", "first_city", "second_city", "border", "address"
    ink: str
    ground: str
    ratio: float

    @property
    def words(self) -> str:
        """Return the role in English words (translated by the faces through ROLE_WORDS)."""
        return ROLE_WORDS[self.role]

    def to_dict(self) -> dict[str, Any]:
        """Return the pair as JSON-ready values, its ratio to two decimals."""
        return {"role": self.role, "words": self.words, "ink": self.ink,
                "ground": self.ground, "ratio": round(self.ratio, 2)}


ROLE_WORDS = {
    "codes": N_("codes and words"),
    "first_city": N_("first city's corner squares"),
    "second_city": N_("second city's corner squares"),
    "border": N_("border, subtitle and rules"),
    "address": N_("the site's address"),
}


def pair_inks(settings: Any) -> list[tuple[str, str]]:
    """Return (role, ink) of every ink the settings' design prints on its ground.

    ``settings`` is a ClothSettings (not imported: settings validate through this); the
    contrast of each is worked out there (``ClothSettings.colour_pairs``).
    """
    d = design_named(settings.design)
    inks = [("codes", settings.dark)]
    if settings.city_tint and settings.accent_first:
        inks.append(("first_city", settings.accent_first))
    if settings.city_tint:
        inks.append(("second_city", settings.accent))
    if d.border or d.title_frame:
        inks.append(("border", settings.accent))
        if settings.accent_first:
            inks.append(("address", settings.accent_first))
    return inks


def border_mm(settings: Any) -> float:
    """Return the width of the design's border band inside the hem (0 without a border)."""
    if not design_named(settings.design).border:
        return 0.0
    return max(14.0, min(40.0, min(settings.width_mm, settings.height_mm) * 0.012))


def inset_mm(settings: Any) -> float:
    """Return how far codes keep in from the hem: the border band and air beside it."""
    band = border_mm(settings)
    return band * 1.15 if band else 0.0
