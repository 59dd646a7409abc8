"""JPEG for online fabric printers that ask for JPG: sRGB profile, resolution, quality 95.

Codes are flat colour with hard edges, which JPEG smears at ordinary settings: we save at
quality 95 without chroma subsampling (4:4:4), which keeps every module edge within a pixel
(preflight decodes every code from the file). The picture is drawn strip by strip into a
temporary file and handed to the encoder through a memory map, so a large cloth costs disk,
not memory; JPEG cannot be wider or longer than 65,500 pixels, and we refuse more pixels
than ``MAX_JPEG_PIXELS`` (split the cloth into panels or lengths, or send PNG or TIFF).
"""

from __future__ import annotations

import mmap
import tempfile
from typing import Any

from PIL import Image

from tablecloth.errors import Refusal
from tablecloth.layout import Plan

from .colour import profile_for
from .common import Out, open_out, progress_of
from .raster import check_ppi
from .strips import Painter

JPEG_QUALITY = 95
MAX_JPEG_SIDE_PX = 65_500  # the format's own limit
MAX_JPEG_PIXELS = 400_000_000  # 1.5 GB of RGBX in the memory map; beyond, use PNG or TIFF


def render_jpeg(plan: Plan, out: Out, **options: Any) -> None:
    """Write plan (or one panel, or one length) as a JPEG at ppi, sRGB, quality 95."""
    progress = progress_of(options)
    ppi = check_ppi(options.get("ppi", 150))
    painter = Painter(plan, ppi, options.get("panel"), options.get("tile"))
    width, height = painter.width, painter.height
    if max(width, height) > MAX_JPEG_SIDE_PX or width * height > MAX_JPEG_PIXELS:
        raise Refusal("jpeg_too_large", width=width, height=height, most=MAX_JPEG_SIDE_PX)
    grey = painter.mode == "L"
    mode = "L" if grey else "RGBX"  # modes Pillow maps from a buffer without copying
    with tempfile.TemporaryFile() as tmp:
        for strip in painter.strips(lambda f, m: progress(f * 0.6, m)):
            tmp.write((strip if grey else strip.convert("RGBX")).tobytes())
        tmp.flush()
        with mmap.mmap(tmp.fileno(), 0, access=mmap.ACCESS_READ) as buffer:
            image = Image.frombuffer(mode, (width, height), buffer, "raw", mode, 0, 1)
            progress(0.7, "encoding JPEG")
            with open_out(out) as f:
                image.save(f, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True,
                           dpi=(ppi, ppi), icc_profile=profile_for(painter.mode)[1])
            del image  # the image holds the map open until it goes
    progress(1.0, "JPEG written")
