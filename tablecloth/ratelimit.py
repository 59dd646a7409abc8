"""Count events per key in a sliding window; memory by default, a shared store later."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from flask import current_app

EXTENSION = "tablecloth.ratelimit"


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


def limiter() -> Limiter:
    """Return the current app's limiter, making an in-memory one on first use."""
    return current_app.extensions.setdefault(EXTENSION, MemoryLimiter())


def hit(key: str, limit: int, window_s: float) -> bool:
    """Record one event for key in the app's limiter; return True while within limit."""
    return limiter().hit(key, limit, window_s)


def retry_after(key: str, limit: int, window_s: float) -> float:
    """Return seconds until key may act again in the app's limiter."""
    return limiter().retry_after(key, limit, window_s)


def reset(key: str) -> None:
    """Forget key's events in the app's limiter."""
    limiter().reset(key)
