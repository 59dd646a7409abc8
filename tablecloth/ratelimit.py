"""Count events per key in a sliding window, in this process or in the shared database.

Keys name a visitor (an address, an address and an e-mail): every store sees them only as
a keyed hash (``HashedKeys``), so no address is kept anywhere, even in the shared table.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from sqlalchemy import Engine, delete, func, insert, select, text

from .models import RateLimitHit


class Limiter(Protocol):
    """A store of recent events per key; a shared backend must keep the same meaning."""

    def hit(self, key: str, limit: int, window_s: float) -> bool:
        """Record one event for key; return True while at most limit fell in the window."""

    def retry_after(self, key: str, limit: int, window_s: float) -> float:
        """Return seconds until key may act again (0 when it may act now); record nothing."""

    def reset(self, key: str) -> None:
        """Forget every event of key."""

    def cancel(self, key: str) -> None:
        """Forget key's newest event (a hit that turned out not to count)."""


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

    def cancel(self, key: str) -> None:
        with self._lock:
            events = self._events.get(key)
            if events:
                events.pop()


# Rows older than this are dropped whatever their key: longer than any window in use.
PRUNE_AFTER_S = 24 * 3600
# Each process sweeps every key's rows older than PRUNE_AFTER_S at most this often, on its
# next hit, so abandoned keys go too (README "Rate limits").
PRUNE_EVERY_S = 10 * 60


class DatabaseLimiter:
    """Keep events as rows in the shared database, so every worker and machine counts alike."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        # Wall-clock time, not monotonic: several machines must compare the same instants.
        self._clock = clock
        self._swept_at = 0.0

    def _serialise(self, conn, key: str) -> None:
        """Make hits on one key wait for each other, so each counts every earlier one."""
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
        # SQLite: the DELETE that follows takes the database's one write lock before the
        # count, which serialises every writer.

    def hit(self, key: str, limit: int, window_s: float) -> bool:
        now = self._clock()
        table = RateLimitHit.__table__
        with self._engine.begin() as conn:
            self._serialise(conn, key)
            conn.execute(delete(table).where(table.c.key == key,
                                             table.c.at <= now - window_s))
            if now - self._swept_at >= PRUNE_EVERY_S:
                self._swept_at = now
                conn.execute(delete(table).where(table.c.at <= now - PRUNE_AFTER_S))
            # Counted under the lock: exactly the events before this one, from every process.
            before = conn.scalar(select(func.count()).select_from(table).where(
                table.c.key == key, table.c.at > now - window_s))
            conn.execute(insert(table).values(key=key, at=now))
            if before + 1 > limit + 1:
                # Keep limit + 1 events, as the memory store does: a key hammering away
                # must not grow the table without bound.
                newest = (select(table.c.id).where(table.c.key == key)
                          .order_by(table.c.at.desc(), table.c.id.desc()).limit(limit + 1))
                conn.execute(delete(table).where(table.c.key == key,
                                                 table.c.id.not_in(newest.scalar_subquery())))
        return before < limit

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

    def cancel(self, key: str) -> None:
        table = RateLimitHit.__table__
        with self._engine.begin() as conn:
            newest = (select(table.c.id).where(table.c.key == key)
                      .order_by(table.c.at.desc(), table.c.id.desc()).limit(1))
            conn.execute(delete(table).where(table.c.id.in_(newest.scalar_subquery())))

    def prune(self, now: float | None = None) -> int:
        """Delete every row older than PRUNE_AFTER_S; return how many went."""
        now = self._clock() if now is None else now
        table = RateLimitHit.__table__
        with self._engine.begin() as conn:
            return conn.execute(delete(table).where(table.c.at <= now - PRUNE_AFTER_S)).rowcount


class HashedKeys:
    """Hand a store keyed hashes instead of keys: "login:HMAC" for "login:ADDRESS:EMAIL".

    The part before the first colon (what is limited) stays readable; the rest, which names
    a visitor, is an HMAC under the site's secret key, so the table cannot be matched
    against addresses without the key.
    """

    def __init__(self, store: Limiter, secret: str | bytes) -> None:
        self.store = store
        self._secret = secret.encode() if isinstance(secret, str) else secret

    def hashed(self, key: str) -> str:
        """Return the name a key is stored under."""
        scope, _sep, _rest = key.partition(":")
        digest = hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()[:40]
        return f"{scope}:{digest}"

    def hit(self, key: str, limit: int, window_s: float) -> bool:
        return self.store.hit(self.hashed(key), limit, window_s)

    def retry_after(self, key: str, limit: int, window_s: float) -> float:
        return self.store.retry_after(self.hashed(key), limit, window_s)

    def reset(self, key: str) -> None:
        self.store.reset(self.hashed(key))

    def cancel(self, key: str) -> None:
        self.store.cancel(self.hashed(key))


def store_kind(settings: Mapping[str, Any], processes: int = 1) -> str:
    """Return "memory" or "database": what RATELIMIT_STORAGE means for this many processes."""
    kind = settings.get("RATELIMIT_STORAGE", "auto")
    if kind == "auto":
        # Several processes each counting alone would let through limit x processes guesses.
        return "database" if processes > 1 else "memory"
    return kind


def make_limiter(settings: Mapping[str, Any], engine: Engine, processes: int = 1) -> Limiter:
    """Return the store RATELIMIT_STORAGE names for this many serving processes, its keys
    hashed with the SECRET_KEY (auto: the database when more than one process serves)."""
    store: Limiter
    if store_kind(settings, processes) == "database":
        store = DatabaseLimiter(engine)
    else:
        store = MemoryLimiter()
    return HashedKeys(store, settings.get("SECRET_KEY") or "tablecloth")
