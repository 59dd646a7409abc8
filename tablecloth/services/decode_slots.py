"""How many photos this process decodes at once: memory bounded whatever the uploads."""

from __future__ import annotations

import threading

from .site import Site

_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


def slot(site: Site) -> threading.BoundedSemaphore:
    """Return this process's gate for decoding photos: MAX_CONCURRENT_DECODES at a time.

    A 48-megapixel photo needs up to ~150 MB while decoded (images.MASTER_MAX_PIXELS); 20
    arriving at once on 3 workers of 4 threads would otherwise all decode together. The
    others wait their turn (their bytes are already received), so memory stays bounded by
    workers x MAX_CONCURRENT_DECODES photos whatever the number of uploads.
    """
    size = site.settings["MAX_CONCURRENT_DECODES"]
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(size, threading.BoundedSemaphore(size))
