"""The designer's preview: the cloth as a PNG a screen wide, drawn once per version.

The SVG of a 10,000-code cloth is 40 MB and was drawn again on every visit; this picture is
a few hundred KB, drawn from the stored outline when the cloth's version changes, and kept
in storage for every worker (a worker finds it by the version in its key).
"""

from __future__ import annotations

import hashlib
import io
import threading

from ... import codes
from ...layout import CellSpec, Plan
from ...models import Cloth
from ...render.raster import render_preview
from ..site import Site
from . import computing, design, stored

PREVIEW_WIDTH_PX = 2400  # the preview at zoom 1 is about 1,000 px wide; room to zoom in
PREFIX = "previews/cloth-"
# One drawing at a time in a process, and of a cloth across processes (computing.py): the
# background refresh (refresh.py) and a designer who asked first would otherwise both draw
# the same picture, each at half speed.
_DRAWING = threading.Lock()
WAIT_FOR_OTHER_S = 10.0


def _key(cloth: Cloth, view: stored.StoredCloth) -> str:
    base = hashlib.sha256(view.base_url.encode()).hexdigest()[:12]
    return f"{PREFIX}{cloth.id}/v{view.version}-{base}-{PREVIEW_WIDTH_PX}.png"


def preview_png(site: Site, cloth: Cloth) -> tuple[bytes, int]:
    """Return the cloth's preview PNG and the version it shows; LayoutError if it does not fit."""
    view = stored.view(site, cloth)
    if view.outline is None:
        refusal = view.refusal()
        if refusal is not None:
            raise refusal
    key = _key(cloth, view)
    try:
        return site.store.get(key), view.version
    except FileNotFoundError:
        pass
    with _DRAWING, computing.one_at_a_time(site, cloth.id, WAIT_FOR_OTHER_S, "preview"):
        try:
            return site.store.get(key), view.version  # drawn by another thread meanwhile
        except FileNotFoundError:
            return _draw(site, cloth, view, key), view.version


def _draw(site: Site, cloth: Cloth, view: stored.StoredCloth, key: str) -> bytes:
    specs = [CellSpec(c["code"], _url(site, c["code"]), c["name"], c["city"], c["city_slug"],
                      c.get("name_other", "")) for c in view.cells]
    settings = design.settings_of(cloth)
    plan = design.outline_plan(specs, settings)
    out = io.BytesIO()
    if _needs_matrices(plan):
        plan = design.build_plan(site, cloth, settings=settings, cells=specs)
    render_preview(plan, out, width_px=PREVIEW_WIDTH_PX)
    data = out.getvalue()
    site.store.put(key, data, "image/png")
    for old in list(site.store.keys(f"{PREFIX}{cloth.id}/")):
        if old != key:
            site.store.delete(old)  # an older version's picture: never shown again
    return data


def _url(site: Site, code: str) -> str:
    return codes.photo_url(site.base_url, code)


def _needs_matrices(plan: Plan) -> bool:
    """Say whether modules are large enough at preview size to be drawn one by one."""
    px_per_mm = PREVIEW_WIDTH_PX / plan.artwork_width_mm
    return plan.min_module_mm * min(plan.scale_x, plan.scale_y) * px_per_mm >= 2
