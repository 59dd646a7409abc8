"""A participant's withdrawal always wins: sent at the same moment as an organiser's approve,
hide or restore, through a live `tablecloth serve` with its default workers.

Issue 10: an approve arriving with the withdrawal ended `state=approved` with `withdrawn_at`
set (public again) in 9 of 20 trials on SQLite, 5 of 20 on PostgreSQL, and one photo
collected 5 `photo.withdraw` entries. Each trial here sends two withdrawals (a double tap)
and the organiser's action together, from threads waiting on one barrier.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import servers
from helpers import ORGANISER_EMAIL, ORGANISER_PASSWORD, make_app, quick_hash
from sqlalchemy import func, select

from tablecloth import codes, db
from tablecloth.models import AuditEntry, City, Organiser, Photo, PhotoState, Role, utcnow
from tablecloth.services import public

TRIALS = 50
AT_ONCE = 5  # trials raced side by side, so workers and threads really overlap
KINDS = ("approve", "hide", "restore")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _seed(settings: dict, instance) -> dict[str, list[tuple[str, str]]]:
    """Add an admin and, per kind, TRIALS photos in the state that kind acts on."""
    app = make_app({"TESTING": True, "SECRET_KEY": "x", **settings}, instance)
    made: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    try:
        with app.app_context():
            session = db.session()
            session.add(Organiser(email=ORGANISER_EMAIL, role=Role.ADMIN,
                                  password_hash=quick_hash(ORGANISER_PASSWORD)))
            city = session.scalars(select(City).where(City.slug == "coventry")).one()
            taken: set[str] = set()
            for kind in KINDS:
                for number in range(TRIALS):
                    code = codes.new_code()
                    while code in taken:
                        code = codes.new_code()
                    taken.add(code)
                    token = codes.new_token()
                    state = PhotoState.PENDING if kind == "approve" else PhotoState.APPROVED
                    session.add(Photo(
                        code=code, state=state, city=city, first_name="Anya",
                        source_sha256=codes.hash_token(f"{kind}-{number}"), consent_self=True,
                        withdraw_token_hash=codes.hash_token(token),
                        hidden_at=utcnow() if kind == "restore" else None))
                    made[kind].append((code, token))
            session.commit()
    finally:
        app.extensions["tablecloth.engine"].dispose()
    return made


def _token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=60)
    assert page.status_code == 200, (url, page.status_code)
    return CSRF.search(page.text).group(1)


def _organiser(base: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = _token(browser, base + "/organiser/login")
    answer = browser.post(base + "/organiser/login", allow_redirects=False, timeout=60,
                          data={"email": ORGANISER_EMAIL, "password": ORGANISER_PASSWORD,
                                "csrf_token": token})
    assert answer.status_code == 302, answer.text
    return browser, _token(browser, base + "/organiser/groups")


def _trial(base: str, kind: str, code: str, token: str, organiser: requests.Session,
           organiser_csrf: str) -> list[int]:
    """Send two withdrawals and the organiser's action at the same moment; return statuses."""
    participants = []
    for _ in range(2):
        browser = requests.Session()
        participants.append((browser, _token(browser, f"{base}/upload/withdraw/{token}")))
    start = threading.Barrier(3)

    def withdraw(number: int) -> int:
        browser, csrf = participants[number]
        start.wait(timeout=60)
        return browser.post(f"{base}/upload/withdraw/{token}", data={"csrf_token": csrf},
                            allow_redirects=False, timeout=60).status_code

    def act(_number: int) -> int:
        if kind == "approve":
            url, data = base + "/organiser/moderation", {"action": "approve", "code": code}
        else:
            url, data = f"{base}/organiser/photos/{code}/{kind}", {}
        start.wait(timeout=60)
        return organiser.post(url, data={**data, "csrf_token": organiser_csrf},
                              allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=3) as pool:
        jobs = [pool.submit(withdraw, 0), pool.submit(withdraw, 1), pool.submit(act, 2)]
        return [job.result() for job in jobs]


def test_withdrawal_beats_approve_hide_and_restore_sent_at_the_same_moment(
    backend_settings, tmp_path
):
    made = _seed(backend_settings, tmp_path / "seed")
    site = servers.LiveSite(backend_settings, tmp_path / "serve.log")  # default workers
    with site:
        organiser, organiser_csrf = _organiser(site.base)
        statuses = []
        with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
            for kind in KINDS:
                statuses += pool.map(
                    lambda pair, kind=kind: _trial(site.base, kind, *pair, organiser,
                                                   organiser_csrf),
                    made[kind])
        pages = {code: requests.get(f"{site.base}/P/{code}", timeout=60).status_code
                 for kind in KINDS for code, _token in made[kind]}
    log = site.log()
    assert log.count("Booting worker") >= 2, log  # really several processes
    assert all(status < 500 for trial in statuses for status in trial), (statuses, log[-3000:])

    check = make_app({"TESTING": True, "SECRET_KEY": "x", **backend_settings},
                     tmp_path / "check")
    try:
        with check.app_context():
            session = db.session()
            photos = {p.code: p for p in session.scalars(select(Photo))}
            withdrawals = dict(session.execute(
                select(AuditEntry.target, func.count(AuditEntry.id))
                .where(AuditEntry.action == "photo.withdraw").group_by(AuditEntry.target)).all())
    finally:
        check.extensions["tablecloth.engine"].dispose()

    public_again = {code: (photos[code].state.value, str(photos[code].hidden_at))
                    for code in pages if public.standing(photos[code]) != public.WITHDRAWN}
    assert public_again == {}, "withdrawn photos shown again"
    assert all(photos[code].withdrawn_at is not None for code in pages)
    assert {code: status for code, status in pages.items() if status != 410} == {}
    assert {code: withdrawals.get(code, 0) for code in pages
            if withdrawals.get(code, 0) != 1} == {}, "not one photo.withdraw entry per photo"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # requests honours *_proxy variables; the live server is on the loopback address.
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
