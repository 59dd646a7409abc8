"""CSV cells a spreadsheet will not run: every CSV the product writes goes through here."""

from __future__ import annotations

from collections.abc import Iterable

# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(...), +1,
# -1+2, @SUM) or as the start of one (a tab or carriage return before it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    """Return value as a CSV cell shown as text: a leading apostrophe before a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def row(values: Iterable[str]) -> list[str]:
    """Return a row of cells, each neutralised."""
    return [cell(value) for value in values]
