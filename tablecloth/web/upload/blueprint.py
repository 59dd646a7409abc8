"""The upload blueprint: the participants' pages register their routes on it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("upload", __name__, url_prefix="/upload")
