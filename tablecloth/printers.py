"""Printer presets: what each kind of shop takes, and the pieces an export becomes for it.

A preset names the files a kind of printer accepts (formats, resolution, colour), the
settings that suit it (roll width, bleed, shrink allowance) and its limits (printable width,
a file's length in millimetres and pixels, a file's size). ``check`` refuses, in plain
words, a cloth that breaks a limit nothing can split; ``pieces`` splits what can be split:
a cloth wider than the roll into panels (the layout's joins), a panel longer than a file
may be into lengths cut between rows (``layout.tiles``). The numbers and where they come
from are in the README ("Printing the cloth"). Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import Refusal
from .layout import ClothSettings, Plan
from .layout.settings import PDF_PAGE_LIMIT_MM, SLUG_MM
from .layout.tiles import Tile, split_lengthwise
from .layout.units import Frame, mm_to_px
from .messages import N_

MB = 1_000_000
RASTER_FORMATS = ("png", "tiff", "jpeg")


class PrinterRefused(Refusal):
    """A preset's printer would reject this cloth or file; the reason says why and what to do."""


@dataclass(frozen=True)
class Printer:
    """One kind of printer: the files it takes, the settings it wants, and its limits."""

    name: str
    label: str  # marked with N_; what the designer and `tablecloth printers` show
    summary: str  # marked with N_: who this is for
    formats: tuple[str, ...]  # offered, the first is the default
    ppi: tuple[int, ...] = ()  # offered resolutions for raster formats, the first the default
    defaults: Mapping[str, Any] = field(default_factory=dict)  # ClothSettings values
    min_roll_mm: float | None = None
    max_roll_mm: float | None = None
    min_bleed_mm: float | None = None
    max_bleed_mm: float | None = None
    max_length_mm: float | None = None  # one file's printed length
    max_side_px: int | None = None  # one raster file's longest side
    max_file_bytes: int | None = None
    per_panel: bool = False  # one file a panel (online printers take one width at a time)
    paper: str | None = None  # office sheets: "a4" or "a3"
    pdfx: bool = False  # the PDF claims PDF/X-4
    sources: str = ""  # where the numbers come from (README)


PRINTERS: dict[str, Printer] = {}


def register(printer: Printer) -> None:
    """Add a preset, or replace the one of the same name."""
    PRINTERS[printer.name] = printer


def printer_named(name: Any) -> Printer:
    """Return the preset called name; refuse an unknown one, listing those there are."""
    found = PRINTERS.get(str(name or "").strip().lower())
    if found is None:
        raise PrinterRefused("unknown_printer", name=str(name), choices=", ".join(PRINTERS))
    return found


for _preset in (
    Printer(
        "online-roll", N_("Online roll printer"),
        N_("Print-on-demand fabric shops that take image files by upload: PNG, TIFF or JPG "
           "at 150 ppi in sRGB, one width of fabric a file."),
        formats=("png", "tiff", "jpeg"), ppi=(150, 300),
        defaults={"roll_width_mm": 1370.0, "bleed_mm": 10.0},
        min_roll_mm=1000.0, max_roll_mm=1420.0, max_length_mm=4000.0, max_side_px=24_000,
        max_file_bytes=100 * MB, per_panel=True,
        sources="issue 11's survey of online fabric printers: PNG/TIFF/JPG at 150 ppi in "
                "sRGB; printable widths 42-56 in (107-142 cm); some cap a file at 4 m or "
                "24,000 px; upload forms commonly stop at 100 MB or less",
    ),
    Printer(
        "wide-format-pdf", N_("Wide-format print shop (PDF)"),
        N_("A print shop with a wide textile printer that takes print-ready PDF: PDF/X-4 "
           "with trim and bleed boxes, fabric bleed 50-100 mm, rolls up to 3.2 m."),
        formats=("pdf",), defaults={"roll_width_mm": 3200.0, "bleed_mm": 50.0},
        min_roll_mm=1000.0, max_roll_mm=3200.0, min_bleed_mm=50.0, max_bleed_mm=100.0,
        max_length_mm=PDF_PAGE_LIMIT_MM, pdfx=True,
        sources="issue 11 and DESIGN section 4: wide-format shops take PDF/X-4 with an output "
                "intent, TrimBox and BleedBox, fabric bleed of 50-100 mm, rolls up to 3.2 m "
                "(dye sublimation); Acrobat's largest page is 5.08 m (200 in)",
    ),
    Printer(
        "office", N_("Office test print (A4)"),
        N_("Your own printer: the cloth at actual size on A4 sheets with marks to tape them "
           "together, to check sizes and scan the codes before paying for fabric."),
        formats=("sheets",), defaults={"shrink_across_pct": 0.0, "shrink_along_pct": 0.0},
        paper="a4",
        sources="ISO 216 A4 (210 × 297 mm); office printers leave 3-5 mm unprinted at each "
                "edge, so each sheet keeps 14 mm for marks",
    ),
    Printer(
        "office-a3", N_("Office test print (A3)"),
        N_("The same on A3 sheets, for a printer that takes A3: fewer sheets to join."),
        formats=("sheets",), defaults={"shrink_across_pct": 0.0, "shrink_along_pct": 0.0},
        paper="a3",
        sources="ISO 216 A3 (297 × 420 mm), margins as for A4",
    ),
):
    register(_preset)


