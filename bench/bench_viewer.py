"""Benchmark the photo page /P/CODE and /cloth under concurrent clients (DESIGN section 7).

Run: .venv/bin/python bench/bench_viewer.py [--clients 64] [--seconds 10] [--photos 500]
         [--setup sqlite|postgresql-s3|both] [--pages p,cloth] [--workers N] [--threads N]
Builds a site of approved photos on (a) the embedded default, SQLite + local uploads, and
(b) a throwaway PostgreSQL cluster + a moto S3 server (tests/servers.py), and serves each with
`tablecloth serve` (gunicorn). For the SQLite site, Flask's development server (one threaded
process, the obvious way to run a Flask app) is measured first as the baseline. The load comes
from `wrk` (apt-get install wrk) with --clients keep-alive connections on 2 threads asking for
random codes; without wrk, from an asyncio client in this process (slower: it may be the
bottleneck). Prints requests per second, p50 and p99 latency. Client and server share the
machine, as they would not in production, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
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


def make_site(folder: Path, photos: int, backend: dict[str, str] | None = None
              ) -> tuple[dict[str, str], list[str]]:
    """Create a database of approved photos; return the settings and the codes."""
    from tablecloth import codes, create_app, db
    from tablecloth.models import City, Photo, PhotoState, StoredFile

    env = {
        "TABLECLOTH_SECRET_KEY": "bench",
        "TABLECLOTH_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "TABLECLOTH_UPLOADS_DIR": str(folder / "uploads"),
        "TABLECLOTH_PUBLIC_BASE_URL": "https://tablecloth.example.org",
        **{f"TABLECLOTH_{key}": value for key, value in (backend or {}).items()},
    }
    app = create_app({key.removeprefix("TABLECLOTH_"): value for key, value in env.items()})
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
                photo.files.append(StoredFile(kind=kind, key=f"photos/{code}/{kind}.jpg",
                                              sha256=os.urandom(32).hex(), size=1,
                                              content_type="image/jpeg",
                                              width=width, height=width * 3 // 4))
            session.add(photo)
        session.commit()
    app.extensions["tablecloth.engine"].dispose()
    return env, issued


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    """Start a server process and wait until it answers /P/ at all."""
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
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


async def one_request(port: int, path: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\nAccept-Language: ru\r\n"
                 "Connection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    return int(data[9:12])


async def load(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    """Keep `clients` requests in flight for `seconds`; return throughput and latencies."""
    latencies: list[float] = []
    failures = 0
    end = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal failures
        while time.perf_counter() < end:
            started = time.perf_counter()
            try:
                status = await one_request(port, random.choice(paths))
            except OSError:
                status = 0
            if status != 200:
                failures += 1
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "failures": failures,
        "requests": len(latencies),
    }


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


def run_load(port: int, paths: list[str], clients: int, seconds: float) -> dict:
    if shutil.which("wrk"):
        return load_wrk(port, paths, clients, seconds)
    return asyncio.run(load(port, paths, clients, seconds))


def server_cpu_s(process: subprocess.Popen) -> tuple[float, set[str]]:
    """Return the CPU seconds used so far by the server's live processes and their ids."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, pids = 0, set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == process.pid:  # the process group: the server and its workers
            total += int(fields[11]) + int(fields[12])
            pids.add(stat.parent.name)
    return total / ticks, pids


def measure(name: str, command: list[str], env: dict[str, str], port: int,
            pages: dict[str, list[str]], args: argparse.Namespace) -> dict[str, dict]:
    """Start a server, load each page in turn, stop it; print and return the figures."""
    process = start(command, env, port)
    results = {}
    try:
        for page, paths in pages.items():
            run_load(port, paths, args.clients, 2.0)  # warm up: imports, caches, pools
            cpu_before, pids_before = server_cpu_s(process)
            result = run_load(port, paths, args.clients, args.seconds)
            cpu_after, pids_after = server_cpu_s(process)
            # CPU per request stays comparable on a busy machine, where requests/s do not;
            # a worker that was recycled meanwhile took its CPU time with it.
            cpu = (f"{1000 * (cpu_after - cpu_before) / result['requests']:4.2f} ms/request"
                   if pids_before == pids_after else "n/a (a worker was recycled)")
            results[page] = result
            print(f"{name:<42} {page:<8} {result['rps']:6.0f} req/s  "
                  f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                  f"server CPU {cpu}  ({result['requests']} "
                  f"requests, {result['failures']} failed or not 2xx)", flush=True)
    finally:
        stop(process)
    return results


def serve_command(port: int, args: argparse.Namespace) -> list[str]:
    command = [str(TABLECLOTH), "serve", "--port", str(port)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    if not args.access_log:
        command.append("--no-access-log")
    return command


def page_paths(codes: list[str], wanted: list[str]) -> dict[str, list[str]]:
    every = {"/P/CODE": [f"/P/{code}" for code in codes], "/cloth": ["/cloth"],
             "/healthz": ["/healthz"]}
    names = {"p": "/P/CODE", "cloth": "/cloth", "healthz": "/healthz"}
    return {names[name]: every[names[name]] for name in wanted}


def bench_sqlite(folder: Path, args: argparse.Namespace) -> None:
    env, codes = make_site(folder, args.photos)
    pages = page_paths(codes, args.pages)
    if args.baseline:
        port = free_port()
        measure("baseline: flask dev server, SQLite",
                [sys.executable, "-m", "flask", "--app", "tablecloth:create_app", "run",
                 "--port", str(port), "--with-threads", "--no-reload", "--no-debugger"],
                env, port, pages, args)
    port = free_port()
    measure("tablecloth serve, SQLite + local uploads", serve_command(port, args), env, port,
            pages, args)


def bench_postgresql_s3(folder: Path, args: argparse.Namespace) -> None:
    import servers

    for reason in (servers.postgres_missing(), servers.moto_missing()):
        if reason:
            print(f"PostgreSQL + S3 skipped: {reason}")
            return
    cluster = servers.PostgresCluster().start()
    moto = servers.MotoServer().start()
    try:
        backend = {"DATABASE_URL": cluster.create_database("bench"),
                   **moto.config(moto.create_bucket("bench"))}
        env, codes = make_site(folder, args.photos, backend)
        port = free_port()
        measure("tablecloth serve, PostgreSQL + S3 (moto)", serve_command(port, args), env,
                port, page_paths(codes, args.pages), args)
    finally:
        moto.stop()
        cluster.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--setup", choices=("sqlite", "postgresql-s3", "both"), default="both")
    parser.add_argument("--pages", default="p,cloth",
                        help="comma list of p (/P/CODE), cloth (/cloth), healthz")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: tablecloth serve's own default)")
    parser.add_argument("--threads", type=int, default=None,
                        help="threads per worker (default: tablecloth serve's own default)")
    parser.add_argument("--access-log", action="store_true",
                        help="keep serve's access log on (written to /dev/null)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false",
                        help="skip the Flask development server")
    args = parser.parse_args()
    args.pages = args.pages.split(",")
    load_tool = "wrk, 2 threads, keep-alive" if shutil.which("wrk") else "asyncio client"
    print(f"{args.clients} clients ({load_tool}), {args.seconds:g} s a page, {args.photos} "
          f"approved photos, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f} before the run", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        if args.setup in ("sqlite", "both"):
            (Path(folder) / "sqlite").mkdir()
            bench_sqlite(Path(folder) / "sqlite", args)
        if args.setup in ("postgresql-s3", "both"):
            (Path(folder) / "pg").mkdir()
            bench_postgresql_s3(Path(folder) / "pg", args)


if __name__ == "__main__":
    main()
