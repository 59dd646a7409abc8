"""The cloth: its design (settings, order, plan), its exports to print files, its editions.

Callers import the module for the job: ``design`` (settings, photos and order, the plan and
its preview), ``exports`` (export to print files with preflight, the export rows and what
they say), ``editions`` (the edition in progress, the public one, freezing), ``base_url``
(which address may be printed). Their refusals are here.
"""

from __future__ import annotations

from ...errors import Refusal


class ClothError(Refusal):
    """The cloth cannot do what was asked; the reason code says why."""


class ClothFrozen(ClothError):
    """The cloth edition is frozen: its photos and settings can no longer change."""


class BaseUrlRefused(ClothError):
    """PUBLIC_BASE_URL cannot go on a print file (not https, or not public)."""
