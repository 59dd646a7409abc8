"""The public digital twin of the printed cloth at /cloth, and its cells by region as JSON.

Both read the cloth's stored selection and outline (services.cloth.stored): one indexed
query for its version, nothing else while it is unchanged. The page shows one band of grid
rows at a time (``?page=``), so its size does not grow with the cloth; no script needed.
"""

from __future__ import annotations

from flask import Response, current_app, jsonify, render_template, request
from flask_babel import get_locale, gettext

from ... import context
from ...services.cloth import editions, stored
from ..page_cache import cache_of, cacheable
from .blueprint import bp

ROBOTS = "noindex, nofollow"
CELLS_PER_PAGE = 300  # codes on one page of the twin: ~100 KB of HTML, thumbnails lazy
LIST_PER_PAGE = 120  # photos on one page of the plain list (a layout that does not fit)
MAX_REGION_CELLS = 2000  # cells one JSON answer holds at most


def _page_number() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return max(1, page)


def _cell(cell: dict, x0: float, y0: float, width: float, height: float,
          language: str, by: str = "") -> dict:
    """Return what the page draws of one cell: where, link, thumbnail and words."""
    code = cell["code"]
    return {
        "alt": by % {"name": cell["name"], "city": cell["city"]} if by else "",
        "code": code,
        "shown": cell["shown"],
        "left": 100 * (cell["x_mm"] - x0) / width,
        "top": 100 * (cell["y_mm"] - y0) / height,
        "width": 100 * cell["size_mm"] / width,
        "height": 100 * cell["size_mm"] / height,
        "href": f"/P/{code}",
        "thumb": f"/P/{code}/thumb.{cell['thumb']}.jpg" if cell["thumb"] else "",
        "name": cell["name"],
        "city": cell["city"],
        "city_here": cell["city_ru"] if language == "ru" else cell["city_en"],
    }


def _render(current, view: stored.StoredCloth | None, page: int, language: str) -> tuple[
        bytes, int]:
    """Render one page of the twin; return the HTML and the number of pages."""
    if view is None or not view.shown:
        return render_template("viewer/cloth.html", cloth=current, empty=True).encode(), 1
    if view.outline is None:
        # An edition in progress that does not fit yet: a plain, paged list of its photos.
        shown = view.shown
        pages = max(1, -(-len(shown) // LIST_PER_PAGE))
        page = min(page, pages)
        chunk = shown[(page - 1) * LIST_PER_PAGE:page * LIST_PER_PAGE]
        photos = [_cell({**c, "x_mm": 0, "y_mm": 0, "size_mm": 0}, 0, 0, 1, 1, language)
                  for c in chunk]
        return render_template("viewer/cloth.html", cloth=current, empty=False, twin=None,
                               photos=photos, page=page, pages=pages).encode(), pages
    bands = view.pages(CELLS_PER_PAGE)
    pages = max(1, len(bands))
    page = min(page, pages)
    frame = view.frame()
    x0, x1 = frame["x0_mm"], frame["x1_mm"]
    if pages == 1:
        y0, y1 = frame["y0_mm"], frame["y1_mm"]
    else:
        band = bands[page - 1]
        margin = min(c["size_mm"] for c in band) / 4
        y0 = max(0.0, min(c["y_mm"] for c in band) - margin)
        y1 = min(view.outline["height_mm"],
                 max(c["y_mm"] + c["height_mm"] for c in band) + margin)
    width, height = x1 - x0, y1 - y0
    # Translated once, filled in per cell: gettext per cell was a tenth of the page's time.
    by = gettext("Photo by %(name)s, %(city)s")
    cells = [_cell(c, x0, y0, width, height, language, by) for c in bands[page - 1]]
    title = view.outline["title"]
    shows_title = (title["w_mm"] > 0 and title["y_mm"] < y1
                   and title["y_mm"] + title["h_mm"] > y0)
    twin = {
        "width_mm": width, "height_mm": height,
        "min_width_px": round(36 * width / min(c["size_mm"] for c in bands[page - 1])),
        "title": {**title,
                  "left": 100 * (title["x_mm"] - x0) / width,
                  "top": 100 * (title["y_mm"] - y0) / height,
                  "width": 100 * title["w_mm"] / width,
                  "height": 100 * title["h_mm"] / height} if shows_title else None,
        "cells": cells,
    }
    return render_template("viewer/cloth.html", cloth=current, empty=False, twin=twin,
                           photos=[], page=page, pages=pages,
                           rows=view.outline["rows"]).encode(), pages


@bp.get("/cloth")
def cloth():
    """Show the cloth at screen size: each code's photo in its printed place, a band a page."""
    site = context.site()
    current = editions.public_cloth(site)
    view = stored.view(site, current) if current is not None else None
    language = str(get_locale())
    page = _page_number()
    cache = cache_of(current_app)
    version = (current.id, view.version) if view is not None else None
    key = ("cloth", version, language, page)
    if cacheable(current_app):
        body = cache.get_or_render(key, lambda: _render(current, view, page, language)[0])
    else:
        body = _render(current, view, page, language)[0]
    response = Response(body, mimetype="text/html")
    response.set_etag(cache.etag(*key))
    response.make_conditional(request)
    response.headers["X-Robots-Tag"] = ROBOTS
    response.headers["Cache-Control"] = "no-cache"
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _region() -> tuple[float, float, float, float] | None:
    names = ("x0_mm", "y0_mm", "x1_mm", "y1_mm")
    values = [request.args.get(name, type=float) for name in names]
    return None if any(v is None for v in values) else tuple(values)  # type: ignore[return-value]


@bp.get("/cloth/cells.json")
def cloth_cells():
    """Return the public cloth's shown cells in a region (mm of the whole cloth with bleed).

    Without a region: the cloth's size, title and version, and no cells. At most
    MAX_REGION_CELLS cells an answer (``truncated`` says when more lie in the region).
    """
    site = context.site()
    current = editions.public_cloth(site)
    view = stored.view(site, current) if current is not None else None
    body: dict = {"edition": None, "version": None, "cells": []}
    if view is not None:
        body.update({"edition": current.edition, "version": view.version,
                     "printed": current.frozen_at is not None,
                     "photos": len(view.shown)})
        if view.outline is not None:
            body.update({k: view.outline[k] for k in ("width_mm", "height_mm", "title",
                                                       "columns", "rows")})
            body["frame"] = view.frame()
            region = _region()
            if region is not None:
                found = [c for c in view.cells_in(*region) if c["shown"]]
                body["truncated"] = len(found) > MAX_REGION_CELLS
                body["cells"] = [
                    {k: c[k] for k in ("code", "name", "city", "city_slug", "x_mm", "y_mm",
                                       "size_mm", "height_mm", "row", "col")}
                    | {"href": f"/P/{c['code']}",
                       "thumb": f"/P/{c['code']}/thumb.{c['thumb']}.jpg" if c["thumb"] else ""}
                    for c in found[:MAX_REGION_CELLS]]
        else:
            body["error"] = view.error
    response = jsonify(body)
    response.set_etag(cache_of(current_app).etag("cells", body["version"], request.query_string))
    response.make_conditional(request)
    response.headers["X-Robots-Tag"] = ROBOTS
    response.headers["Cache-Control"] = "no-cache"
    return response
