"""Benchmark sending photos over a phone's link: one POST per photo against tus in pieces.

Run: .venv/bin/python bench/bench_uploads.py [--up-kbit N] [--cut-s S] [--repeat N]

Two measurements, each on the same app, served on a real port behind tests/netproxy.py (a real
TCP proxy that throttles the uplink and can cut it):

1. Three 3 MB phone photos (12 megapixels) over a throttled link that is cut once for
   --cut-s seconds when 30 % of the first photo has gone. Baseline: the obvious upload, one
   multipart POST per photo (what the page sent before resumable uploads; here the plain
   form's POST /upload with one file, the same bytes on the wire), restarted from zero when
   the link is back. Ours: the page's way over tus, a creation, then PATCH pieces of
   UPLOAD_CHUNK_BYTES, resuming from the server's offset. Both clients try again once a
   second while the link is down, so the baseline is measured at its best (a participant
   tapping "Try again" the moment the signal returns; the old page did not retry by itself).
2. Chunking overhead on a good link (no throttle, no cut): the same three photos by one POST
   each and by tus, the median of --repeat runs, time and bytes.

Prints bytes sent up the link, seconds, and the ratio ours / baseline.
"""

from __future__ import annotations

import argparse
import io
import re
import statistics
import sys
import tempfile
import threading
import time
from base64 import b64encode
from pathlib import Path

import requests
from PIL import Image
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
sys.path.insert(0, str(ROOT / "tests"))

from netproxy import NetProxy  # noqa: E402

from tablecloth import create_app, db  # noqa: E402
from tablecloth.context import site  # noqa: E402
from tablecloth.services import groups  # noqa: E402

ANSWERS = {"first_name": "Anya", "age_band": "18+", "consent_self": "yes", "terms": "yes"}
TUS = {"Tus-Resumable": "1.0.0"}


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


def photos(count: int = 3) -> list[bytes]:
    """Return distinct phone-like photos of about 3 MB: 12 megapixels, sensor-like noise,
    stored sideways with EXIF orientation 6 (bench_images.py's phone photo)."""
    with Image.open(CORPUS / "jpg_mobile_jolla.jpg") as photo:
        big = photo.convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    made = []
    for _ in range(count):
        # effect_noise draws fresh noise each time: every photo is different bytes.
        noisy = Image.blend(big, Image.effect_noise((4000, 3000), 24).convert("RGB"), 0.12)
        exif = Image.Exif()
        exif[0x0112] = 6
        out = io.BytesIO()
        noisy.save(out, "JPEG", quality=93, exif=exif)
        made.append(out.getvalue())
    return made


class Site:
    """A fresh app (SQLite, a local folder) serving on a real port, with one group."""

    def __init__(self, folder: Path) -> None:
        self.app = create_app({
            "SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "UPLOADS_DIR": str(folder / "uploads"), "PUBLIC_BASE_URL": "http://127.0.0.1",
            "UPLOAD_RATE_LIMIT": 100_000,
        }, instance_path=folder / "instance", environ={})
        with self.app.app_context():
            db.upgrade()
            self.invite = groups.create_group(site(), "Bench",
                                              groups.city_by_slug(site(), "coventry")
                                              ).invite_code
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True,
                                  request_handler=_Quiet)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def port(self) -> int:
        return self.server.server_port

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()
        self.app.extensions["tablecloth.engine"].dispose()


def _until_it_works(attempt):
    """Call attempt() until it stops failing on the network, once a second."""
    while True:
        try:
            return attempt()
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(1.0)


def send_by_post(base: str, invite: str, data: list[bytes]) -> None:
    """The baseline: each photo in one multipart POST; a broken POST starts again from zero."""
    with requests.Session() as browser:
        page = _until_it_works(lambda: browser.get(f"{base}/upload", timeout=30))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        for n, photo in enumerate(data):
            answer = _until_it_works(lambda photo=photo, n=n: browser.post(
                f"{base}/upload", allow_redirects=False, timeout=120,
                data={"csrf_token": token, "code": invite, **ANSWERS},
                files={"photos": (f"IMG_{n}.jpg", photo, "image/jpeg")}))
            assert answer.status_code == 303, answer.text[:500]


def _metadata(values: dict) -> str:
    return ",".join(f"{k} {b64encode(str(v).encode()).decode()}" for k, v in values.items())


