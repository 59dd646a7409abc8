"""The colour space every print file states: sRGB IEC 61966-2.1, as an ICC profile.

Fabric printers (dye sublimation and pigment on textile) work from RGB and ask for sRGB
with the profile embedded; without one a RIP guesses, and a cream or a city colour shifts.
The profile is written here, not read from a system folder: an ICC version 2.1 display
profile (matrix and tone curves), the kind every RIP, Photoshop and PDF/X-4 reader takes,
with the IEC 61966-2.1 primaries adapted to D50 (Bradford) as in the ICC's own sRGB profile.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

PROFILE_NAME = "sRGB IEC61966-2.1"
GREY_PROFILE_NAME = "sGray (sRGB tone curve, D65)"
# D50, the profile connection space's white, and D65, sRGB's own white (media white point).
D50 = (0.9642, 1.0, 0.8249)
D65 = (0.9505, 1.0, 1.0891)
# Red, green and blue colorants: IEC 61966-2.1 primaries, Bradford-adapted to D50.
COLORANTS = ((0.4361, 0.2225, 0.0139), (0.3851, 0.7169, 0.0971), (0.1431, 0.0606, 0.7141))
CURVE_POINTS = 1024


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ \0\0\0\0" + _s15(x) + _s15(y) + _s15(z)


def _srgb_to_linear(v: float) -> float:
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _curve() -> bytes:
    points = [round(_srgb_to_linear(i / (CURVE_POINTS - 1)) * 65535)
              for i in range(CURVE_POINTS)]
    return b"curv\0\0\0\0" + struct.pack(f">I{CURVE_POINTS}H", CURVE_POINTS, *points)


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    # ICC v2 textDescriptionType: ASCII, then empty Unicode and ScriptCode parts.
    return (b"desc\0\0\0\0" + struct.pack(">I", len(ascii_)) + ascii_
            + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + bytes(67))


def _text(text: str) -> bytes:
    return b"text\0\0\0\0" + text.encode("ascii") + b"\0"


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """Return an ICC v2.1 sRGB profile (display class, RGB to XYZ), about 2.5 KB."""
    curve = _curve()
    return _profile(b"RGB ", [
        (b"desc", _desc(PROFILE_NAME)),
        (b"cprt", _text("No copyright, use freely")),
        (b"wtpt", _xyz(*D65)),
        (b"rXYZ", _xyz(*COLORANTS[0])),
        (b"gXYZ", _xyz(*COLORANTS[1])),
        (b"bXYZ", _xyz(*COLORANTS[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ])


@lru_cache(maxsize=1)
def grey_profile() -> bytes:
    """Return the grey twin of the sRGB profile: its tone curve, for a one-channel image.

    An RGB profile in a greyscale file is invalid (PNG and TIFF say so), and a grey
    image with this profile shows the same greys as the same pixels in sRGB.
    """
    return _profile(b"GRAY", [
        (b"desc", _desc(GREY_PROFILE_NAME)),
        (b"cprt", _text("No copyright, use freely")),
        (b"wtpt", _xyz(*D65)),
        (b"kTRC", _curve()),
    ])


def profile_for(mode: str) -> tuple[str, bytes]:
    """Return the name and ICC profile for an image of a Pillow mode ("L" grey, else RGB)."""
    if mode in ("L", "1", "LA"):
        return GREY_PROFILE_NAME, grey_profile()
    return PROFILE_NAME, srgb_profile()


def _profile(space: bytes, tags: list[tuple[bytes, bytes]]) -> bytes:
    """Return an ICC v2.1 display profile of colour space space with these tags."""
    table_end = 128 + 4 + 12 * len(tags)
    body = b""
    entries = []
    placed: dict[bytes, int] = {}
    for signature, data in tags:
        if data in placed:  # the three tone curves share one copy, as the ICC allows
            entries.append((signature, placed[data], len(data)))
            continue
        offset = table_end + len(body)
        placed[data] = offset
        entries.append((signature, offset, len(data)))
        body += data + bytes(-len(data) % 4)
    size = table_end + len(body)
    header = (
        struct.pack(">I", size) + b"\0\0\0\0" + bytes((2, 0x10, 0, 0)) + b"mntr" + space + b"XYZ "
        + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + bytes(4 + 4 + 4 + 4 + 8)
        + struct.pack(">I", 0) + _s15(D50[0]) + _s15(D50[1]) + _s15(D50[2]) + bytes(4)
    )
    header += bytes(128 - len(header))
    table = struct.pack(">I", len(entries)) + b"".join(
        struct.pack(">4sII", sig, offset, length) for sig, offset, length in entries)
    return header + table + body


def png_iccp_chunk_data(mode: str = "RGB") -> bytes:
    """Return the data of a PNG iCCP chunk naming and carrying the profile for mode."""
    name, profile = profile_for(mode)
    # PNG keywords are at most 79 Latin-1 characters.
    return name.encode("latin-1")[:79] + b"\0\0" + zlib.compress(profile, 9)
