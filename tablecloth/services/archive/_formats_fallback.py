"""TEMPORARY stand-in for render.FORMATS until the format registry reaches main; delete then.

Only the two fields the archive reads (content_type, proof), for the formats of today.
"""

from __future__ import annotations

from typing import NamedTuple


class _Format(NamedTuple):
    content_type: str
    proof: bool = False


FORMATS = {
    "pdf": _Format("application/pdf"),
    "svg": _Format("image/svg+xml"),
    "png": _Format("image/png"),
    "tiff": _Format("image/tiff"),
    "proof": _Format("application/pdf", proof=True),
}