def send_by_tus(base: str, invite: str, data: list[bytes], chunk: int) -> list[str]:
    """Ours, as the page does it: create, PATCH pieces, after a failure HEAD and go on."""
    codes, visit = [], None
    with requests.Session() as browser:
        for n, photo in enumerate(data):
            meta = {"invite": invite, **ANSWERS, "photo_key": f"bench-{time.time_ns()}-{n}",
                    "filename": f"IMG_{n}.jpg", **({"visit": visit} if visit else {})}
            created = _until_it_works(lambda photo=photo, meta=meta: browser.post(
                f"{base}/upload/tus/", timeout=30, headers={
                    **TUS, "Upload-Length": str(len(photo)),
                    "Upload-Metadata": _metadata(meta)}))
            assert created.status_code == 201, created.text
            visit = created.headers["Upload-Visit"]
            url = base + created.headers["Location"]
            offset = int(created.headers["Upload-Offset"])
            while offset < len(photo):
                try:
                    sent = browser.patch(url, data=photo[offset:offset + chunk], timeout=120,
                                         headers={**TUS, "Upload-Offset": str(offset),
                                                  "Content-Type":
                                                  "application/offset+octet-stream"})
                    assert sent.status_code in (204, 409), sent.text
                    offset = int(sent.headers["Upload-Offset"])
                except (requests.ConnectionError, requests.Timeout):
                    time.sleep(1.0)
                    offset = int(_until_it_works(lambda url=url: browser.head(
                        url, headers=TUS, timeout=30)).headers["Upload-Offset"])
            receipt = _until_it_works(lambda url=url: browser.get(url, headers=TUS,
                                                                   timeout=60))
            assert receipt.status_code == 200, receipt.text
            codes.append(receipt.json()["code"])
    return codes


def run(way: str, data: list[bytes], *, up_bytes_s: float | None, cut_s: float,
        chunk: int) -> tuple[int, float, float]:
    """Send data one way through a fresh site and proxy; return bytes sent up, seconds and
    CPU seconds (server, proxy and client together: steadier than the clock on a busy machine).
    """
    with tempfile.TemporaryDirectory() as folder:
        served = Site(Path(folder))
        served.app.config["UPLOAD_CHUNK_BYTES"] = chunk
        proxy = NetProxy("127.0.0.1", served.port, up_bytes_s=up_bytes_s).start()
        try:
            if cut_s:
                # Start counting after the page's first request, as the participant's tap does.
                proxy.when_sent(int(0.3 * len(data[0])), lambda: proxy.cut(cut_s))
            start, cpu = time.perf_counter(), time.process_time()
            if way == "post":
                send_by_post(proxy.url, served.invite, data)
            else:
                send_by_tus(proxy.url, served.invite, data, chunk)
            return (proxy.sent_up, time.perf_counter() - start, time.process_time() - cpu)
        finally:
            proxy.stop()
            served.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--up-kbit", type=float, default=2000.0,
                        help="uplink in kbit/s for the cut run (default 2000)")
    parser.add_argument("--cut-s", type=float, default=10.0, help="length of the cut (10)")
    parser.add_argument("--chunk", type=int, default=1024 * 1024,
                        help="UPLOAD_CHUNK_BYTES for tus (default 1 MiB)")
    parser.add_argument("--repeat", type=int, default=9, help="good-link runs (median)")
    parser.add_argument("--good-only", action="store_true", help="skip the cut run")
    args = parser.parse_args()
    data = photos()
    total = sum(len(p) for p in data)
    rate = args.up_kbit * 1000 / 8
    print(f"3 photos, {total:,} bytes; uplink {args.up_kbit:g} kbit/s; one {args.cut_s:g} s "
          f"cut at 30 % of the first photo; tus pieces of {args.chunk:,} bytes")
    rows = []
    for way in () if args.good_only else ("post", "tus"):
        sent, seconds, _cpu = run(way, data, up_bytes_s=rate, cut_s=args.cut_s,
                                  chunk=args.chunk)
        rows.append((way, sent, seconds))
        print(f"  {way:5} {sent:>12,} bytes up ({sent - total:>+11,} over the photos) "
              f"{seconds:7.1f} s")
    if rows:
        (_, post_bytes, post_s), (_, tus_bytes, tus_s) = rows
        print(f"  ratio tus / post: bytes {tus_bytes / post_bytes:.2f}, "
              f"time {tus_s / post_s:.2f}")

    print(f"Good link (no throttle, no cut), median of {args.repeat}:")
    runs: dict[str, list[tuple[int, float, float]]] = {"post": [], "tus": []}
    for _ in range(args.repeat):  # interleaved, so a busy moment hurts both alike
        for way in runs:
            runs[way].append(run(way, data, up_bytes_s=None, cut_s=0, chunk=args.chunk))
    good = {way: [statistics.median(r[i] for r in found) for i in range(3)]
            for way, found in runs.items()}
    for way in runs:
        print(f"  {way:5} {good[way][0]:>12,.0f} bytes up {good[way][1]:7.2f} s "
              f"{good[way][2]:7.2f} s CPU")
    over = [good["tus"][i] / good["post"][i] - 1 for i in range(3)]
    print(f"  chunking overhead: bytes {over[0]:+.2%}, time {over[1]:+.1%}, CPU {over[2]:+.1%} "
          f"(target <= +10 %)")

if __name__ == "__main__":
    main()
