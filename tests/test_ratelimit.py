"""Rate limits: the in-process store, the shared database store, and several live workers."""

from __future__ import annotations

import http.client
import re
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest
import servers
from helpers import make_app
from sqlalchemy import func, select

from tablecloth import db
from tablecloth.models import RateLimitHit
from tablecloth.ratelimit import DatabaseLimiter, HashedKeys, MemoryLimiter, make_limiter
from tablecloth.web import limits

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


@pytest.mark.parametrize(("setting", "processes", "kind"), [
    ("auto", 1, MemoryLimiter), ("auto", 3, DatabaseLimiter), ("memory", 3, MemoryLimiter),
    ("database", 1, DatabaseLimiter)])
def test_setting_chooses_the_store(tmp_path, backend_settings, setting, processes, kind):
    app = make_app({"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_STORAGE": setting,
                    **backend_settings}, tmp_path / "instance")
    limits.init_app(app, processes=processes)
    with app.app_context():
        store = limits.limiter()
        assert isinstance(store, HashedKeys) and isinstance(store.store, kind)
        assert limits.limiter() is store  # one per app
        assert store.hit("k", 1, 60)
        assert not store.hit("k", 1, 60)
        store.reset("k")
        assert store.retry_after("k", 1, 60) == 0
    app.extensions["tablecloth.engine"].dispose()


def test_make_limiter_needs_no_app(app):
    engine = app.extensions["tablecloth.engine"]
    assert isinstance(make_limiter({}, engine).store, MemoryLimiter)
    assert isinstance(make_limiter({}, engine, processes=2).store, DatabaseLimiter)
    assert isinstance(make_limiter({"RATELIMIT_STORAGE": "database"}, engine).store,
                      DatabaseLimiter)


def test_keys_are_stored_as_a_keyed_hash_never_an_address(app):
    limiter = make_limiter({"RATELIMIT_STORAGE": "database", "SECRET_KEY": "one"},
                           app.extensions["tablecloth.engine"])
    limiter.hit("upload-invite:203.0.113.9", 5, 60)
    with app.app_context():
        [key] = db.session().scalars(select(RateLimitHit.key)).all()
    assert "203.0.113.9" not in key
    assert re.fullmatch(r"upload-invite:[0-9a-f]{40}", key)
    other = make_limiter({"SECRET_KEY": "two"}, app.extensions["tablecloth.engine"])
    assert other.hashed("upload-invite:203.0.113.9") != key  # a different site's key differs


def test_database_store_prunes_old_rows_of_every_key_every_ten_minutes(app):
    from tablecloth.ratelimit import PRUNE_AFTER_S, PRUNE_EVERY_S

    now = [1_700_000_000.0]
    limiter = _limiters(app, "database", now)
    limiter.hit("abandoned", 5, 60)
    now[0] += PRUNE_AFTER_S + 1
    limiter.hit("busy", 5, 60)  # the first hit of this process sweeps
    with app.app_context():
        assert set(db.session().scalars(select(RateLimitHit.key))) == {"busy"}
    limiter.hit("left", 5, 60)
    now[0] += PRUNE_AFTER_S + 1
    limiter.hit("busy", 5, 60)  # more than ten minutes since the last sweep
    with app.app_context():
        assert set(db.session().scalars(select(RateLimitHit.key))) == {"busy"}
    assert PRUNE_EVERY_S == 600


def test_cancel_gives_back_one_hit(app):
    for kind in ("memory", "database"):
        limiter = _limiters(app, kind, [1_700_000_000.0])
        assert limiter.hit(kind, 1, 60)
        limiter.cancel(kind)
        assert limiter.hit(kind, 1, 60)
        assert not limiter.hit(kind, 1, 60)


def _hits_in_a_process(url: str, count: int) -> list[bool]:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    limiter = DatabaseLimiter(engine)
    try:
        return [limiter.hit("shared", 7, 3600) for _ in range(count)]
    finally:
        engine.dispose()


def test_database_store_admits_exactly_the_limit_across_processes(app):
    url = app.config["DATABASE_URL"]
    with ProcessPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(_hits_in_a_process, [url] * 3, [10] * 3))
    admitted = sum(sum(answers) for answers in results)
    assert admitted == 7, results


def _request(port: int, method: str, path: str, body: str = "", cookie: str = ""):
    """Send one request over a new connection; return status, Set-Cookie and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        connection.close()


def _form(port: int, path: str) -> tuple[str, str]:
    _, set_cookie, page = _request(port, "GET", path)
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    return token, set_cookie.split(";")[0]


def test_limits_are_exact_under_tablecloth_serve_defaults(backend_settings, tmp_path):
    """Default settings, default workers: every worker counts the same log-ins and guesses."""
    site = servers.LiveSite(backend_settings, tmp_path / "serve.log")
    site.run("create-organiser", "boss@example.org", "--password-stdin", stdin=PASSWORD + "\n")
    with site:
        statuses = []
        for _ in range(25):  # one new connection each: they spread over the workers
            token, cookie = _form(site.port, "/organiser/login")
            body = f"email=boss%40example.org&password=wrong&csrf_token={token}"
            statuses.append(_request(site.port, "POST", "/organiser/login", body, cookie)[0])
        # The right password is refused too while the limit holds.
        body = f"email=boss%40example.org&password={PASSWORD.replace(' ', '+')}&csrf_token={token}"
        right = _request(site.port, "POST", "/organiser/login", body, cookie)[0]

        # Forty wrong invite codes at the same moment, from one address (the page's look-up).
        start = threading.Barrier(40)

        def guess(number: int) -> int:
            start.wait(timeout=60)
            return _request(site.port, "GET", f"/upload/group?code=COV-{number:08d}")[0]

        with ThreadPoolExecutor(max_workers=40) as pool:
            guesses = list(pool.map(guess, range(40)))
    workers = site.log().count("Booting worker")
    assert workers == servers.default_workers() and workers >= 2, site.log()
    assert statuses == [401] * 10 + [429] * 15, statuses
    assert right == 429
    assert sorted(guesses) == [200] * 20 + [429] * 20, guesses  # 200: {"ok": false}

    app = make_app({"TESTING": True, "SECRET_KEY": "x", **backend_settings}, tmp_path / "check")
    with app.app_context():
        keys = set(db.session().scalars(select(RateLimitHit.key)))
    app.extensions["tablecloth.engine"].dispose()
    assert {key.split(":")[0] for key in keys} == {"login", "upload-invite"}
    assert not any("127.0.0.1" in key or "boss" in key for key in keys), keys
