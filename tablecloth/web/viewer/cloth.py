"""The public digital twin of the printed cloth at /cloth."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from flask import Response, render_template

from ...models import PhotoState
from ...services import cloth as service
from . import bp

ROBOTS = "noindex, nofollow"
_outlines: OrderedDict[str, dict] = OrderedDict()
_lock = threading.Lock()


def _outline(cloth, photos) -> dict:
    """Return the plan outline of the cloth, computed once per edition, settings and photos."""
    key = json.dumps([cloth.id, str(cloth.frozen_at), cloth.settings,
                      [p.code for p in photos]], sort_keys=True, default=str)
    with _lock:
        if key in _outlines:
            _outlines.move_to_end(key)
            return _outlines[key]
    outline = service.plan_outline(service.build_plan(cloth))
    with _lock:
        _outlines[key] = outline
        while len(_outlines) > 8:
            _outlines.popitem(last=False)
    return outline


@bp.get("/cloth")
def cloth():
    """Show the cloth at screen size: each code's photo in its printed place."""
    current = service.public_cloth()
    photos = service.selection(current) if current is not None else []
    visible = {p.code: p for p in photos if p.state == PhotoState.APPROVED}
    outline, problem = None, False
    if photos:
        try:
            outline = _outline(current, photos)
        except service.ClothError:
            problem = True  # an edition in progress that does not fit yet: show a plain grid
    body = render_template("viewer/cloth.html", cloth=current, outline=outline,
                           visible=visible, photos=[p for p in photos if p.code in visible],
                           problem=problem)
    response = Response(body)
    response.headers["X-Robots-Tag"] = ROBOTS
    response.headers["Cache-Control"] = "no-cache"
    return response
