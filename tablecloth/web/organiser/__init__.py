"""Organiser area: log-in, moderation, groups and cities, the cloth."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

from . import accounts, archive, audit, auth, cloth, groups, moderation, reports  # noqa: E402,F401  (routes register on bp)
