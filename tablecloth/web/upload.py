"""Participant pages: send photos with a group's invite code, receipts, withdrawal."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("upload", __name__, url_prefix="/upload")
