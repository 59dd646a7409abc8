"""The photo pages' fast path (web/fast_pages.py) keeps issue 10's promises.

Repeat views of /P/CODE and its content-hashed images are answered before Flask, from the
answer Flask made. The security headers must ride along; a withdrawal (or a hide) by any
caller of the state machine must be seen at once, because its conditional UPDATE bumps the
photo's version; and a database that is down must still get the branded, translated 503,
never a bare 500 from below Flask.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from flask import request_started
from helpers import EN, RU, fetch, make_photo
from sqlalchemy import select

from tablecloth import codes, db
from tablecloth.context import site
from tablecloth.models import Photo, PhotoState
from tablecloth.services import moderation, reports, withdrawals

SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "X-Frame-Options")


@pytest.fixture
def through_flask(app):
    """Record the paths Flask itself handled (the fast path never enters Flask)."""
    paths: list[str] = []

    def record(_sender, **_extra):
        from flask import request

        paths.append(request.path)

    request_started.connect(record, app)
    yield paths
    request_started.disconnect(record, app)


def _photo(code: str) -> Photo:
    return site().db.scalars(select(Photo).where(Photo.code == code)).one()


def _thumb_url(html: str) -> str:
    return re.search(r'/P/[0-9A-Z]{6}/thumb\.[0-9a-f]{16}\.jpg', html).group(0)


def test_fast_path_answers_carry_the_security_headers(app, client, corpus, through_flask):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    first = client.get(f"/P/{code}", headers=EN)
    image_url = _thumb_url(first.get_data(as_text=True))
    first_image = fetch(client, image_url)
    through_flask.clear()
    page = client.get(f"/P/{code}", headers=EN)
    image = fetch(client, image_url)
    revisit = client.get(f"/P/{code}", headers={**EN, "If-None-Match": page.headers["ETag"]})
    assert page.status_code == 200 and image.status_code == 200 and revisit.status_code == 304
    # The page (and its 304) came from the fast path, and so did the image from a folder.
    local = app.config["STORAGE"] == "local"
    assert through_flask == ([] if local else [image_url])
    for answer, made_by_flask in ((page, first), (revisit, first), (image, first_image)):
        for name in SECURITY_HEADERS:
            assert answer.headers.get(name) == made_by_flask.headers[name], name
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


def _participant_withdraws(code: str) -> None:
    token = codes.new_token()
    _photo(code).withdraw_token_hash = codes.hash_token(token)
    db.session().commit()
    assert withdrawals.withdraw_by_token(site(), token) is not None


def _organiser_withdraws(code: str) -> None:
    moderation.withdraw(site(), _photo(code))


def _organiser_hides(code: str) -> None:
    reports.hide(site(), _photo(code))


@pytest.mark.parametrize("change", [_participant_withdraws, _organiser_withdraws,
                                    _organiser_hides])
def test_a_change_of_state_reaches_held_pages_and_images_at_once(app, client, corpus, change,
                                                                  through_flask):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    held = {}
    for headers in (EN, RU):
        for _ in range(2):  # the second answer is the held copy
            held[headers["Accept-Language"]] = client.get(f"/P/{code}", headers=headers)
    image_url = _thumb_url(held["en"].get_data(as_text=True))
    for _ in range(2):
        assert fetch(client, image_url).status_code == 200
    with app.app_context():
        version = _photo(code).version
        change(code)
        db.session().expire_all()
        assert _photo(code).version > version  # the conditional UPDATE bumped it
    through_flask.clear()
    for language, before in held.items():
        headers = {"Accept-Language": language}
        again = client.get(f"/P/{code}",
                           headers={**headers, "If-None-Match": before.headers["ETag"]})
        assert again.status_code == 410, language
        assert not re.search(r"\.[0-9a-f]{16}\.jpg", again.get_data(as_text=True))
        assert client.get(f"/P/{code}", headers=headers).status_code == 410
    assert fetch(client, image_url).status_code == 410
    # Every one of these answers was Flask's, made from the new state: none was a held copy.
    assert len(through_flask) == 5


def _take_the_database_down(app, request) -> None:
    """Make the app's database refuse every new connection, as a real outage would."""
    engine = app.extensions["tablecloth.engine"]
    url = engine.url
    engine.dispose()
    if url.get_backend_name() == "sqlite":
        path = Path(url.database)
        for leftover in (path, path.with_name(path.name + "-wal"),
                         path.with_name(path.name + "-shm")):
            if leftover.exists():
                leftover.unlink()
        path.mkdir()  # a folder where the file was: "unable to open database file"
        request.addfinalizer(lambda: shutil.rmtree(path, ignore_errors=True))
    else:
        cluster = request.getfixturevalue("pg_cluster")
        cluster.execute(f"ALTER DATABASE {url.database} ALLOW_CONNECTIONS false")
        cluster.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        f"WHERE datname = '{url.database}' AND pid <> pg_backend_pid()")
    engine.dispose()


def test_a_held_page_still_gets_the_branded_503_with_the_database_down(
        app, client, corpus, request):
    if os.environ.get("TABLECLOTH_TEST_DATABASE_URL"):
        pytest.skip("never take a shared database down")
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    for _ in range(2):
        page = client.get(f"/P/{code}", headers=RU)
    image_url = _thumb_url(page.get_data(as_text=True))
    for _ in range(2):
        assert fetch(client, image_url).status_code == 200
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    _take_the_database_down(app, request)
    for path in (f"/P/{code}", image_url):
        down = client.get(path, headers=RU)
        assert down.status_code == 503, path
        text = down.get_data(as_text=True)
        assert "Internal Server Error" not in text
        assert down.headers["Retry-After"] and down.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in down.headers["Content-Security-Policy"]
    text = client.get(f"/P/{code}", headers=RU).get_data(as_text=True)
    assert "Сайт не может" in text and "The site cannot take this right now" in text
