"""The editions of the cloth: the one in progress, the one the public sees, and freezing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...models import Cloth, ClothItem, Organiser, Photo, utcnow
from .. import audit
from ..site import Site
from .design import ORDER_KEY, require_unfrozen, selection
from .exports import last_good_export


def current_cloth(site: Site) -> Cloth:
    """Return the newest unfrozen edition, creating the next one after a frozen edition."""
    newest = site.db.scalars(select(Cloth).order_by(Cloth.edition.desc()).limit(1)).first()
    if newest is not None and newest.frozen_at is None:
        return newest
    edition_number = 1 if newest is None else newest.edition + 1
    cloth = Cloth(edition=edition_number, title="", settings={})
    if newest is not None:
        # The next edition keeps the organiser's print settings (size, module, colours):
        # they were chosen for a printer and fabric, not for one edition's photos.
        cloth.settings = {k: v for k, v in (newest.settings or {}).items() if k != ORDER_KEY}
        cloth.title = newest.title
    site.db.add(cloth)
    site.db.commit()
    return cloth


def public_cloth(site: Site) -> Cloth | None:
    """Return the cloth the public sees: the newest frozen edition, else the one in progress."""
    frozen = site.db.scalars(
        select(Cloth).where(Cloth.frozen_at.is_not(None)).order_by(Cloth.edition.desc()).limit(1)
    ).first()
    if frozen is not None:
        return frozen
    return site.db.scalars(select(Cloth).order_by(Cloth.edition.desc()).limit(1)).first()


def public_cloth_or_first(site: Site) -> Cloth | None:
    """Return the public cloth; with none yet, start the first edition.

    Approved photos then show on /cloth at once, before an organiser opens the designer.
    """
    found = public_cloth(site)
    if found is not None:
        return found
    try:
        return current_cloth(site)
    except IntegrityError:
        site.db.rollback()  # another request started it a moment before
        return public_cloth(site)


def editions(site: Site) -> list[Cloth]:
    """Return every edition, newest first."""
    return list(site.db.scalars(select(Cloth).order_by(Cloth.edition.desc())))


def edition(site: Site, number: int) -> Cloth | None:
    """Return the edition with this number."""
    return site.db.scalars(select(Cloth).where(Cloth.edition == number)).first()


def freeze(site: Site, cloth: Cloth, now: datetime | None = None,
           by: Organiser | None = None) -> Cloth:
    """Fix the cloth's codes and positions for good; later photos go to the next edition."""
    require_unfrozen(cloth)
    session = site.db
    export = last_good_export(site, cloth)
    if export is not None:
        # Freeze exactly what went to the printer, not what the selection is now.
        order = [c["code"] for c in export.settings["cells"]]
        by_code = {p.code: p for p in session.scalars(select(Photo).where(Photo.code.in_(order)))}
        photos = [by_code[c] for c in order if c in by_code]
        cloth.settings = {**(cloth.settings or {}), **export.settings["layout"]}
    else:
        photos = selection(site, cloth)
    cloth.items.clear()
    session.flush()
    for position, photo in enumerate(photos):
        cloth.items.append(ClothItem(photo_id=photo.id, position=position))
    cloth.settings = {**(cloth.settings or {}), ORDER_KEY: "manual"}
    cloth.frozen_at = now or utcnow()
    audit.record(site, "cloth.freeze", f"edition {cloth.edition}", {"photos": len(photos)},
                 organiser=by)
    session.commit()
    return cloth
