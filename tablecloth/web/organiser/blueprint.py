"""The organiser blueprint: the organisers' pages register their routes on it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")