# ---------------------------------------------------------------- limits and pieces


def check(printer: Printer, settings: ClothSettings, formats: list[str], ppi: int) -> None:
    """Refuse, in plain words, what this printer would reject and no split can mend."""
    for fmt in formats:
        if fmt not in printer.formats and fmt != "proof":  # a proof sheet is for you, not them
            raise PrinterRefused("printer_format", printer=printer.name, format=fmt.upper(),
                                 choices=", ".join(f.upper() for f in printer.formats))
    if printer.ppi and ppi not in printer.ppi and any(f in RASTER_FORMATS for f in formats):
        raise PrinterRefused("printer_ppi", ppi=ppi,
                             choices=", ".join(str(p) for p in printer.ppi))
    roll = settings.roll_width_mm
    if printer.max_roll_mm is not None and roll > printer.max_roll_mm:
        raise PrinterRefused("printer_roll_too_wide", mm=roll, most=printer.max_roll_mm)
    if printer.min_roll_mm is not None and roll < printer.min_roll_mm:
        raise PrinterRefused("printer_roll_too_narrow", mm=roll, least=printer.min_roll_mm)
    bleed = settings.bleed_mm
    if printer.min_bleed_mm is not None and not (
            printer.min_bleed_mm <= bleed <= (printer.max_bleed_mm or bleed)):
        raise PrinterRefused("printer_bleed", mm=bleed, least=printer.min_bleed_mm,
                             most=printer.max_bleed_mm)
    if printer.pdfx and printer.max_length_mm is not None:
        length = (settings.cut_height_mm + 2 * bleed) * settings.scale_y + 2 * SLUG_MM
        if length > printer.max_length_mm:
            raise PrinterRefused("printer_page_too_long", m=round(length / 1000, 2),
                                 most=round(printer.max_length_mm / 1000, 2))


def max_piece_length_mm(printer: Printer, ppi: int) -> float | None:
    """Return the longest printed length one file may have, from mm and pixel caps."""
    caps = []
    if printer.max_length_mm is not None:
        caps.append(printer.max_length_mm)
    if printer.max_side_px is not None:
        caps.append(printer.max_side_px / ppi * 25.4)
    return min(caps) if caps else None


@dataclass(frozen=True)
class Piece:
    """One file of an export: a suffix for its name, the options that render and check it."""

    suffix: str
    options: dict[str, Any]
    label: str = ""


def pieces(printer: Printer | None, fmt: str, plan: Plan, ppi: int) -> list[Piece]:
    """Return the files one format of one export becomes for this printer (one if None)."""
    if printer is None:
        # Without a preset, a raster of a cloth wider than the roll comes whole and also one
        # file a panel, each with its slug of crop, join and registration marks and number.
        whole = [Piece("", {})]
        if fmt not in RASTER_FORMATS or len(plan.panels) < 2:
            return whole
        count = len(plan.panels)
        return whole + [Piece(f"-panel{p.index + 1}of{count}", {"panel": p.index},
                              f"panel {p.index + 1}") for p in plan.panels]
    if fmt == "sheets":
        return [Piece("", {"paper": printer.paper or "a4"})]
    if not printer.per_panel:
        return [Piece("", {})]
    limit = max_piece_length_mm(printer, ppi)
    tiles = split_lengthwise(plan, limit) if limit is not None else [
        Tile(p.index, p.index, 0, 0, 1, 1, p.x0_mm, p.y0_mm, p.x1_mm, p.y1_mm)
        for p in plan.panels]
    out = []
    for tile in tiles:
        panels = len(plan.panels)
        suffix, label = "", ""
        if panels > 1:
            suffix, label = f"-panel{tile.panel + 1}of{panels}", f"panel {tile.panel + 1}"
        if tile.rows > 1:
            suffix += f"-length{tile.row + 1}of{tile.rows}"
            label = f"{label}, length {tile.row + 1} of {tile.rows}".lstrip(", ")
        out.append(Piece(suffix, {"tile": tile_to_dict(tile)}, label))
    width_px = max(round(mm_to_px(Frame(t.x0_mm, 0, t.x1_mm, 0, plan.scale_x, plan.scale_y,
                                         0).width_mm, ppi)) for t in tiles)
    if printer.max_side_px is not None and width_px > printer.max_side_px:
        raise PrinterRefused("printer_too_many_pixels", px=width_px, most=printer.max_side_px)
    return out


def tile_to_dict(tile: Tile) -> dict[str, Any]:
    """Return a tile as JSON values, to keep with the exported file's record."""
    return {k: getattr(tile, k) for k in ("index", "panel", "row", "col", "rows", "cols",
                                           "x0_mm", "y0_mm", "x1_mm", "y1_mm")}


def render_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Return a piece's stored options as renderer and verifier keyword arguments."""
    out = dict(options)
    if isinstance(out.get("tile"), Mapping):
        out["tile"] = Tile(**out["tile"])
    return out


def file_too_large(printer: Printer | None, size: int) -> bool:
    """Say whether a file of size bytes is above this printer's upload limit."""
    return printer is not None and printer.max_file_bytes is not None and (
        size > printer.max_file_bytes)
