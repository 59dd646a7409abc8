"""Benchmark /P/CODE and its images against the ceiling: Flask "hello" and a static file.

Run: .venv/bin/python bench/bench_viewer.py [--clients 64] [--seconds 5] [--rounds 3]
         [--photos 500] [--setup sqlite|postgresql-s3|both] [--workers N] [--threads N]

In one run, all under the same gunicorn settings (`tablecloth serve`'s: cores + 1 workers of
4 threads, gthread, access log off):
- tablecloth: a site of approved photos on SQLite + local uploads (and, with --setup, on a
  throwaway PostgreSQL cluster + a moto S3 server), asked for random /P/CODE pages and for
  their thumbnails by the content-hashed URLs the pages link;
- Flask hello: a Flask app whose one view returns "Hello" (the framework's ceiling);
- static: a bare WSGI app sending a static copy of a photo page and of a thumbnail from
  disk (wsgi.file_wrapper: sendfile), the ceiling for a file.
The load comes from `wrk` (apt-get install wrk) with --clients keep-alive connections on 2
threads. The targets take turns for --rounds rounds (interleaved, so a busy spell of the
machine falls on all of them) and each figure is the median of the rounds. Besides requests
per second and p50/p99 latency it prints the servers' CPU time per request (from /proc).
Client and servers share the machine, as they would not in production: the figures are a
floor, the ratios are the point.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TABLECLOTH = ROOT / ".venv" / "bin" / "tablecloth"
sys.path.insert(0, str(ROOT / "tests"))

# wrk calls request() for each request and done() once; done() prints one line to parse.
WRK_SCRIPT = """
local paths = {%s}
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Accept-Language"] = "ru"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99),
    summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sample_jpegs() -> dict[str, bytes]:
    """Return a web copy and a thumbnail made from a corpus photo by the upload pipeline."""
    from tablecloth import images

    photo = (ROOT.parent / "shared" / "corpus" / "jpg_mobile_jolla.jpg").read_bytes()
    web, thumb = images.web_and_thumb(photo)
    return {"web": web.data, "thumb": thumb.data}


