"""Organiser area: log-in, the overview, moderation, reports, groups and cities, accounts,
the audit log, the archive, the cloth and the live wall.

Addresses name a photo by its code (/photos/CODE/...), a group by its invite code
(/groups/CODE/...), and accounts, invitations and reports by their number.
"""

from __future__ import annotations

from . import (  # noqa: F401  (importing a view registers its routes)
    accounts,
    archive,
    audit,
    auth,
    cloth,
    cloth_exports,
    dashboard,
    groups,
    moderation,
    moved,
    names,
    reports,
    swatches,
    wall,
)
from .blueprint import bp  # noqa: F401  (the app factory registers it)
