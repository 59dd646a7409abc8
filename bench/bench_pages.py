"""Benchmark the cloth's pages on a 10,000-photo site: before (a git ref) and ours, one run.

Run: .venv/bin/python bench/bench_pages.py [--photos 10000] [--baseline REF] [--repeat 5]
                                          [--rounds 3] [--viewer-delay 1.0]

For each side it builds a site of approved photos on SQLite (straight into the database:
rows only, no image files), a cloth that holds them (1 mm modules, 4.5 m square), and serves
it with `tablecloth serve` from that side's code (the baseline from `git archive REF`, default
main). It prints the time and bytes of /cloth, the designer, its preview and its plan data:
the first view (the server just started: nothing computed yet), warm (median of --repeat),
and the first view after an organiser approves one more photo (through the moderation form),
which each side must take into account, in two ways: a viewer who arrives --viewer-delay
seconds after the approval, as a real one does (ours has computed the new view in the
background by then), and the worst case of one who asks the very moment the approval has
been answered. Each is --rounds approvals (each round approves another photo, then lets
the site settle); the median and the worst are printed, with the approval's own time. Time
is the client's wall clock over HTTP on the same machine; the load average is printed with
it.
"""

from __future__ import annotations

import argparse
import hashlib
import http.cookiejar
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EMAIL, PASSWORD = "bench@example.org", "bench password 123"
# 4.7 m: since labels keep legible letters (issue 14) a 4.5 m cloth holds 9,498 codes.
CLOTH = {"module_mm": 1.0, "width_mm": 4700.0, "height_mm": 4700.0}
SERVE = "import sys; from tablecloth.cli import main; sys.exit(main())"


