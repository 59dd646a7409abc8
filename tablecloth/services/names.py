"""A photo's first name in the other script: what the cloth prints, and an organiser's fix."""

from __future__ import annotations

from .. import names
from ..errors import Refusal
from ..models import Organiser, Photo
from . import audit
from .site import Site


def printed_other(photo: Photo) -> str:
    """Return the other-script form the cloth prints for this photo (corrected or automatic)."""
    return names.other_script(photo.first_name, photo.name_other_script)


def automatic(photo: Photo) -> str:
    """Return the automatic other-script form of the photo's first name."""
    return names.transliterate(photo.first_name) or ""


def set_other_script(site: Site, photo: Photo, text: str,
                     by: Organiser | None = None) -> Photo:
    """Correct the name's other-script form; the automatic form (or blank) restores it."""
    value = " ".join((text or "").split())
    if len(value) > names.MAX_LENGTH:
        raise Refusal("name_other_too_long", count=names.MAX_LENGTH)
    stored = None if value in ("", automatic(photo)) else value
    if stored != photo.name_other_script:
        audit.record(site, "photo.name", photo.code, {"corrected": stored is not None},
                     organiser=by)
    photo.name_other_script = stored
    site.db.commit()
    return photo
