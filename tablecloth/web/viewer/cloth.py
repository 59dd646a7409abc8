"""The public digital twin of the printed cloth at /cloth."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict

from flask import Response, render_template, request, url_for

from ... import context
from ...errors import Refusal
from ...models import PhotoState
from ...services.cloth import design, editions
from . import bp

ROBOTS = "noindex, nofollow"
_outlines: OrderedDict[str, dict] = OrderedDict()
_lock = threading.Lock()


def _outline(site, cloth, photos) -> dict:
    """Return the plan outline of the cloth, computed once per edition, settings and photos."""
    key = json.dumps([cloth.id, str(cloth.frozen_at), cloth.settings,
                      [p.code for p in photos]], sort_keys=True, default=str)
    with _lock:
        if key in _outlines:
            _outlines.move_to_end(key)
            return _outlines[key]
    outline = _crop(design.outline(site, cloth))
    with _lock:
        _outlines[key] = outline
        while len(_outlines) > 8:
            _outlines.popitem(last=False)
    return outline


def _crop(outline: dict) -> dict:
    """Frame the codes and the title only: a cloth with few photos is mostly empty fabric."""
    boxes = [(c["x_mm"], c["y_mm"], c["size_mm"], c["height_mm"]) for c in outline["cells"]]
    t = outline["title"]
    if t["w_mm"] > 0:
        boxes.append((t["x_mm"], t["y_mm"], t["w_mm"], t["h_mm"]))
    margin = min(c["size_mm"] for c in outline["cells"]) / 4
    x0 = max(0.0, min(b[0] for b in boxes) - margin)
    y0 = max(0.0, min(b[1] for b in boxes) - margin)
    x1 = min(outline["width_mm"], max(b[0] + b[2] for b in boxes) + margin)
    y1 = min(outline["height_mm"], max(b[1] + b[3] for b in boxes) + margin)
    moved = [{**c, "x_mm": c["x_mm"] - x0, "y_mm": c["y_mm"] - y0} for c in outline["cells"]]
    return {**outline, "cells": moved, "width_mm": x1 - x0, "height_mm": y1 - y0,
            "title": {**t, "x_mm": t["x_mm"] - x0, "y_mm": t["y_mm"] - y0}}


def _public_outline():
    """Return the public edition, its photos and their outline (None if it does not fit)."""
    site = context.site()
    current = editions.public_cloth(site)
    photos = design.selection(site, current) if current is not None else []
    outline = None
    if photos:
        try:
            outline = _outline(site, current, photos)
        except Refusal:
            pass  # an edition in progress that does not fit yet: a plain grid instead
    return current, photos, outline


def _layout_css(outline: dict) -> str:
    """Return the stylesheet placing each cell and the title, in percent of the cloth.

    A file rather than style="" attributes: the Content-Security-Policy allows no inline
    style, and the rules are the same for every visitor of one edition.
    """
    w, h = outline["width_mm"], outline["height_mm"]
    cell_mm = outline["cells"][0]["size_mm"] if outline["cells"] else w

    def box(x: float, y: float, width: float, height: float) -> str:
        return (f"left:{100 * x / w:.3f}%;top:{100 * y / h:.3f}%;"
                f"width:{100 * width / w:.3f}%;height:{100 * height / h:.3f}%")

    rules = [f".twin{{aspect-ratio:{w:.1f}/{h:.1f};min-width:{round(36 * w / cell_mm)}px}}"]
    t = outline["title"]
    if t["w_mm"] > 0:
        rules.append(f".twin>.title{{{box(t['x_mm'], t['y_mm'], t['w_mm'], t['h_mm'])}}}")
    for index, cell in enumerate(outline["cells"]):
        rules.append(f".twin>.c{index}{{"
                     f"{box(cell['x_mm'], cell['y_mm'], cell['size_mm'], cell['size_mm'])}}}")
    return "\n".join(rules) + "\n"


def _version(outline: dict) -> str:
    return hashlib.sha256(_layout_css(outline).encode()).hexdigest()[:12]


@bp.get("/cloth")
def cloth():
    """Show the cloth at screen size: each code's photo in its printed place."""
    current, photos, outline = _public_outline()
    visible = {p.code: p for p in photos
               if p.state == PhotoState.APPROVED and p.hidden_at is None}
    layout_css_url = (url_for("viewer.cloth_layout", v=_version(outline))
                      if outline is not None else None)
    body = render_template("viewer/cloth.html", cloth=current, outline=outline,
                           visible=visible, photos=[p for p in photos if p.code in visible],
                           problem=bool(photos) and outline is None,
                           layout_css_url=layout_css_url)
    response = Response(body)
    response.headers["X-Robots-Tag"] = ROBOTS
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/cloth/layout.css")
def cloth_layout():
    """Send the stylesheet that places the public cloth's cells (named by its content hash)."""
    _current, _photos, outline = _public_outline()
    css = _layout_css(outline) if outline is not None else ""
    response = Response(css, mimetype="text/css")
    response.headers["X-Robots-Tag"] = ROBOTS
    # ?v= names one layout; a newer edition gets a new address from /cloth.
    exact = outline is not None and request.args.get("v") == _version(outline)
    response.headers["Cache-Control"] = "public, max-age=86400" if exact else "no-cache"
    return response
