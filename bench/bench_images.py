"""Benchmark the image pipeline against the obvious Pillow approach (DESIGN section 7).

Run: .venv/bin/python bench/bench_images.py [--repeat N]
Prints median milliseconds for the baseline and for tablecloth.images, and their ratio.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import time
from pathlib import Path

from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

from tablecloth import images

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def phone_jpeg() -> bytes:
    """Return a photo-like 12-megapixel (4000x3000) JPEG stored sideways, EXIF orientation 6."""
    with Image.open(CORPUS / "jpg_mobile_jolla.jpg") as photo:
        big = photo.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    # Sensor-like noise, so the file compresses like a real photo rather than a smooth upscale.
    noise = Image.effect_noise((4000, 3000), 24).convert("RGB")
    big = Image.blend(big, noise, 0.12)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2024:06:01 12:00:00"
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def baseline(data: bytes) -> tuple[bytes, bytes]:
    """Make web copy and thumbnail the obvious way: open, transpose, thumbnail, save, twice."""
    with Image.open(io.BytesIO(data)) as im:
        im = ImageOps.exif_transpose(im)
        im.thumbnail((1600, 1600))
        web = io.BytesIO()
        im.save(web, "JPEG", quality=82, progressive=True)
        im.thumbnail((400, 400))
        thumb = io.BytesIO()
        im.save(thumb, "JPEG", quality=80)
    return web.getvalue(), thumb.getvalue()


def ours(data: bytes) -> tuple[bytes, bytes]:
    """Make web copy and thumbnail the way process() does (JPEG draft decoding)."""
    web, thumb = images.web_and_thumb(data, web_px=1600, thumb_px=400)
    return web.data, thumb.data


def full(data: bytes) -> images.ProcessedImage:
    """Run the whole pipeline: validation, master, web copy and thumbnail."""
    return images.process(data, max_bytes=100 * 1024 * 1024)


def median_ms(work, data: bytes, repeat: int) -> tuple[float, float]:
    """Return the median wall and CPU milliseconds of work(data), after one warm-up run."""
    work(data)
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        work(data)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per case")
    args = parser.parse_args()
    register_heif_opener()

    jpeg = phone_jpeg()
    heic = (CORPUS / "heic_IMG_5195.HEIC").read_bytes()
    print(f"cpus: {os.cpu_count()}, Pillow {Image.__version__}, repeat {args.repeat}")
    print(f"12 MP JPEG: 4000x3000, orientation 6, {len(jpeg) / 1e6:.1f} MB")
    web, thumb = Image.open(io.BytesIO(ours(jpeg)[0])), Image.open(io.BytesIO(ours(jpeg)[1]))
    print(f"  our web copy {web.size}, thumbnail {thumb.size}")

    heic_repeat = max(3, args.repeat // 3)
    jpeg_base = median_ms(baseline, jpeg, args.repeat)
    heic_base = median_ms(baseline, heic, heic_repeat)
    rows = [
        ("12 MP JPEG: web_and_thumb() (draft decode)", jpeg_base,
         median_ms(ours, jpeg, args.repeat)),
        ("12 MP JPEG: process() (adds master, checks)", jpeg_base,
         median_ms(full, jpeg, args.repeat)),
        ("HEIC 2566x3313: web_and_thumb()", heic_base, median_ms(ours, heic, heic_repeat)),
        ("HEIC 2566x3313: process()", heic_base, median_ms(full, heic, heic_repeat)),
    ]
    # CPU time is shown beside wall time because a shared machine inflates the wall clock.
    print(f"{'case (baseline: open, transpose, thumbnail, save)':52}"
          f" {'base wall':>9} {'ours wall':>9} {'ratio':>6} {'base cpu':>9} {'ours cpu':>9}"
          f" {'ratio':>6}")
    for name, (base_wall, base_cpu), (wall, cpu) in rows:
        print(f"{name:52} {base_wall:9.1f} {wall:9.1f} {wall / base_wall:6.2f}"
              f" {base_cpu:9.1f} {cpu:9.1f} {cpu / base_cpu:6.2f}")

if __name__ == "__main__":
    main()
