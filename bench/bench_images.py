"""Benchmark the image pipeline against the obvious Pillow approach (DESIGN section 7).

Run: .venv/bin/python bench/bench_images.py [--repeat N] [--memory-only]
Prints median milliseconds for the baseline and for tablecloth.images, and their ratio;
then the peak memory of one upload per photo size (each in a fresh process: peak RSS less the
RSS before it began), and the peak of 20 uploads of 48 MP photos arriving at once on the
default 3 workers of 4 threads, with and without the per-worker decode limit.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from PIL import Image, ImageOps
from pillow_heif import register_heif_opener

from tablecloth import images

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def phone_jpeg(size: tuple[int, int] = (4000, 3000)) -> bytes:
    """Return a photo-like JPEG (12 MP by default) stored sideways, EXIF orientation 6."""
    with Image.open(CORPUS / "jpg_mobile_jolla.jpg") as photo:
        big = photo.convert("RGB").resize(size, Image.Resampling.BICUBIC)
    # Sensor-like noise, so the file compresses like a real photo rather than a smooth upscale.
    noise = Image.effect_noise(size, 24).convert("RGB")
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


SIZES = {"12 MP": (4000, 3000), "24 MP": (6000, 4000), "48 MP": (8000, 6000)}


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so a child would report the
    # parent's peak (this script's parent builds 48 MP images).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def obvious_full(data: bytes) -> None:
    """The obvious upload: open, transpose, save a master, then the web copy and thumbnail."""
    with Image.open(io.BytesIO(data)) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
        master = io.BytesIO()
        im.save(master, "JPEG", quality=92)
        im.thumbnail((1600, 1600))
        im.save(io.BytesIO(), "JPEG", quality=82, progressive=True)
        im.thumbnail((400, 400))
        im.save(io.BytesIO(), "JPEG", quality=80)


def case_memory(path: str, how: str) -> dict:
    """Process one photo file in this fresh process; return the memory it took."""
    register_heif_opener()
    data = Path(path).read_bytes()
    before = _rss_mb()
    start = time.process_time()
    if how == "obvious":
        obvious_full(data)
    else:
        images.process(data, max_bytes=len(data) + 1, max_pixels=200_000_000)
    return {"extra_mb": _peak_mb() - before, "cpu_ms": 1000 * (time.process_time() - start)}


def case_uploads(path: str, total: int, workers: int, threads: int, slots: int,
                 how: str) -> dict:
    """Take `total` uploads at once in `workers` processes of `threads` threads each."""
    share = [total // workers + (1 if i < total % workers else 0) for i in range(workers)]
    procs = [subprocess.Popen([sys.executable, __file__, "--case", "worker", path, str(n),
                               str(threads), str(slots), how], stdout=subprocess.PIPE,
                              text=True)
             for n in share]
    peaks = [json.loads(p.communicate()[0].strip().splitlines()[-1])["peak_mb"] for p in procs]
    return {"sum_of_peaks_mb": sum(peaks), "largest_mb": max(peaks)}


def case_worker(path: str, uploads: int, threads: int, slots: int, how: str) -> dict:
    """One worker: `uploads` photos accepted by `threads` threads, `slots` decoding at once."""
    register_heif_opener()
    data = Path(path).read_bytes()
    gate = threading.BoundedSemaphore(slots)
    waiting = list(range(uploads))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                if not waiting:
                    return
                waiting.pop()
            received = bytes(data)  # each request holds its own copy of the body
            with gate:
                if how == "obvious":
                    obvious_full(received)
                else:
                    images.process(received, max_bytes=len(data) + 1, max_pixels=200_000_000)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return {}


def memory(args) -> None:
    """Print peak memory per photo size, then of 20 uploads at once."""
    print(f"\nmemory (load average {os.getloadavg()[0]:.1f}): extra peak RSS of one upload, "
          "each in a fresh process")
    print(f"{'photo':34} {'obvious':>9} {'ours':>9} {'ratio':>6}   ours CPU")
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for name, size in SIZES.items():
            files[name] = Path(folder) / f"{name.replace(' ', '')}.jpg"
            files[name].write_bytes(phone_jpeg(size))
        files["HEIC 2566x3313 (corpus)"] = CORPUS / "heic_IMG_5195.HEIC"
        for name, path in files.items():
            base = run_case("memory", str(path), "obvious")
            ours = run_case("memory", str(path), "ours")
            label = f"{name} JPEG, orientation 6" if "MP" in name and "HEIC" not in name \
                else name
            print(f"{label:34} {base['extra_mb']:7.0f} MB {ours['extra_mb']:6.0f} MB "
                  f"{ours['extra_mb'] / base['extra_mb']:6.2f}   {ours['cpu_ms']:6.0f} ms")
        print("\n20 uploads of a 48 MP JPEG at once: 3 worker processes x 4 threads "
              "(tablecloth serve's default), sum of the workers' peak RSS")
        for how, slots, label in (("obvious", 4, "obvious pipeline, no limit"),
                                  ("ours", 4, "ours, no limit (every thread decodes)"),
                                  ("ours", 2, "ours, MAX_CONCURRENT_DECODES=2 (default)")):
            r = run_case("uploads", str(files["48 MP"]), "20", "3", "4", str(slots), how)
            print(f"  {label:42} {r['sum_of_peaks_mb']:6.0f} MB  "
                  f"(largest worker {r['largest_mb']:.0f} MB)")


def run_case(*args: str) -> dict:
    """Run one case in a fresh interpreter; return its result with peak RSS."""
    proc = subprocess.run([sys.executable, __file__, "--case", *args], capture_output=True,
                          text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"case {args} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per case")
    parser.add_argument("--memory-only", action="store_true", help="skip the timings")
    parser.add_argument("--case", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        name, *rest = args.case
        result = globals()[f"case_{name}"](*[int(a) if a.isdigit() else a for a in rest])
        result["peak_mb"] = _peak_mb()
        print(json.dumps(result))
        return
    if args.memory_only:
        memory(args)
        return
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
    memory(args)

if __name__ == "__main__":
    main()
