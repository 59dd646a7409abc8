"""Designing an edition: its print settings, which photos and in what order, and its plan.

The rules about settings live in ``layout``: saving or planning raises its LayoutError
(a Refusal) and returns its LayoutWarnings; nothing here checks a setting again.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import codes, layout, names, printers, qr
from ...layout import CellSpec, ClothSettings, LayoutError, LayoutWarning, Plan
from ...models import City, Cloth, ClothItem, Photo, PhotoState, bilingual
from ...render import format_named
from ..site import Site
from . import ClothFrozen

ORDER_KEY = "order"  # "auto" (cities alternate) or "manual" (the saved ClothItem order)
PRINTER_KEY = "printer"  # the printer preset the organiser chose (printers.PRINTERS), or none


def require_unfrozen(cloth: Cloth) -> None:
    """Refuse any change to a frozen edition."""
    if cloth.frozen_at is not None:
        raise ClothFrozen("edition_frozen", n=cloth.edition)


# ---------------------------------------------------------------- settings


def settings_fields() -> dict[str, dataclasses.Field]:
    """Return the layout settings' fields by name."""
    return {f.name: f for f in dataclasses.fields(ClothSettings)}


def settings_of(cloth: Cloth, **overrides: Any) -> ClothSettings:
    """Return the cloth's ClothSettings: defaults, then its stored values, then overrides."""
    values = dict(cloth.settings or {})
    if cloth.title and "title" not in values:
        values["title"] = cloth.title
    values.update(overrides)
    return ClothSettings.from_values(values)


def save_settings(site: Site, cloth: Cloth, values: dict[str, Any]) -> list[LayoutWarning]:
    """Check and store new settings for the cloth; return warnings to show the organiser."""
    require_unfrozen(cloth)
    cleaned = {k: v for k, v in values.items() if k in settings_fields()}
    warnings = settings_of(cloth, **cleaned).validate()  # refused values are never stored
    cloth.settings = {**(cloth.settings or {}), **cleaned}
    if "title" in cleaned:
        cloth.title = cleaned["title"] or ""
    site.db.commit()
    return warnings


def printer_of(cloth: Cloth) -> str | None:
    """Return the name of the printer preset chosen for the cloth, or None."""
    name = (cloth.settings or {}).get(PRINTER_KEY)
    return name if name in printers.PRINTERS else None


def choose_printer(site: Site, cloth: Cloth, name: str | None) -> list[LayoutWarning]:
    """Choose a printer preset (or none) for the cloth, taking on the settings it wants."""
    require_unfrozen(cloth)
    if not name:
        cloth.settings = {**(cloth.settings or {}), PRINTER_KEY: None}
        site.db.commit()
        return []
    preset = printers.printer_named(name)
    warnings = save_settings(site, cloth, dict(preset.defaults))
    cloth.settings = {**(cloth.settings or {}), PRINTER_KEY: preset.name}
    site.db.commit()
    return warnings


def choose_design(site: Site, cloth: Cloth, name: str) -> list[LayoutWarning]:
    """Choose the cloth's design (``layout.DESIGNS``), taking on the colours it brings."""
    require_unfrozen(cloth)
    if name not in layout.DESIGNS:
        raise LayoutError("design_unknown", design=str(name), choices=", ".join(layout.DESIGNS))
    return save_settings(site, cloth, {**layout.DESIGNS[name].defaults, "design": name})


# ---------------------------------------------------------------- photos and order


def _frozen_photo_ids(site: Site) -> set[int]:
    site.db.flush()
    rows = site.db.connection().execute(
        select(ClothItem.photo_id).join(Cloth).where(Cloth.frozen_at.is_not(None))
    ).scalars()
    return set(rows)


def order_mode(cloth: Cloth) -> str:
    """Say whether the cloth's order is 'auto' (cities alternate) or 'manual'."""
    return (cloth.settings or {}).get(ORDER_KEY, "auto")


