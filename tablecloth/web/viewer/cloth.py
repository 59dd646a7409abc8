"""The public digital twin of the printed cloth at /cloth."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from flask import Response, render_template

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


@bp.get("/cloth")
def cloth():
    """Show the cloth at screen size: each code's photo in its printed place."""
    site = context.site()
    current = editions.public_cloth(site)
    photos = design.selection(site, current) if current is not None else []
    visible = {p.code: p for p in photos
               if p.state == PhotoState.APPROVED and p.hidden_at is None}
    outline, problem = None, False
    if photos:
        try:
            outline = _outline(site, current, photos)
        except Refusal:
            problem = True  # an edition in progress that does not fit yet: show a plain grid
    body = render_template("viewer/cloth.html", cloth=current, outline=outline,
                           visible=visible, photos=[p for p in photos if p.code in visible],
                           problem=problem)
    response = Response(body)
    response.headers["X-Robots-Tag"] = ROBOTS
    response.headers["Cache-Control"] = "no-cache"
    return response