def checkout(ref: str, folder: Path) -> Path:
    """Extract the tablecloth package of a git ref into folder; return the folder."""
    archive = subprocess.run(["git", "archive", ref, "tablecloth"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "archive.tar"
    path.write_bytes(archive)
    with tarfile.open(path) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _env(code: Path, folder: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLECLOTH_")}
    env.update({
        "PYTHONPATH": str(code),
        "TABLECLOTH_SECRET_KEY": "bench",
        "TABLECLOTH_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "TABLECLOTH_UPLOADS_DIR": str(folder / "uploads"),
        "TABLECLOTH_PUBLIC_BASE_URL": "https://tablecloth.example.org",
    })
    return env


def populate(url: str, photos: int, pending: int = 1) -> list[str]:
    """Fill the database with approved photos, some pending, an organiser and a cloth.

    Works on either side's schema (columns are read from the database). Returns the
    pending photos' codes.
    """
    from sqlalchemy import MetaData, create_engine, insert, select
    from werkzeug.security import generate_password_hash

    sys.path.insert(0, str(ROOT / "tests"))
    from helpers import NAMES, scale_codes

    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    t = meta.tables
    now = datetime.now(UTC)
    codes = scale_codes(photos + pending)
    with engine.begin() as db:
        cities = [row.id for row in db.execute(select(t["cities"].c.id).order_by(
            t["cities"].c.position))]

        def row(i: int, code: str, state: str) -> dict:
            values = {"code": code, "state": state, "city_id": cities[i % len(cities)],
                      "first_name": NAMES[i % len(NAMES)], "caption": f"Photo {i}",
                      "caption_language": "en", "consent_self": True,
                      "consent_guardian": False, "created_at": now,
                      "source_sha256": hashlib.sha256(code.encode()).hexdigest(),
                      "reviewed_at": now + timedelta(seconds=i), "width": 4000,
                      "height": 3000}
            return {k: v for k, v in values.items() if k in t["photos"].c}

        db.execute(insert(t["photos"]), [row(i, c, "approved") for i, c in
                                         enumerate(codes[:photos])])
        db.execute(insert(t["photos"]), [row(photos + i, c, "pending") for i, c in
                                         enumerate(codes[photos:])])
        ids = dict(db.execute(select(t["photos"].c.code, t["photos"].c.id)).all())
        db.execute(insert(t["stored_files"]), [
            {"photo_id": ids[code], "kind": kind, "key": f"photos/{code}/{kind}.jpg",
             "sha256": hashlib.sha256(f"{code}{kind}".encode()).hexdigest(), "size": 1,
             "content_type": "image/jpeg", "width": width, "height": width * 3 // 4}
            for code in codes for kind, width in (("web", 1600), ("thumb", 400))])
        db.execute(insert(t["organisers"]), [{
            "email": EMAIL, "password_hash": generate_password_hash(PASSWORD),
            "role": "admin", "active": True, "created_at": now}])
        db.execute(insert(t["cloths"]), [{"edition": 1, "title": "", "settings": CLOTH,
                                          "created_at": now}])
    engine.dispose()
    return codes[photos:]


class Client:
    """An HTTP client with cookies, logged in as the organiser."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[float, int, int]:
        """Return seconds, status and body bytes of one GET."""
        start = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=300) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        return time.perf_counter() - start, status, len(body)

    def post(self, path: str, form: dict) -> None:
        page = self.opener.open(self.base + path.split("?")[0], timeout=60).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({**form, "csrf_token": token}, doseq=True).encode()
        self.opener.open(self.base + path, data=data, timeout=300).read()


def serve(code: Path, env: dict[str, str], port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--port", str(port), "--no-access-log"],
        env=env, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}") from None
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def pages_of(client: Client) -> dict[str, str]:
    """Return the pages to measure on this side: the preview is whichever the designer shows."""
    _s, _st, _n = client.get("/organiser/cloth")
    designer = client.opener.open(client.base + "/organiser/cloth").read().decode()
    preview = re.search(r'id="preview-img" src="([^"]+)"', designer)
    return {"/cloth": "/cloth", "designer": "/organiser/cloth",
            "preview": preview.group(1).replace("&amp;", "&") if preview else
            "/organiser/cloth/preview.svg",
            "plan data": "/organiser/cloth/plan.json",
            # What the designer asks of a large cloth as its view moves (the baseline
            # ignores the region and sends every cell, as it always did).
            "plan region": "/organiser/cloth/plan.json?x0_mm=0&y0_mm=0&x1_mm=1000&y1_mm=1000"}


def after_approval(client: Client, pages: dict[str, str], code: str, delay_s: float,
                   settle_s: float) -> dict[str, tuple[float, int, int]]:
    """Approve code through the moderation form, wait delay_s, view every page once."""
    start = time.perf_counter()
    client.post("/organiser/moderation", {"action": "approve", "code": code})
    seen = {"approval": (time.perf_counter() - start, 200, 0)}
    time.sleep(delay_s)
    # /cloth first: a viewer arriving at once pays for whatever the change costs and has
    # not yet been done (computing the stored selection and outline again).
    for label in ("/cloth", "designer", "preview", "plan data", "plan region"):
        seen[label] = client.get(pages[label])
    time.sleep(settle_s)  # let any work left from this round finish before the next
    return seen


def measure_side(name: str, code: Path, folder: Path, args) -> dict:
    from tests_servers import free_port

    env = _env(code, folder)
    subprocess.run([sys.executable, "-c", SERVE, "init-db"], env=env, cwd=code, check=True,
                   capture_output=True)
    pending = populate(env["TABLECLOTH_DATABASE_URL"], args.photos, 2 * args.rounds)
    port = free_port()
    process = serve(code, env, port)
    results: dict[str, dict] = {}
    try:
        client = Client(f"http://127.0.0.1:{port}")
        client.post("/organiser/login", {"email": EMAIL, "password": PASSWORD})
        # The first view: the server has computed nothing yet for this cloth.
        first = {}
        for label, path in (("/cloth", "/cloth"), ("designer", "/organiser/cloth")):
            first[label] = client.get(path)
        pages = pages_of(client)
        for label in ("preview", "plan data", "plan region"):
            first[label] = client.get(pages[label])
        warm = {label: [client.get(path) for _ in range(args.repeat)]
                for label, path in pages.items()}
        time.sleep(args.settle)
        now = [after_approval(client, pages, pending.pop(), 0.0, args.settle)
               for _ in range(args.rounds)]
        later = [after_approval(client, pages, pending.pop(), args.viewer_delay, args.settle)
                 for _ in range(args.rounds)]
        for label in pages:
            times = [w[0] for w in warm[label]]
            results[label] = {"first_s": first[label][0], "first_status": first[label][1],
                              "warm_s": statistics.median(times), "bytes": warm[label][-1][2]}
            for name, rounds in (("now", now), ("later", later)):
                seen = [r[label] for r in rounds]
                results[label].update({
                    f"{name}_s": statistics.median(x[0] for x in seen),
                    f"{name}_worst_s": max(x[0] for x in seen),
                    f"{name}_bytes": seen[-1][2],
                    f"{name}_status": max(x[1] for x in seen)})
        results["approval"] = {name: [r["approval"][0] for r in rounds]
                               for name, rounds in (("now", now), ("later", later))}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=10_000)
    parser.add_argument("--baseline", default="main", help="git ref of the code to compare with")
    parser.add_argument("--repeat", type=int, default=5, help="warm requests per page")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--rounds", type=int, default=3,
                        help="approvals measured for each kind of viewer")
    parser.add_argument("--viewer-delay", type=float, default=1.0,
                        help="seconds between an approval and a real viewer's request")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="seconds left between rounds for work in the background")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "tests"))
    import servers

    sys.modules["tests_servers"] = servers
    print(f"{args.photos} approved photos, SQLite, tablecloth serve defaults, {os.cpu_count()} "
          f"cores, load average {os.getloadavg()[0]:.1f} before the run", flush=True)
    sides = {}
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_baseline:
            base = checkout(args.baseline, Path(tmp) / "base-code")
            (Path(tmp) / "base").mkdir()
            sides[f"baseline ({args.baseline})"] = measure_side(
                "baseline", base, Path(tmp) / "base", args)
        (Path(tmp) / "ours").mkdir()
        sides["ours"] = measure_side("ours", ROOT, Path(tmp) / "ours", args)
    print(f"load average {os.getloadavg()[0]:.1f} after the run")
    later = f"{args.viewer_delay:g} s after approval"
    print(f"after an approval: median / worst of {args.rounds} approvals; \"{later}\" is a "
          f"viewer arriving {args.viewer_delay:g} s after the approval was answered, "
          f"\"at once\" one arriving the moment it was")
    header = (f"{'page':11} {'side':18} {'first view':>11} {'warm':>9} {'bytes':>10}   "
              f"{later:>22} {'at once after approval':>22} {'bytes':>10}")
    print(header)

    def pair(r: dict, name: str) -> str:
        text = f"{1000 * r[f'{name}_s']:.0f} / {1000 * r[f'{name}_worst_s']:.0f} ms"
        return text + ("" if r[f"{name}_status"] == 200 else f" ({r[f'{name}_status']})")

    for label in ("/cloth", "designer", "preview", "plan data", "plan region"):
        for side, results in sides.items():
            r = results[label]
            print(f"{label:11} {side:18} {1000 * r['first_s']:8.0f} ms {1000 * r['warm_s']:6.0f} ms"
                  f" {r['bytes']:10,d}   {pair(r, 'later'):>22} {pair(r, 'now'):>22}"
                  f" {r['now_bytes']:10,d}")
    for side, results in sides.items():
        approvals = results["approval"]["now"] + results["approval"]["later"]
        print(f"the approval itself ({side}): median {1000 * statistics.median(approvals):.0f} ms,"
              f" worst {1000 * max(approvals):.0f} ms (the form's POST and its redirect)")
    if len(sides) == 2:
        (bname, base), (_, ours) = sides.items()
        print(f"ratios, {bname} / ours (medians):")
        for label in ("/cloth", "designer", "preview", "plan data", "plan region"):
            b, o = base[label], ours[label]
            print(f"  {label:11} warm time {b['warm_s'] / o['warm_s']:6.1f}x   bytes "
                  f"{b['bytes'] / max(1, o['bytes']):7.1f}x   {later} "
                  f"{b['later_s'] / o['later_s']:6.1f}x   at once "
                  f"{b['now_s'] / o['now_s']:6.1f}x")
    print(json.dumps(sides))


if __name__ == "__main__":
    main()
