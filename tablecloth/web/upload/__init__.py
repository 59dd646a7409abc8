"""Participant pages: send photos with a group's invite code, receipts, withdrawal.

form.py holds the form's texts and checks the fields a visit's photos share; views.py the
pages themselves.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("upload", __name__, url_prefix="/upload")

from . import views  # noqa: E402,F401  (routes register on bp)