@dataclass(frozen=True)
class Chosen:
    """One photo on the cloth, with what its pages and plan need: read as plain rows."""

    id: int
    code: str
    first_name: str
    state: PhotoState
    hidden_at: Any
    city_slug: str
    city_en: str
    city_ru: str
    city_home: str
    name_other_script: str | None

    @property
    def city_label(self) -> str:
        return bilingual(self.city_en, self.city_ru, self.city_home)

    @property
    def shown(self) -> bool:
        """Say whether the public may see it (approved, not hidden)."""
        return self.state == PhotoState.APPROVED and self.hidden_at is None


_CHOSEN = (
    select(Photo.id, Photo.code, Photo.first_name, Photo.state, Photo.hidden_at, City.slug,
           City.name_en, City.name_ru, City.home_language, Photo.name_other_script)
    .join(City, City.id == Photo.city_id)
)


def chosen(site: Site, cloth: Cloth) -> list[Chosen]:
    """Return the photos on the cloth in printing order, as plain rows (no ORM objects).

    The one place that decides the selection and its order; ``selection`` loads the same
    photos as model objects.
    """
    session = site.db
    # Core rows on the session's connection: the ORM's result loading cost a third as much
    # again for 10,000 plain rows.
    session.flush()  # as a session query would: pending changes first
    db = session.connection()
    if cloth.frozen_at is not None:
        rows = db.execute(
            _CHOSEN.join(ClothItem, ClothItem.photo_id == Photo.id)
            .where(ClothItem.cloth_id == cloth.id).order_by(ClothItem.position))
        return [Chosen(*row) for row in rows]
    on_frozen = _frozen_photo_ids(site)
    approved = [
        Chosen(*row) for row in db.execute(
            _CHOSEN.where(Photo.state == PhotoState.APPROVED, Photo.hidden_at.is_(None))
            .order_by(Photo.reviewed_at, Photo.id))
        if row.id not in on_frozen
    ]
    if order_mode(cloth) == "manual":
        by_id = {p.id: p for p in approved}
        saved = db.execute(select(ClothItem.photo_id).where(ClothItem.cloth_id == cloth.id)
                           .order_by(ClothItem.position)).scalars()
        ordered = [by_id.pop(photo_id) for photo_id in saved if photo_id in by_id]
        # Photos approved after the order was saved join at the end, in approval order.
        return ordered + [p for p in approved if p.id in by_id]
    return _alternate(site, approved, settings_of(cloth))


def selection(site: Site, cloth: Cloth) -> list[Photo]:
    """Return the photos on the cloth in printing order."""
    ids = [c.id for c in chosen(site, cloth)]
    found = {p.id: p for p in site.db.scalars(
        select(Photo).where(Photo.id.in_(ids)).options(selectinload(Photo.city)))}
    return [found[i] for i in ids]


def _alternate(site: Site, photos: list[Chosen], settings: ClothSettings) -> list[Chosen]:
    """Order photos so that cities alternate like a chessboard on this cloth's grid."""
    by_code = {p.code: p for p in photos}
    # Real URLs: the grid, and so the chessboard, depends on the printed symbol's size.
    # Only the code, URL and city count here: no names.
    specs = [CellSpec(code=p.code, url=codes.photo_url(site.base_url, p.code), name="",
                      city_label="", city_slug=p.city_slug) for p in photos]
    return [by_code[spec.code] for spec in layout.order_for_cloth(specs, settings)]


def save_order(site: Site, cloth: Cloth, order: Iterable[str] | None) -> None:
    """Store a manual order of codes, or go back to alternating cities when order is None."""
    require_unfrozen(cloth)
    session = site.db
    settings = dict(cloth.settings or {})
    cloth.items.clear()
    session.flush()
    if order is None:
        settings[ORDER_KEY] = "auto"
    else:
        wanted = [c for c in (codes.normalise(raw) for raw in order) if c]
        photos = {
            p.code: p for p in session.scalars(
                select(Photo).where(Photo.code.in_(wanted), Photo.state == PhotoState.APPROVED)
            )
        }
        on_frozen = _frozen_photo_ids(site)
        position = 0
        seen: set[str] = set()
        for code in wanted:
            photo = photos.get(code)
            if photo is None or code in seen or photo.id in on_frozen:
                continue
            seen.add(code)
            cloth.items.append(ClothItem(photo_id=photo.id, position=position))
            position += 1
        settings[ORDER_KEY] = "manual"
    cloth.settings = settings
    session.commit()


