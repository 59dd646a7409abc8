"""Organiser area: log-in, the overview, moderation, reports, groups and cities, accounts,
the audit log, the archive, the cloth and the live wall.

Addresses name a photo by its code (/photos/CODE/...), a group by its invite code
(/groups/CODE/...), and accounts, invitations and reports by their number.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("organiser", __name__, url_prefix="/organiser")

from . import (  # noqa: E402,F401  (routes register on bp)
    accounts,
    archive,
    audit,
    auth,
    cloth,
    dashboard,
    groups,
    moderation,
    moved,
    names,
    reports,
    swatches,
    wall,
)
