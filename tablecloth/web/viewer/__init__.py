"""Public pages: the home page, the photo page behind each printed code, the cloth."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("viewer", __name__)


@bp.get("/")
def home():
    """Show what the digital tablecloth is and where to take part."""
    return render_template("home.html")


from . import cloth, photo, swatch  # noqa: E402,F401  (routes register on bp)