def approved_count(site: Site) -> int:
    """Return how many approved photos are not yet on a frozen cloth."""
    on_frozen = _frozen_photo_ids(site)
    ids = site.db.scalars(select(Photo.id).where(Photo.state == PhotoState.APPROVED))
    return sum(1 for i in ids if i not in on_frozen)


# ---------------------------------------------------------------- plan


def spec_of(photo: Photo | Chosen, base_url: str) -> CellSpec:
    """Return the CellSpec of one photo: its code, printed URL, name and city."""
    if isinstance(photo, Chosen):
        label, slug = photo.city_label, photo.city_slug
    else:
        label, slug = photo.city.bilingual(), photo.city.slug
    return CellSpec(
        code=photo.code,
        url=codes.photo_url(base_url, photo.code),
        name=photo.first_name,
        city_label=label,
        city_slug=slug,
        name_other=_other(photo),
    )


def _other(photo: Photo | Chosen) -> str:
    """Return the photo's first name in the other script, unless it is the same."""
    return _other_name(photo.first_name, photo.name_other_script)


@functools.lru_cache(maxsize=8192)
def _other_name(first_name: str, chosen: str | None) -> str:
    # First names repeat (a cloth of 10,000 has a few hundred): transliterating each one
    # again was most of the time to lay out a large cloth.
    other = names.other_script(first_name, chosen)
    return other if other != first_name else ""


def cell_specs(site: Site, cloth: Cloth, base_url: str | None = None) -> list[CellSpec]:
    """Return the CellSpecs of the cloth's photos in order, with their printed URLs."""
    base = base_url or site.base_url
    return [spec_of(p, base) for p in chosen(site, cloth)]


def capacity(site: Site, settings: ClothSettings) -> int:
    """Return how many codes of this site's URL length fit on a cloth with these settings."""
    # A longer base URL needs a larger symbol, so fewer codes fit.
    url = codes.photo_url(site.base_url, "0" * codes.LENGTH)
    symbol = qr.symbol_size(url, settings.error_correction)
    try:
        return int(layout.capacity(settings, symbol))
    except LayoutError:
        return 0


def build_plan(site: Site, cloth: Cloth, *, draft: bool = False,
               settings: ClothSettings | None = None,
               cells: list[CellSpec] | None = None) -> Plan:
    """Lay out the cloth: its photos' codes placed in millimetres, ready to render."""
    settings = settings if settings is not None else settings_of(cloth)
    if draft:
        settings = dataclasses.replace(settings, draft=True)
    cells = cells if cells is not None else cell_specs(site, cloth)
    return layout.plan_cloth(cells, settings)


def outline_plan(cells: list[CellSpec], settings: ClothSettings) -> Plan:
    """Lay out cells from their symbol sizes alone, for positions and refusals, not printing.

    Positions need no QR matrices (encoding is ~0.4 ms a code): the plan's matrices are
    empty stand-ins of the right size, so it must never reach a renderer.
    """
    sizes = {c.url: qr.Matrix(qr.symbol_size(c.url, settings.error_correction), ())
             for c in cells}
    return layout.plan_cloth(cells, settings, sizes)


def outline(site: Site, cloth: Cloth, settings: ClothSettings | None = None) -> dict[str, Any]:
    """Return where each code and the title sit on the cloth, for a browser to draw."""
    settings = settings if settings is not None else settings_of(cloth)
    return layout.outline(outline_plan(cell_specs(site, cloth), settings))


def preview_svg(site: Site, cloth: Cloth) -> bytes:
    """Return the cloth drawn as the SVG that would print."""
    out = io.BytesIO()
    format_named("svg").render(build_plan(site, cloth), out)
    return out.getvalue()