def make_site(folder: Path, photos: int, backend: dict[str, str] | None = None
              ) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Create a site of approved photos with real image files; return settings, codes and
    each kind's content-hashed URL suffix."""
    from tablecloth import codes, create_app, db
    from tablecloth.context import store
    from tablecloth.models import City, Photo, PhotoState, StoredFile

    env = {
        "TABLECLOTH_SECRET_KEY": "bench",
        "TABLECLOTH_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "TABLECLOTH_UPLOADS_DIR": str(folder / "uploads"),
        "TABLECLOTH_PUBLIC_BASE_URL": "https://tablecloth.example.org",
        **{f"TABLECLOTH_{key}": value for key, value in (backend or {}).items()},
    }
    app = create_app({key.removeprefix("TABLECLOTH_"): value for key, value in env.items()},
                     instance_path=folder / "instance", environ={})
    files = sample_jpegs()
    digests = {kind: hashlib.sha256(data).hexdigest() for kind, data in files.items()}
    issued: list[str] = []
    with app.app_context():
        db.upgrade()
        session = db.session()
        cities = session.query(City).all()
        while len(issued) < photos:
            code = codes.new_code()
            if code in issued:
                continue
            issued.append(code)
            photo = Photo(code=code, state=PhotoState.APPROVED, city=random.choice(cities),
                          first_name="Аня", caption="Мамаев курган на рассвете",
                          caption_language="ru", source_sha256=os.urandom(32).hex())
            for kind, width in (("web", 1600), ("thumb", 400)):
                key = f"photos/{code}/{kind}.jpg"
                store(app).put(key, files[kind], "image/jpeg")
                photo.files.append(StoredFile(kind=kind, key=key, sha256=digests[kind],
                                              size=len(files[kind]),
                                              content_type="image/jpeg",
                                              width=width, height=width * 3 // 4))
            session.add(photo)
        session.commit()
        client = app.test_client()
        page = client.get(f"/P/{issued[0]}", headers={"Accept-Language": "ru"}).data
    app.extensions["tablecloth.engine"].dispose()
    static = folder / "static"
    static.mkdir()
    (static / "page.html").write_bytes(page)
    (static / "thumb.jpg").write_bytes(files["thumb"])
    return env, issued, {kind: digest[:16] for kind, digest in digests.items()}


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    """Start a server process and wait until it answers /healthz at all."""
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return process
        except urllib.error.HTTPError:
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}") from None
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def load_wrk(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """Run wrk with keep-alive connections on 2 threads; return throughput and latencies."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths))
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{clients}", f"-d{seconds:g}s", "--timeout", "10s",
             "-s", script.name, f"http://127.0.0.1:{port}/"],
            check=True, capture_output=True, text=True).stdout
    finally:
        os.unlink(script.name)
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    requests, micros, p50, p99, failures = (int(n) for n in found.groups())
    return {"rps": requests / (micros / 1e6), "p50_ms": p50 / 1000, "p99_ms": p99 / 1000,
            "failures": failures, "requests": requests}


def server_cpu_s(process: subprocess.Popen) -> float:
    """Return the CPU seconds used so far by the server's processes (its process group)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == process.pid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


# --- the two ceilings, served by tablecloth's own gunicorn settings -------------------------


def hello_app():
    """Return a Flask app whose one view says hello: the framework's ceiling."""
    from flask import Flask

    app = Flask("hello")

    @app.get("/")
    def hello():
        return "Hello"

    app.add_url_rule("/healthz", "healthz", hello)
    return app


class StaticFiles:
    """A bare WSGI app sending files from one folder by sendfile: the ceiling for a file."""

    extensions: dict = {}  # what tablecloth.server.serve looks at

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.types = {".html": "text/html; charset=utf-8", ".jpg": "image/jpeg"}

    def __call__(self, environ, start_response):
        path = self.folder / environ["PATH_INFO"].lstrip("/")
        if not path.is_file():
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        size = path.stat().st_size
        start_response("200 OK", [("Content-Type", self.types.get(path.suffix, "text/plain")),
                                  ("Content-Length", str(size))])
        return environ["wsgi.file_wrapper"](path.open("rb"), 64 * 1024)


def serve_ceiling(kind: str, port: int, folder: str, workers: int, threads: int) -> None:
    """Serve hello or static with `tablecloth serve`'s own gunicorn settings."""
    from tablecloth.server import DEFAULT_THREADS, ServeOptions, serve

    app = hello_app() if kind == "hello" else StaticFiles(folder)
    serve(lambda: app, ServeOptions(port=port, workers=workers or None,
                                    threads=threads or DEFAULT_THREADS, access_log=False))


# --- the run --------------------------------------------------------------------------------


class Target:
    """One server and the paths asked of it."""

    def __init__(self, name: str, process: subprocess.Popen, port: int, paths: list[str]):
        self.name, self.process, self.port, self.paths = name, process, port, paths
        self.rounds: list[dict] = []

    def run(self, args: argparse.Namespace) -> None:
        before = server_cpu_s(self.process)
        result = load_wrk(self.port, self.paths, args.clients, args.seconds)
        result["cpu_ms"] = 1000 * (server_cpu_s(self.process) - before) / result["requests"]
        self.rounds.append(result)

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.rounds)


def run(args: argparse.Namespace) -> None:
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            targets = build_targets(folder, args, processes)
            for target in targets:  # warm up: imports, caches, pools
                load_wrk(target.port, target.paths, args.clients, 2.0)
            for number in range(args.rounds):
                for target in targets:
                    target.run(args)
                print(f"round {number + 1} of {args.rounds} done, load average "
                      f"{os.getloadavg()[0]:.1f}", flush=True)
        finally:
            for process in processes:
                stop(process)
    report(targets, args)


def build_targets(folder: Path, args: argparse.Namespace,
                  processes: list[subprocess.Popen]) -> list[Target]:
    (folder / "sqlite").mkdir()
    env, codes, digests = make_site(folder / "sqlite", args.photos)
    pages = [f"/P/{code}" for code in codes]
    thumbs = [f"/P/{code}/thumb.{digests['thumb']}.jpg" for code in codes]
    targets = []

    def launch(name: str, command: list[str], environ: dict, paths: list[str],
               port: int) -> Target:
        process = start(command, environ, port)
        processes.append(process)
        return Target(name, process, port, paths)

    for kind in ("hello", "static"):
        port = free_port()
        command = [sys.executable, __file__, "--serve", kind, str(port),
                   str(folder / "sqlite" / "static"), str(args.workers or 0),
                   str(args.threads or 0)]
        if kind == "hello":
            targets.append(launch("Flask hello", command, {}, ["/"], port))
        else:
            process = start(command, {}, port)
            processes.append(process)
            targets.append(Target("static page", process, port, ["/page.html"]))
            targets.append(Target("static thumbnail", process, port, ["/thumb.jpg"]))
    port = free_port()
    server = start(serve_command(port, args), env, port)
    processes.append(server)
    targets.append(Target("tablecloth /P/CODE (SQLite)", server, port, pages))
    targets.append(Target("tablecloth thumbnail (SQLite)", server, port, thumbs))
    if args.setup in ("postgresql-s3", "both"):
        targets += postgresql_targets(folder, args, processes)
    return targets


def postgresql_targets(folder: Path, args: argparse.Namespace,
                       processes: list[subprocess.Popen]) -> list[Target]:
    import servers

    for reason in (servers.postgres_missing(), servers.moto_missing()):
        if reason:
            print(f"PostgreSQL + S3 skipped: {reason}")
            return []
    cluster = servers.PostgresCluster().start()
    moto = servers.MotoServer().start()
    # Stopped with the servers: wrapped as processes-like objects would be overkill here.
    import atexit

    atexit.register(cluster.stop)
    atexit.register(moto.stop)
    backend = {"DATABASE_URL": cluster.create_database("bench"),
               **moto.config(moto.create_bucket("bench"))}
    (folder / "pg").mkdir()
    env, codes, digests = make_site(folder / "pg", args.photos, backend)
    port = free_port()
    server = start(serve_command(port, args), env, port)
    processes.append(server)
    return [Target("tablecloth /P/CODE (PostgreSQL + S3)", server, port,
                   [f"/P/{code}" for code in codes]),
            Target("tablecloth thumbnail (PostgreSQL + S3)", server, port,
                   [f"/P/{code}/thumb.{digests['thumb']}.jpg" for code in codes])]


def report(targets: list[Target], args: argparse.Namespace) -> None:
    print(f"\nmedians of {args.rounds} rounds of {args.seconds:g} s, {args.clients} clients:")
    print(f"{'target':42} {'req/s':>7} {'p50':>8} {'p99':>8} {'CPU/request':>12} {'failed':>7}")
    by_name = {t.name: t for t in targets}
    for t in targets:
        print(f"{t.name:42} {t.median('rps'):7.0f} {t.median('p50_ms'):6.1f}ms "
              f"{t.median('p99_ms'):6.1f}ms {t.median('cpu_ms'):9.2f} ms "
              f"{sum(r['failures'] for r in t.rounds):7d}")
    print("\nratios (medians of the per-round ratios):")

    def ratio(ours: str, ceiling: str) -> float:
        a, b = by_name[ours].rounds, by_name[ceiling].rounds
        return statistics.median(x["rps"] / y["rps"] for x, y in zip(a, b, strict=True))

    for setup in ("SQLite", "PostgreSQL + S3"):
        page, thumb = f"tablecloth /P/CODE ({setup})", f"tablecloth thumbnail ({setup})"
        if page not in by_name:
            continue
        print(f"  {setup}: /P/CODE / Flask hello {ratio(page, 'Flask hello'):.2f}   "
              f"/P/CODE / static page {ratio(page, 'static page'):.2f}   "
              f"thumbnail / static thumbnail {ratio(thumb, 'static thumbnail'):.2f}")


def serve_command(port: int, args: argparse.Namespace) -> list[str]:
    command = [str(TABLECLOTH), "serve", "--port", str(port), "--no-access-log"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    return command


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--setup", choices=("sqlite", "postgresql-s3", "both"),
                        default="sqlite")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: tablecloth serve's own default)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: tablecloth serve's own default)")
    parser.add_argument("--serve", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, port, folder, workers, threads = args.serve
        serve_ceiling(kind, int(port), folder, int(workers), int(threads))
        return
    if not shutil.which("wrk"):
        raise SystemExit("bench_viewer.py needs wrk: apt-get install wrk")
    print(f"{args.clients} clients (wrk, 2 threads, keep-alive), {args.photos} approved photos, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} before the run",
          flush=True)
    run(args)


if __name__ == "__main__":
    main()
