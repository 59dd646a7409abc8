"""What every service needs from the running site: a database session, the store, settings."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
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


T = TypeVar("T")


class PerDatabase(Generic[T]):
    """One object of this process per database: each app, and each test's app, has its engine.

    Held weakly by the engine, so a disposed app's state goes with it.
    """

    def __init__(self, make: Callable[[], T]) -> None:
        self.make = make
        self.lock = threading.Lock()
        self.held: weakref.WeakKeyDictionary[Engine, T] = weakref.WeakKeyDictionary()

    def __call__(self, site: Site) -> T:
        """Return the object of the site's database, made on first use."""
        engine = site.db.get_bind()
        with self.lock:
            found = self.held.get(engine)
            if found is None:
                found = self.held[engine] = self.make()
            return found
