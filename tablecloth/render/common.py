"""Helpers shared by the renderers: output opening, progress reporting, number formatting."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import IO, Any

Progress = Callable[[float, str], None]
Out = str | os.PathLike | IO[bytes]



def in_frame(item: Any, frame: Any) -> bool:
    """Say whether a text item's line reaches into the frame's content (so it is drawn)."""
    if getattr(item, "rotate", 0):
        box = item.bounds
        return box.x1_mm > frame.x0_mm and box.x_mm < frame.x1_mm
    return item.x1_mm > frame.x0_mm and item.x0_mm < frame.x1_mm


def compact(value: float) -> str:
    """Return value as short decimal text for a PDF content stream or an SVG attribute.

    At most three decimals, no trailing zeros: 12.5 -> "12.5", 3.0 -> "3".
    """
    text = f"{value:.3f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _no_progress(fraction: float, message: str) -> None:
    pass


def progress_of(options: dict[str, Any]) -> Progress:
    """Return the progress callback from options, or one that does nothing."""
    return options.get("progress") or _no_progress


@contextlib.contextmanager
def open_out(out: Out) -> Iterator[IO[bytes]]:
    """Yield a binary file for out: open a path (closed after), or use a file object as is."""
    if isinstance(out, str | os.PathLike):
        with open(out, "wb") as f:
            yield f
    else:
        yield out
