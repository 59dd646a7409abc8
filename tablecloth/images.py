"""Bytes in, safe derivatives out: validate, orient, strip metadata, resize. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# Stable reasons for refusal; the web layer turns each into a translated message.
EMPTY = "empty"                    # zero bytes
TOO_LARGE = "too_large"            # more bytes than max_bytes; detail: limit_bytes
TOO_MANY_PIXELS = "too_many_pixels"  # over max_pixels or a decompression bomb; detail: limit_pixels
NOT_AN_IMAGE = "not_an_image"      # not recognised as any image
UNSUPPORTED = "unsupported"        # a format we refuse (SVG, PDF, ...); detail: format
ANIMATED = "animated"              # more than one frame
DAMAGED = "damaged"                # recognised but truncated or corrupt
REASONS = (EMPTY, TOO_LARGE, TOO_MANY_PIXELS, NOT_AN_IMAGE, UNSUPPORTED, ANIMATED, DAMAGED)


class ImageError(ValueError):
    """The bytes are not a photo we accept; reason is one of REASONS."""

    def __init__(self, reason: str, message: str, **detail) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Derivative:
    """One stored rendition of a photo."""

    data: bytes
    content_type: str
    width: int
    height: int
    sha256: str


@dataclass(frozen=True)
class ProcessedImage:
    """Everything kept of an accepted photo: three metadata-free renditions and a date."""

    master: Derivative
    web: Derivative
    thumb: Derivative
    source_format: str          # e.g. "JPEG", "HEIF", "PNG"
    source_sha256: str          # of the bytes as received, for duplicate detection
    taken_on: date | None = None
    extra: dict = field(default_factory=dict)


def process(
    data: bytes,
    *,
    max_bytes: int = 30 * 1024 * 1024,
    max_pixels: int = 60_000_000,
    web_px: int = 1600,
    thumb_px: int = 400,
) -> ProcessedImage:
    """Validate data as a photo and return its master, web copy and thumbnail."""
    raise NotImplementedError
