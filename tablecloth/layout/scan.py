"""How far from the cloth a phone reads a code: a documented camera model, not a rule of thumb.

A scanning app does not decode the camera's full photo: it analyses preview frames, often as
small as 640 pixels across, taken through the main camera's field of view of about 70 degrees
across. At a distance ``d`` the frame then spans ``2 d tan(35°)`` millimetres, so one module of
``m`` mm covers ``640 m / (2 d tan 35°)`` pixels. Decoders need about 2 pixels a module on a
sharp, flat, upright code; a phone held by hand over fabric adds rotation, blur, sensor noise,
weave and ink spread, so we ask for ``PX_PER_MODULE_NEEDED`` pixels a module, a margin of half
again over what the simulated phone view in tests/test_scan.py needs to read 99 % of codes
(about 2 px). The stated distance is where the model gives exactly that many.
"""

from __future__ import annotations

import math

FRAME_PX = 640  # pixels across the analysed preview frame
FOV_DEG = 70.0  # the main camera's horizontal field of view
PX_PER_MODULE_NEEDED = 3.0  # with the margin; the simulation reads 99 % at 2.0


def px_per_mm_at(distance_mm: float) -> float:
    """Return how many frame pixels one millimetre of cloth covers at distance_mm."""
    span_mm = 2 * distance_mm * math.tan(math.radians(FOV_DEG / 2))
    return FRAME_PX / span_mm


def px_per_module_at(distance_mm: float, module_mm: float) -> float:
    """Return how many frame pixels one module covers at distance_mm."""
    return module_mm * px_per_mm_at(distance_mm)


def scan_distance_mm(module_mm: float, needed: float = PX_PER_MODULE_NEEDED) -> float:
    """Return the farthest distance at which a module still covers the pixels needed."""
    if module_mm <= 0:
        return 0.0
    return FRAME_PX * module_mm / (needed * 2 * math.tan(math.radians(FOV_DEG / 2)))


def scan_distance_cm(module_mm: float) -> int:
    """Return the stated scan distance in whole centimetres, rounded down (never overstated)."""
    return int(scan_distance_mm(module_mm) // 10)
