"""The public digital twin of the printed cloth at /cloth, and its cells by region as JSON.

Both read the cloth's stored selection and outline (services.cloth.stored): one indexed
query for its version, nothing else while it is unchanged. The page is small at any size:
a script (static/cloth-view.js) draws the cloth as the print files place it and fetches its
cells by region from /cloth/cells.json; without a script the page lists one band of grid
rows at a time (``?page=``), or the photos a search finds (``?q=``). ``?code=`` shows where
one code is: the view zooms to it, the list opens at its band.
"""

from __future__ import annotations

import unicodedata

from flask import Response, current_app, jsonify, render_template, request
from flask_babel import get_locale, gettext

from ... import context
from ...codes import normalise
from ...services.cloth import editions, stored
from ..numbers import page_arg
from ..page_cache import cache_of, cacheable
from .blueprint import bp

ROBOTS = "noindex, nofollow"
CELLS_PER_PAGE = 150  # photos on one page of the plain list (a band of whole grid rows)
LIST_PER_PAGE = 120  # photos on one page of the plain list (a layout that does not fit)
MAX_REGION_CELLS = 2000  # cells one JSON answer holds at most
MAX_FOUND = 300  # photos a search lists without a script
MAX_QUERY = 60  # characters of a search kept


def _page_number() -> int:
    # One rule for numbers in every address (web/numbers.py): beyond the range, 404.
    return page_arg(CELLS_PER_PAGE)


def _tile_url(cell: dict) -> str:
    """Return the URL of a cell's tile: content-hashed once made, else made on first ask."""
    code = cell["code"]
    return f"/P/{code}/tile.{cell['tile']}.jpg" if cell.get("tile") else f"/P/{code}/tile.jpg"


def _cell(cell: dict, language: str, by: str) -> dict:
    """Return what the plain list shows of one cell: link, tile and words."""
    return {
        "alt": by % {"name": cell["name"], "city": cell["city"]},
        "code": cell["code"],
        "href": f"/P/{cell['code']}",
        "tile": _tile_url(cell),
        "name": cell["name"],
        "city_here": cell["city_ru"] if language == "ru" else cell["city_en"],
        "row": cell.get("row", -1) + 1,
    }


def fold(text: str) -> str:
    """Return text as a search compares it: case, accents and ё folded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ё", "е"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def matches(cell: dict, wanted: str) -> bool:
    """Say whether a search (folded) finds this cell: first name (either script), city, code."""
    code = normalise(wanted)
    if code is not None and code == cell["code"]:
        return True
    words = (cell["name"], cell.get("name_other") or "", cell["city"], cell["code"])
    return any(wanted in fold(word) for word in words)


def _render(current, view: stored.StoredCloth | None, page: int, language: str,
            query: str = "", code: str = "") -> tuple[bytes, int]:
    """Render the twin's page; return the HTML and the number of pages of its plain list."""
    if view is None or not view.shown:
        return render_template("viewer/cloth.html", cloth=current, empty=True).encode(), 1
    # Translated once, filled in per cell: gettext per cell was a tenth of the page's time.
    by = gettext("Photo by %(name)s, %(city)s")
    found = None
    if query:
        wanted = fold(query)
        hits = [c for c in view.shown if matches(c, wanted)]
        found = len(hits)
        chunk, pages, page = hits[:MAX_FOUND], 1, 1
    elif view.outline is None:
        # An edition in progress that does not fit yet: a plain, paged list of its photos.
        shown = view.shown
        pages = max(1, -(-len(shown) // LIST_PER_PAGE))
        page = min(page, pages)
        chunk = shown[(page - 1) * LIST_PER_PAGE:page * LIST_PER_PAGE]
    else:
        bands = view.pages(CELLS_PER_PAGE)
        pages = max(1, len(bands))
        if code in view.by_code:
            page = next((i + 1 for i, band in enumerate(bands)
                         if any(c["code"] == code for c in band)), page)
        page = min(page, pages)
        chunk = [c for c in bands[page - 1] if c["shown"]]
    outline = view.outline
    return render_template(
        "viewer/cloth.html", cloth=current, empty=False, page=page, pages=pages,
        photos=[_cell(c, language, by) for c in chunk], query=query, found=found,
        code=code, title=outline["title"] if outline else None,
        drawn=outline is not None, count=len(view.shown)).encode(), pages


@bp.get("/cloth")
def cloth():
    """Show the cloth: zoomable as printed (with a script), a list of its photos without."""
    site = context.site()
    current = editions.public_cloth_or_first(site)
    view = stored.view(site, current) if current is not None else None
    language = str(get_locale())
    page = _page_number()
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    code = normalise(request.args.get("code", "")) or ""
    cache = cache_of(current_app)
    version = (current.id, view.version) if view is not None else None
    key = ("cloth", version, language, page, query, code)
    if cacheable(current_app) and not query:
        body = cache.get_or_render(
            key, lambda: _render(current, view, page, language, query, code)[0])
    else:
        body = _render(current, view, page, language, query, code)[0]
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


CELL_KEYS = ("code", "name", "name_other", "city", "city_slug", "x_mm", "y_mm", "size_mm",
             "height_mm", "row", "col", "panel", "label", "finder")


@bp.get("/cloth/cells.json")
def cloth_cells():
    """Return the public cloth's shown cells in a region (mm of the whole cloth with bleed).

    Without a region: the cloth's size, title, panels and version, and no cells. At most
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
            body.update({k: view.outline.get(k) for k in (
                "width_mm", "height_mm", "trim", "finished", "title", "texts", "columns", "rows",
                "panels", "dark", "light")})
            body["frame"] = view.frame()
            region = _region()
            if region is not None:
                found = [c for c in view.cells_in(*region) if c["shown"]]
                body["truncated"] = len(found) > MAX_REGION_CELLS
                body["cells"] = [
                    {k: c.get(k) for k in CELL_KEYS}
                    | {"href": f"/P/{c['code']}", "tile": _tile_url(c),
                       "thumb": f"/P/{c['code']}/thumb.{c['thumb']}.jpg" if c["thumb"] else ""}
                    for c in found[:MAX_REGION_CELLS]]
        else:
            body["error"] = view.error
    response = jsonify(body)
    response.set_etag(cache_of(current_app).etag("cells", body["edition"], body["version"],
                                                    request.query_string))
    response.make_conditional(request)
    response.headers["X-Robots-Tag"] = ROBOTS
    response.headers["Cache-Control"] = "no-cache"
    return response
