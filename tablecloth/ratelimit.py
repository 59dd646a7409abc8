"""Count events per key in a sliding window, in this process or in the shared database."""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlalchemy import Engine, delete, func, insert, select

from .models import RateLimitHit


class Limiter(Protocol):
    """A store of recent events per key; a shared backend must keep the same meaning."""

    def hit(self, key: str, limit: int, window_s: float) -> bool:
        """Record one event for key; return True while at most limit fell in the window."""

    def retry_after(self, key: str, limit: int, window_s: float) -> float:
        """Return seconds until key may act again (0 when it may act now); record nothing."""

    def reset(self, key: str) -> None:
        """Forget every event of key."""


class MemoryLimiter:
    """Keep events in this process only: right for one process, too lenient for several."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, window_s: float, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - window_s:
            events.popleft()
        return events

    def hit(self, key: str, limit: int, window_s: float) -> bool:
        now = self._clock()
        with self._lock:
            events = self._recent(key, window_s, now)
            events.append(now)
            # Keep at most limit + 1 events: enough to know the key is over its limit.
            while len(events) > limit + 1:
                events.popleft()
            return len(events) <= limit

    def retry_after(self, key: str, limit: int, window_s: float) -> float:
        now = self._clock()
        with self._lock:
            events = self._recent(key, window_s, now)
            if len(events) < limit:
                if not events:
                    self._events.pop(key, None)
                return 0.0
            # The key may act again once enough of its events have left the window.
            return max(0.0, events[len(events) - limit] + window_s - now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


# Rows older than this are dropped whatever their key: longer than any window in use.
PRUNE_AFTER_S = 24 * 3600
# About one hit in this many also prunes every key's old rows, so abandoned keys go too.
PRUNE_EVERY = 200


class DatabaseLimiter:
    """Keep events as rows in the shared database, so every worker and machine counts alike."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        # Wall-clock time, not monotonic: several machines must compare the same instants.
        self._clock = clock

    def hit(self, key: str, limit: int, window_s: float) -> bool:
        now = self._clock()
        table = RateLimitHit.__table__
        # Commit the event before counting: of hits racing in several processes, each one
        # counts every event committed before its count, so no more than limit are let through
        # (a race can only refuse one too many, never admit one too many).
        with self._engine.begin() as conn:
            conn.execute(insert(table).values(key=key, at=now))
            conn.execute(delete(table).where(table.c.key == key,
                                             table.c.at <= now - window_s))
            if random.randrange(PRUNE_EVERY) == 0:
                conn.execute(delete(table).where(table.c.at <= now - PRUNE_AFTER_S))
        with self._engine.begin() as conn:
            count = conn.scalar(select(func.count()).select_from(table).where(
                table.c.key == key, table.c.at > now - window_s))
            if count > limit + 1:
                # Keep limit + 1 events, as the memory store does: a key hammering away
                # must not grow the table without bound.
                newest = (select(table.c.id).where(table.c.key == key)
                          .order_by(table.c.at.desc(), table.c.id.desc()).limit(limit + 1))
                conn.execute(delete(table).where(table.c.key == key,
                                                 table.c.id.not_in(newest.scalar_subquery())))
        return count <= limit

    def retry_after(self, key: str, limit: int, window_s: float) -> float:
        now = self._clock()
        table = RateLimitHit.__table__
        with self._engine.connect() as conn:
            events = list(conn.scalars(select(table.c.at).where(
                table.c.key == key, table.c.at > now - window_s).order_by(table.c.at)))
        if len(events) < limit:
            return 0.0
        return max(0.0, events[len(events) - limit] + window_s - now)

    def reset(self, key: str) -> None:
        table = RateLimitHit.__table__
        with self._engine.begin() as conn:
            conn.execute(delete(table).where(table.c.key == key))


def make_limiter(settings: Mapping[str, Any], engine: Engine) -> Limiter:
    """Return the store RATELIMIT_STORAGE names: "memory" (default) or "database" (engine)."""
    if settings.get("RATELIMIT_STORAGE", "memory") == "database":
        return DatabaseLimiter(engine)
    return MemoryLimiter()
