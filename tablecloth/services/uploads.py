"""Accept a participant's photo: process it, store its files, record it, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import AgeBand, City, Group, Photo

DUPLICATE = "duplicate"  # reason: the same bytes were uploaded before


class UploadRefused(ValueError):
    """The upload was refused; reason is an images.REASONS value or DUPLICATE."""

    def __init__(self, reason: str, message: str, **detail) -> None:
        super().__init__(message)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class UploadResult:
    photo: Photo
    withdraw_token: str  # shown once on the receipt; only its hash is stored


def accept_upload(
    data: bytes,
    *,
    city: City,
    first_name: str,
    caption: str = "",
    caption_language: str = "en",
    group: Group | None = None,
    age_band: AgeBand | None = None,
    consent_self: bool = False,
    consent_guardian: bool = False,
    approve: bool = False,
) -> UploadResult:
    """Store one photo with a new code, pending review unless approve is set."""
    raise NotImplementedError
