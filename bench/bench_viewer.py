"""Benchmark the photo page /P/CODE under concurrent clients (DESIGN section 7).

Run: .venv/bin/python bench/bench_viewer.py [--clients 64] [--seconds 10] [--photos 500]
Serves one SQLite database of approved photos twice, each in its own processes: with Flask's
development server (the obvious way to run a Flask app, one threaded process) as the baseline,
then with `tablecloth serve` (gunicorn, one worker per core and more). An asyncio client keeps
--clients requests in flight to random codes and prints requests per second, p50 and p99
latency for both, and the ratio. Client and server share the machine, as they would not in
production, so the figures are a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_site(folder: Path, photos: int) -> tuple[dict[str, str], list[str]]:
    """Create a database of approved photos; return the settings and the codes."""
    from tablecloth import codes, create_app, db
    from tablecloth.models import City, Photo, PhotoState, StoredFile

    env = {
        "TABLECLOTH_SECRET_KEY": "bench",
        "TABLECLOTH_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
        "TABLECLOTH_UPLOADS_DIR": str(folder / "uploads"),
        "TABLECLOTH_PUBLIC_BASE_URL": "https://tablecloth.example.org",
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


async def one_request(port: int, code: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /P/{code} HTTP/1.1\r\nHost: bench\r\nAccept-Language: ru\r\n"
                 "Connection: close\r\n\r\n".encode())
    await writer.drain()
    data = await reader.read()
    writer.close()
    return int(data[9:12])


async def load(port: int, codes: list[str], clients: int, seconds: float) -> dict:
    """Keep `clients` requests in flight for `seconds`; return throughput and latencies."""
    latencies: list[float] = []
    failures = 0
    end = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal failures
        while time.perf_counter() < end:
            started = time.perf_counter()
            try:
                status = await one_request(port, random.choice(codes))
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


def measure(name: str, command: list[str], env: dict[str, str], port: int, codes: list[str],
            args: argparse.Namespace) -> dict:
    process = start(command, env, port)
    try:
        asyncio.run(load(port, codes, args.clients, 2.0))  # warm up: imports, caches, pools
        result = asyncio.run(load(port, codes, args.clients, args.seconds))
    finally:
        stop(process)
    print(f"{name:<34} {result['rps']:8.0f} req/s   p50 {result['p50_ms']:6.1f} ms   "
          f"p99 {result['p99_ms']:6.1f} ms   ({result['requests']} requests, "
          f"{result['failures']} not 200)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--photos", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: tablecloth serve's own default)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env, codes = make_site(Path(folder), args.photos)
        print(f"{args.clients} clients, {args.seconds:g} s, {len(codes)} approved photos, "
              f"{os.cpu_count()} cores")
        port = free_port()
        baseline = measure(
            "baseline: flask development server",
            [sys.executable, "-m", "flask", "--app", "tablecloth:create_app", "run",
             "--port", str(port), "--with-threads", "--no-reload", "--no-debugger"],
            env, port, codes, args)
        port = free_port()
        workers = ["--workers", str(args.workers)] if args.workers else []
        ours = measure("ours: tablecloth serve (gunicorn)",
                       [str(TABLECLOTH), "serve", "--port", str(port), "--no-access-log",
                        *workers], env, port, codes, args)
    print(f"ratio: {ours['rps'] / baseline['rps']:.1f}x the requests per second, "
          f"p99 {baseline['p99_ms'] / ours['p99_ms']:.1f}x lower")


if __name__ == "__main__":
    main()
