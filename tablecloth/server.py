"""The production server: gunicorn workers around one preloaded app, stopped gracefully."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from gunicorn.glogging import Logger

from .redact import redact

# More workers than this on one machine mostly adds memory and database connections.
MAX_DEFAULT_WORKERS = 9
# Threads per worker by default. Measured with bench/bench_viewer.py on 2 cores, /P/CODE:
# gthread workers (which keep connections alive) spent about 10 % less CPU a request than
# sync workers (one new connection a request), and cores + 1 workers x 4 threads served as
# much as 2 x cores + 1 sync workers; the page's own Python, not the server, is the limit.
DEFAULT_THREADS = 4


class RedactingLogger(Logger):
    """gunicorn's logger with every private token cut out of the access log's lines."""

    def atoms(self, resp, req, environ, request_time):
        found = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f", "{referer}i"):
            if key in found:
                found[key] = redact(found[key])
        return found


def default_workers() -> int:
    """Return cores + 1 workers (each with DEFAULT_THREADS threads), capped."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min((cores or 1) + 1, MAX_DEFAULT_WORKERS)


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int | None = None
    threads: int = DEFAULT_THREADS
    timeout_s: int = 60
    graceful_timeout_s: int = 30
    access_log: bool = True


def serve(make_app: Callable[[], Flask], options: ServeOptions) -> None:
    """Run gunicorn in this process until it is stopped (SIGTERM/SIGINT: finish requests, exit)."""
    from gunicorn.app.base import BaseApplication

    workers = options.workers or default_workers()
    # A fresh app, not the CLI's: the CLI's has an app context pushed, and a worker that
    # inherited it would share one `g` (and one database session) across all its requests.
    app = make_app()
    # Rate limits must be counted in one place once several processes serve (RATELIMIT_STORAGE
    # "auto"); imported here so that the server module does not load the web layer early.
    from .web import limits

    limits.init_app(app, processes=workers)

    def post_fork(_server, _worker) -> None:
        # The app was built before forking; never share the parent's pooled connections.
        engine = app.extensions.get("tablecloth.engine")
        if engine is not None:
            engine.dispose(close=False)

    settings = {
        "bind": f"{options.host}:{options.port}",
        "workers": workers,
        # Threads let a worker keep serving while one request streams a large file or waits
        # on the bucket, and gthread keeps connections alive (sync workers close each one).
        "threads": options.threads,
        "worker_class": "gthread" if options.threads > 1 else "sync",
        "timeout": options.timeout_s,
        "graceful_timeout": options.graceful_timeout_s,
        "keepalive": 5,
        # Recycle workers now and then so a slow leak cannot grow without bound; not too
        # often: at 1,000 requests/s over 3 workers, 5,000 meant a restart every 15 s, each
        # losing its warm caches (compiled templates, the /cloth outline).
        "max_requests": 50_000,
        "max_requests_jitter": 5_000,
        "preload_app": True,
        "accesslog": "-" if options.access_log else None,
        "logger_class": RedactingLogger,
        "errorlog": "-",
        "post_fork": post_fork,
        "proc_name": "tablecloth",
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    Server().run()
