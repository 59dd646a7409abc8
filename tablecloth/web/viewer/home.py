"""The home page: what the digital tablecloth is and where to take part."""

from __future__ import annotations

from flask import render_template

from .blueprint import bp


@bp.get("/")
def home():
    """Show what the digital tablecloth is and where to take part."""
    return render_template("home.html")
