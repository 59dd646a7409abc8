"""What every service needs from the running site: a database session, the store, settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..storage import Storage


@dataclass
class Site:
    """One unit of work: services read and write through these, never through Flask."""

    db: Session
    store: Storage
    settings: Mapping[str, Any]

    @property
    def base_url(self) -> str:
        """Return the public address printed in every code and every absolute link."""
        return self.settings["PUBLIC_BASE_URL"]
