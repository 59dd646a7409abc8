"""What an export's preflight found, as plain facts a reader's words are made from.

The report stored on an export row keeps verify's English summary for the CLI and the JSON;
the organiser pages say the same facts in the reader's language from the numbers beside it.
A failure's problem and position are stored as short English phrases by verify ("missing",
"wrong url: ...", "row 3, square 2, panel 1"); they are read back here into codes and numbers,
for rows written before and after alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...models import Export
from ...render import FORMATS

# What can be wrong with one code, as verify words it, and the code a reader's words use.
_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^missing$"), "missing"),
    (re.compile(r"^unreadable$"), "unreadable"),
    (re.compile(r"^wrong url: (?P<value>.*)$", re.S), "wrong_url"),
    (re.compile(r"^(?P<value>\d+) codes in one cell$"), "several"),
    (re.compile(r"^not on the cloth$"), "not_planned"),
    (re.compile(r"^listed (?P<value>\d+) times$"), "listed"),
)
# "column" in reports written before squares were counted within a panel.
_POSITION = re.compile(r"^row (\d+), (?:square|column) (\d+), panel (\d+)$")
# A result's key: the format, then the piece for a printer that takes one panel or length
# a file (services/cloth/exports.py, printers.pieces): "png-panel1of2-length2of3".
_PIECE = re.compile(r"^(?P<fmt>[a-z0-9_]+)(?:-panel(?P<panel>\d+)of(?P<panels>\d+))?"
                    r"(?:-length(?P<length>\d+)of(?P<lengths>\d+))?$")
PRINT_ORDER = ("pdf", "tiff", "png", "svg")  # what a fabric shop takes, most wanted first


@dataclass(frozen=True)
class Failure:
    """One code that did not decode to its planned address, and where it sits."""

    code: str
    problem: str  # missing, unreadable, wrong_url, several, not_planned, listed, other
    value: str = ""  # the wrong URL, the number of codes, or verify's own words for "other"
    row: int | None = None
    square: int | None = None  # from the left among its row's codes in its panel
    panel: int | None = None


@dataclass(frozen=True)
class FormatResult:
    """What preflight found in one file of an export (one piece of a format, for some)."""

    name: str  # the format: pdf, png, proof, sheets ...
    ok: bool
    passed: int
    expected: int
    whole_page: bool
    px_per_module: float
    min_module_mm: float
    contrast: float
    scan_distance_cm: float
    failures: list[Failure] = field(default_factory=list)
    colour_pairs: list[dict[str, Any]] = field(default_factory=list)  # role, ink, ratio ...
    panel: tuple[int, int] | None = None  # (panel, of how many), for one panel's file
    length: tuple[int, int] | None = None  # (length, of how many), for one length's file

    @property
    def failed(self) -> int:
        """Return how many planned codes did not decode to their addresses."""
        return max(0, self.expected - self.passed)


def failure(raw: dict[str, Any]) -> Failure:
    """Read one stored failure ({"code", "position", "problem"}) into codes and numbers."""
    words = str(raw.get("problem") or "")
    problem, value = "other", words
    for pattern, name in _PROBLEMS:
        found = pattern.match(words)
        if found:
            problem, value = name, found.groupdict().get("value") or ""
            break
    where = _POSITION.match(str(raw.get("position") or ""))
    row, square, panel = (int(n) for n in where.groups()) if where else (None, None, None)
    return Failure(str(raw.get("code") or ""), problem, value, row, square, panel)


def results(export: Export) -> list[FormatResult]:
    """Return what preflight found in each checked file of the export, in the files' order."""
    stored = (export.report or {}).get("formats") or {}
    found = []
    for key, raw in stored.items():
        piece = _PIECE.match(key)
        parts = piece.groupdict() if piece else {"fmt": key}

        def pair(first: str, second: str, parts=parts) -> tuple[int, int] | None:
            return (int(parts[first]), int(parts[second])) if parts.get(first) else None

        found.append(FormatResult(
            name=parts["fmt"], panel=pair("panel", "panels"), length=pair("length", "lengths"),
            ok=bool(raw.get("ok")), passed=int(raw.get("passed") or 0),
            expected=int(raw.get("expected") or 0), whole_page=bool(raw.get("whole_page")),
            px_per_module=float(raw.get("px_per_module") or 0),
            min_module_mm=float(raw.get("min_module_mm") or 0),
            contrast=float(raw.get("contrast") or 0),
            scan_distance_cm=round(float(raw.get("scan_distance_mm") or 0) / 10),
            colour_pairs=list(raw.get("colour_pairs") or []),
            failures=[failure(f) for f in raw.get("failures") or []]))
    return found


def warnings(export: Export) -> list[tuple[str, dict[str, Any]]]:
    """Return the plan's warnings stored with the export, as (reason, detail)."""
    return [(w["reason"], w.get("detail") or {})
            for w in (export.report or {}).get("warnings") or [] if w.get("reason")]


def files(export: Export) -> dict[str, list[dict[str, Any]]]:
    """Return the export's files for the next steps: proof sheets, then print files."""
    entries = list(export.files or [])

    def is_proof(entry: dict[str, Any]) -> bool:
        known = FORMATS.get(entry.get("format", ""))
        return known is not None and known.proof

    rank = {name: i for i, name in enumerate(PRINT_ORDER)}
    printing = sorted((e for e in entries if not is_proof(e)),
                      key=lambda e: rank.get(e.get("format", ""), len(rank)))
    return {"proof": [e for e in entries if is_proof(e)], "print": printing}
