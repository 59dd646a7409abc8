"""What preflight found, for every format alike: one VerifyReport, with its JSON form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from tablecloth.layout import MIN_CONTRAST, Plan

MISSING, UNREADABLE = "missing", "unreadable"


@dataclass(frozen=True)
class Failure:
    """One planned code that did not decode to its URL (or a code that was not planned)."""

    code: str
    position: str  # "row 1, column 2, panel 1"; empty for a code that is not on the plan
    problem: str  # "missing", "unreadable", "wrong url: X", "not on the cloth", ...

    @property
    def label(self) -> str:
        """Return the failure in a few words: the code and its problem."""
        return f"{self.code} ({self.problem})"


@dataclass
class VerifyReport:
    """What preflight found in one file: how many codes decoded to their planned URLs."""

    fmt: str
    ok: bool
    checked: int
    expected: int
    passed: int = 0  # planned codes that decoded to their URL
    failures: list[Failure] = field(default_factory=list)
    min_module_mm: float = 0.0
    contrast: float = 0.0
    scan_distance_mm: float = 0.0
    px_per_module: float = 0.0
    # Decoded page by page (codes far apart, as on a proof sheet), not cell by cell.
    whole_page: bool = False
    warnings: list[str] = field(default_factory=list)
    # Every ink the design prints on its ground, re-checked here: {role, words, ink, ground,
    # ratio}; one under MIN_CONTRAST fails the file.
    colour_pairs: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def for_plan(cls, fmt: str, plan: Plan, **fields: Any) -> VerifyReport:
        """Return an empty report for checking a rendering of plan as fmt; fields override."""
        values: dict[str, Any] = {
            "fmt": fmt, "ok": False, "checked": 0, "expected": len(plan.cells),
            "min_module_mm": plan.min_module_mm, "contrast": round(plan.settings.contrast, 2),
            "scan_distance_mm": plan.scan_distance_mm,
            "colour_pairs": [p.to_dict() for p in plan.settings.colour_pairs()]}
        return cls(**{**values, **fields})

    def check_colours(self) -> None:
        """Fail the report for each colour pair under the minimum contrast."""
        for pair in self.colour_pairs:
            if pair["ratio"] < MIN_CONTRAST:
                self.failures.append(Failure(
                    "COLOURS", "", f"{pair['words']} {pair['ink']} on {pair['ground']}: "
                    f"contrast {pair['ratio']:.1f}:1, below {MIN_CONTRAST:g}:1"))
                self.ok = False

    @property
    def failing_cells(self) -> list[str]:
        """Return each failure in a few words."""
        return [f.label for f in self.failures]

    def summary(self) -> str:
        """Return the report as a few lines of plain text."""
        head = "PASS" if self.ok else "FAIL"
        if self.whole_page:
            lines = [f"{head}: {self.passed} of {self.expected} codes on the proof sheet "
                     "decode to their planned URLs."]
        else:
            lines = [
                f"{head}: {self.passed} of {self.expected} codes in the {self.fmt.upper()} "
                f"decode to their planned URLs (each cell decoded alone at "
                f"{self.px_per_module:.1f} px per module).",
                f"Smallest module {self.min_module_mm:g} mm; contrast {self.contrast:.1f}:1; "
                f"phones read it from up to {self.scan_distance_mm / 10:g} cm (see "
                "layout/scan.py: a 640 px preview frame over 70°, 3 px a module).",
            ]
            if self.colour_pairs:
                lines.append("Colours (each at least 7:1 on the ground): " + "; ".join(
                    f"{p['words']} {p['ink']} on {p['ground']} {p['ratio']:.1f}:1"
                    for p in self.colour_pairs) + ".")
        for f in self.failures[:50]:
            where = f" at {f.position}" if f.position else ""
            lines.append(f"  {f.code}{where}: {f.problem}")
        if len(self.failures) > 50:
            lines.append(f"  ... and {len(self.failures) - 50} more")
        lines.extend(f"Warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready values, with its summary and failing cells."""
        return {**dataclasses.asdict(self), "failing_cells": self.failing_cells,
                "summary": self.summary()}
