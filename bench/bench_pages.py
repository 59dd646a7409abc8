"""Benchmark the cloth's pages on a 10,000-photo site: before (a git ref) and ours, one run.

Run: .venv/bin/python bench/bench_pages.py [--photos 10000] [--baseline REF] [--repeat 5]

For each side it builds a site of approved photos on SQLite (straight into the database:
rows only, no image files), a cloth that holds them (1 mm modules, 4.5 m square), and serves
it with `tablecloth serve` from that side's code (the baseline from `git archive REF`, default
main). It prints the time and bytes of /cloth, the designer, its preview and its plan data:
the first view (the server just started: nothing computed yet), warm (median of --repeat),
and the first view after an organiser approves one more photo (through the moderation form),
which each side must take into account. Time is the client's wall clock over HTTP on the
same machine; the load average is printed with it.
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


def populate(url: str, photos: int) -> str:
    """Fill the database with approved photos, one pending, an organiser and a cloth.

    Works on either side's schema (columns are read from the database). Returns the
    pending photo's code.
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
    codes = scale_codes(photos + 1)
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
                                         enumerate(codes[:-1])])
        db.execute(insert(t["photos"]), [row(photos, codes[-1], "pending")])
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
    return codes[-1]


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


def measure_side(name: str, code: Path, folder: Path, args) -> dict:
    from tests_servers import free_port

    env = _env(code, folder)
    subprocess.run([sys.executable, "-c", SERVE, "init-db"], env=env, cwd=code, check=True,
                   capture_output=True)
    pending = populate(env["TABLECLOTH_DATABASE_URL"], args.photos)
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
        client.post("/organiser/moderation",
                    {"action": "approve", "code": pending})
        after = {}
        # /cloth first: the first request after the approval pays for whatever the change
        # costs (ours: the stored selection and outline, computed again once).
        for label in ("/cloth", "designer", "preview", "plan data", "plan region"):
            after[label] = client.get(pages[label])
        for label in pages:
            times = [w[0] for w in warm[label]]
            results[label] = {"first_s": first[label][0], "first_status": first[label][1],
                              "warm_s": statistics.median(times), "bytes": warm[label][-1][2],
                              "after_s": after[label][0], "after_bytes": after[label][2],
                              "after_status": after[label][1]}
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
    header = (f"{'page':11} {'side':18} {'first view':>11} {'warm':>9} {'bytes':>10}   "
              f"{'after an approval':>17} {'bytes':>10}")
    print(header)
    for label in ("/cloth", "designer", "preview", "plan data", "plan region"):
        for side, results in sides.items():
            r = results[label]
            print(f"{label:11} {side:18} {1000 * r['first_s']:8.0f} ms {1000 * r['warm_s']:6.0f} ms"
                  f" {r['bytes']:10,d}   {1000 * r['after_s']:14.0f} ms {r['after_bytes']:10,d}"
                  + ("" if r["after_status"] == 200 else f" (status {r['after_status']})"))
    if len(sides) == 2:
        (bname, base), (_, ours) = sides.items()
        print(f"ratios, {bname} / ours:")
        for label in ("/cloth", "designer", "preview", "plan data", "plan region"):
            b, o = base[label], ours[label]
            print(f"  {label:11} warm time {b['warm_s'] / o['warm_s']:6.1f}x   bytes "
                  f"{b['bytes'] / max(1, o['bytes']):7.1f}x   after an approval "
                  f"{b['after_s'] / o['after_s']:6.1f}x")
    print(json.dumps(sides))


if __name__ == "__main__":
    main()
