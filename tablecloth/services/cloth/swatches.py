"""Test swatches: make one for the cloth, record the codes a phone read, recommend a size.

A swatch is printed by the shop on the cloth's fabric before the cloth is ordered. Each of
its codes leads to ``/S/CODE``; opening that page records the read (a count and the first
time, nothing about who), so the designer can show which module sizes are confirmed on
real fabric and recommend the smallest that read in the cloth's own colours.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from ... import codes
from ...errors import Refusal
from ...layout.swatch import Sample, SwatchPlan, plan_swatch, sample_sizes
from ...models import Cloth, Organiser, Swatch, SwatchSample, utcnow
from ...render.swatch import render_swatch_pdf, render_swatch_png
from ...verify.swatch import verify_swatch
from .. import audit
from ..site import Site
from . import ClothError
from .base_url import check_base_url
from .design import require_unfrozen, settings_of

CODE_LENGTH = 8
TITLE = "tablecloth · test swatch {id} · edition {edition}"
INSTRUCTION = ("Scan every code with a phone. Each one that opens its page is recorded, and "
               "the designer recommends the smallest size that read on this fabric.")


def swatch_url(base_url: str, code: str) -> str:
    """Return the URL printed in a swatch code: upper case, so it fits alphanumeric mode."""
    return (base_url.rstrip("/") + "/S/" + code).upper()


def _new_code(site: Site, taken: set[str]) -> str:
    while True:
        code = "".join(secrets.choice(codes.ALPHABET) for _ in range(CODE_LENGTH))
        if code not in taken and site.db.scalar(
                select(func.count()).where(SwatchSample.code == code)) == 0:
            taken.add(code)
            return code


def colour_pairs(cloth: Cloth) -> list[tuple[str, str]]:
    """Return each (ink, ground) pair the cloth's design prints, the codes' first, once each."""
    return list(_roles(settings_of(cloth)))


def _roles(settings: Any) -> dict[tuple[str, str], str]:
    """Return what each (ink, ground) pair of the design prints, in English words."""
    roles: dict[tuple[str, str], str] = {}
    try:
        pairs = settings.colour_pairs()
    except Refusal:  # a colour that is not a colour: the main pair alone
        return {(settings.dark, settings.light): ""}
    for pair in pairs:
        roles.setdefault((pair.ink, pair.ground), pair.words)
    return roles


def swatch_plan(swatch: Swatch, base_url: str) -> SwatchPlan:
    """Return the layout of a swatch from its samples."""
    roles = _roles(settings_of(swatch.cloth))
    samples = [Sample(s.code, swatch_url(base_url, s.code), s.module_mm, s.dark, s.light,
                      roles.get((s.dark, s.light), ""))
               for s in swatch.samples]
    return plan_swatch(samples, TITLE.format(id=swatch.id, edition=swatch.cloth.edition),
                       INSTRUCTION)


def create_swatch(site: Site, cloth: Cloth, *, note: str = "", draft: bool = False,
                  by: Organiser | None = None) -> Swatch:
    """Make a swatch for the cloth: samples, PDF and PNG files stored, each code checked."""
    require_unfrozen(cloth)
    if not draft:
        check_base_url(site.base_url)
    settings = settings_of(cloth)
    pairs = colour_pairs(cloth)
    sizes = sample_sizes(settings.module_mm)
    wanted = [(m, *pairs[0]) for m in sizes]
    # Each other colour of the design one step below the cloth's size: a harder test than
    # the cloth's own, and six codes of these sizes fit the 300 mm square.
    own = sizes.index(round(settings.module_mm, 2))
    wanted += [(sizes[max(0, own - 1)], dark, light) for dark, light in pairs[1:]]
    swatch = Swatch(cloth_id=cloth.id, note=note.strip()[:200], files=[], report={})
    site.db.add(swatch)
    site.db.flush()
    taken: set[str] = set()
    for position, (module, dark, light) in enumerate(wanted):
        swatch.samples.append(SwatchSample(code=_new_code(site, taken), position=position,
                                           module_mm=module, dark=dark, light=light))
    site.db.flush()
    plan = swatch_plan(swatch, site.base_url)  # refuses a swatch too full to print
    files: list[dict[str, Any]] = []
    results: dict[str, Any] = {}
    for fmt, render, content_type in (("pdf", render_swatch_pdf, "application/pdf"),
                                      ("png", render_swatch_png, "image/png")):
        out = io.BytesIO()
        render(plan, out)
        data = out.getvalue()
        name = f"{'DRAFT-' if draft else ''}swatch{swatch.id}-edition{cloth.edition}.{fmt}"
        key = f"swatches/{swatch.id}/{name}"
        site.store.put(key, data, content_type)
        report = verify_swatch(data, plan, fmt)
        results[fmt] = {"ok": report.ok, "summary": report.summary()}
        files.append({"format": fmt, "key": key, "name": name, "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest(), "preflight_ok": report.ok})
    swatch.files = files
    swatch.report = {"ok": all(r["ok"] for r in results.values()), "formats": results,
                     "draft": draft}
    if not swatch.report["ok"]:
        site.db.rollback()
        raise ClothError("swatch_failed_preflight",
                         summary="; ".join(r["summary"] for r in results.values()))
    audit.record(site, "cloth.swatch", f"edition {cloth.edition}",
                 {"swatch": swatch.id, "sizes": sorted({s.module_mm for s in swatch.samples})},
                 organiser=by)
    site.db.commit()
    return swatch


def record_read(site: Site, code: str, now: datetime | None = None) -> SwatchSample | None:
    """Record that a phone opened a swatch code's page; return its sample, or None."""
    wanted = (code or "").strip().upper()
    if len(wanted) != CODE_LENGTH:
        return None
    now = now or utcnow()
    # One conditional update: two phones scanning at once both count.
    site.db.execute(
        update(SwatchSample).where(SwatchSample.code == wanted)
        .values(reads=SwatchSample.reads + 1,
                first_read_at=func.coalesce(SwatchSample.first_read_at, now)))
    site.db.commit()
    return site.db.scalars(select(SwatchSample).where(SwatchSample.code == wanted)).first()


def swatches_of(site: Site, cloth: Cloth) -> list[Swatch]:
    """Return the cloth's swatches, newest first; a later edition sees its forebears' too."""
    return list(site.db.scalars(
        select(Swatch).join(Cloth).where(Cloth.edition <= cloth.edition)
        .order_by(Swatch.created_at.desc(), Swatch.id.desc())))


def confirmed_sizes(site: Site, cloth: Cloth) -> dict[float, bool]:
    """Return each module size tried in the cloth's own colours and whether any read it."""
    settings = settings_of(cloth)
    found: dict[float, bool] = {}
    for swatch in swatches_of(site, cloth):
        for sample in swatch.samples:
            if (sample.dark, sample.light) == (settings.dark, settings.light):
                size = round(sample.module_mm, 2)
                found[size] = found.get(size, False) or sample.reads > 0
    return dict(sorted(found.items()))


def recommended_module_mm(site: Site, cloth: Cloth) -> float | None:
    """Return the smallest module size read on fabric in the cloth's colours, or None."""
    read = [size for size, ok in confirmed_sizes(site, cloth).items() if ok]
    return min(read) if read else None


def open_file(site: Site, swatch_id: int, name: str):
    """Return a swatch file's entry and an open stream, or None."""
    swatch = site.db.get(Swatch, swatch_id)
    if swatch is None:
        return None
    entry = next((e for e in swatch.files or [] if e["name"] == name), None)
    if entry is None:
        return None
    try:
        return entry, site.store.open(entry["key"])
    except FileNotFoundError:
        return None
