"""Rate limits: the in-process store, the shared database store, and several live workers."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import servers
from sqlalchemy import func, select

from tablecloth import create_app, db
from tablecloth.models import RateLimitHit
from tablecloth.ratelimit import DatabaseLimiter, MemoryLimiter, make_limiter
from tablecloth.web import limits

TABLECLOTH = Path(sys.executable).with_name("tablecloth")
PASSWORD = "a long enough password"


def _limiters(app, kind: str, now: list[float]):
    if kind == "memory":
        return MemoryLimiter(clock=lambda: now[0])
    return DatabaseLimiter(app.extensions["tablecloth.engine"], clock=lambda: now[0])


@pytest.mark.parametrize("kind", ["memory", "database"])
def test_window_slides_and_reset_forgets(app, kind):
    now = [1_700_000_000.0]
    limiter = _limiters(app, kind, now)
    assert limiter.retry_after("k", 2, 60) == 0
    assert limiter.hit("k", 2, 60)
    now[0] += 10
    assert limiter.hit("k", 2, 60)
    assert limiter.retry_after("k", 2, 60) == pytest.approx(50)
    assert not limiter.hit("k", 2, 60)
    assert limiter.retry_after("other", 2, 60) == 0  # keys are separate
    now[0] += 50  # the first event leaves the window, two remain: still blocked
    assert limiter.retry_after("k", 2, 60) == pytest.approx(10)
    now[0] += 10
    assert limiter.retry_after("k", 2, 60) == 0
    assert limiter.hit("k", 2, 60)
    limiter.reset("k")
    assert limiter.hit("k", 1, 60)
    assert not limiter.hit("k", 1, 60)


@pytest.mark.parametrize("kind", ["memory", "database"])
def test_refused_hits_keep_counting_but_are_capped(app, kind):
    now = [1_700_000_000.0]
    limiter = _limiters(app, kind, now)
    answers = [limiter.hit("spam", 3, 100) for _ in range(50)]
    assert answers == [True] * 3 + [False] * 47
    now[0] += 99  # the latest hit is 99 s old: blocked for 1 s more
    assert limiter.retry_after("spam", 3, 100) == pytest.approx(1)
    if kind == "database":
        with app.app_context():
            count = db.session().scalar(select(func.count()).select_from(RateLimitHit))
        assert count == 4  # limit + 1 rows kept, not fifty


def test_database_store_drops_rows_outside_the_window(app):
    now = [1_700_000_000.0]
    limiter = _limiters(app, "database", now)
    for _ in range(3):
        limiter.hit("old", 5, 60)
    now[0] += 61
    assert limiter.hit("old", 5, 60)
    with app.app_context():
        ats = db.session().scalars(select(RateLimitHit.at)).all()
    assert ats == [now[0]]


def test_setting_chooses_the_store(tmp_path, backend_settings):
    for storage, kind in (("memory", MemoryLimiter), ("database", DatabaseLimiter)):
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_STORAGE": storage,
                          **backend_settings})
        with app.app_context():
            db.upgrade()
            store = limits.limiter()
            assert isinstance(store, kind) and limits.limiter() is store  # one per app
            assert store.hit("k", 1, 60)
            assert not store.hit("k", 1, 60)
            store.reset("k")
            assert store.retry_after("k", 1, 60) == 0
        app.extensions["tablecloth.engine"].dispose()


def test_make_limiter_needs_no_app(app):
    engine = app.extensions["tablecloth.engine"]
    assert isinstance(make_limiter({}, engine), MemoryLimiter)
    assert isinstance(make_limiter({"RATELIMIT_STORAGE": "database"}, engine), DatabaseLimiter)


def _hits_in_a_process(url: str, count: int) -> list[bool]:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url})
    limiter = DatabaseLimiter(app.extensions["tablecloth.engine"])
    try:
        return [limiter.hit("shared", 7, 3600) for _ in range(count)]
    finally:
        app.extensions["tablecloth.engine"].dispose()


def test_database_store_never_admits_more_than_the_limit_across_processes(app):
    url = app.config["DATABASE_URL"]
    with ProcessPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(_hits_in_a_process, [url] * 3, [10] * 3))
    admitted = sum(sum(answers) for answers in results)
    # A race may refuse one too many, never admit one too many.
    assert 6 <= admitted <= 7, results


def _environ(settings: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLECLOTH_")}
    env.update({f"TABLECLOTH_{k}": str(v) for k, v in settings.items()})
    env["TABLECLOTH_SECRET_KEY"] = "ratelimit-test-secret"
    env["TABLECLOTH_PUBLIC_BASE_URL"] = "https://tablecloth.example.org"
    return env


def _request(port: int, method: str, path: str, body: str = "", cookie: str = ""):
    """Send one request over a new connection; return status, Set-Cookie and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        connection.close()


def test_failed_logins_are_refused_at_the_limit_whichever_worker_answers(
    backend_settings, tmp_path
):
    limit = 4
    env = _environ({**backend_settings, "RATELIMIT_STORAGE": "database",
                    "LOGIN_RATE_LIMIT": limit})
    subprocess.run([str(TABLECLOTH), "init-db"], env=env, check=True, capture_output=True)
    subprocess.run([str(TABLECLOTH), "create-organiser", "boss@example.org", "--password-stdin"],
                   env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    port = servers.free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(TABLECLOTH), "serve", "--port", str(port), "--workers", "3"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            servers.wait_for_http(f"http://127.0.0.1:{port}/healthz", process=process)
            statuses = []
            for _ in range(limit + 3):
                _, set_cookie, page = _request(port, "GET", "/organiser/login")
                token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1)
                cookie = set_cookie.split(";")[0]
                body = f"email=boss%40example.org&password=wrong&csrf_token={token.decode()}"
                status, _, _ = _request(port, "POST", "/organiser/login", body, cookie)
                statuses.append(status)
            # The right password is refused too while the limit holds.
            body = (f"email=boss%40example.org&password={PASSWORD.replace(' ', '+')}"
                    f"&csrf_token={token.decode()}")
            right, _, _ = _request(port, "POST", "/organiser/login", body, cookie)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)
    assert statuses == [401] * limit + [429] * 3, statuses
    assert right == 429
    assert log_path.read_text(errors="replace").count("Booting worker") == 3
    app = create_app({"TESTING": True, "SECRET_KEY": "x", **backend_settings})
    with app.app_context():
        keys = set(db.session().scalars(select(RateLimitHit.key)))
    app.extensions["tablecloth.engine"].dispose()
    assert keys == {"login:127.0.0.1:boss@example.org"}
