"""When the site itself fails: a full disk, a database that is down or locked, a bug.

Issue 10: each of these answered Werkzeug's bare English "500 Internal Server Error", also
on /P/CODE for people scanning the cloth, and /healthz said ok with the disk full.
"""

from __future__ import annotations

import errno
import sqlite3

import pytest
import servers
from helpers import EN, RU, fields, make_app, make_photo
from image_factory import generated_jpeg
from sqlalchemy import func, select

from tablecloth import context, db
from tablecloth.models import HealthProbe, Photo, PhotoState, StoredFile


class FullDisk:
    """A store whose disk fills up after `room` files: put raises ENOSPC, like a real one."""

    def __init__(self, store, room: int = 1) -> None:
        self._store = store
        self.room = room

    def put(self, key, data, content_type):
        if self.room <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= 1
        self._store.put(key, data, content_type)

    def __getattr__(self, name):
        return getattr(self._store, name)


def fill_disk(app, room: int = 1) -> None:
    app.extensions[context.STORE] = FullDisk(app.extensions[context.STORE], room)


def nothing_stored(app) -> bool:
    with app.app_context():
        rows = db.session().scalar(select(func.count()).select_from(Photo))
        files = db.session().scalar(select(func.count()).select_from(StoredFile))
        keys = list(context.store().keys("photos/"))
    return rows == 0 and files == 0 and keys == []


@pytest.fixture
def nocsrf(app):
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_full_disk_answers_the_form_with_a_translated_page(app, client, group, nocsrf):
    import io

    fill_disk(app, room=2)
    page = client.post("/upload", data={
        **fields(), "photos": (io.BytesIO(generated_jpeg(2)), "b.jpg")}, headers=RU)
    assert page.status_code == 503 and page.headers["Retry-After"]
    text = page.get_data(as_text=True)
    assert "Цифровая скатерть" in text and "Internal Server Error" not in text
    assert "Internal Server Error" not in text
    assert nothing_stored(app)


@pytest.fixture
def database_down(tmp_path):
    """An app whose PostgreSQL is not there (nothing listens on its port)."""
    url = f"postgresql+psycopg://nobody@127.0.0.1:{servers.free_port()}/gone?connect_timeout=2"
    app = make_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": url,
                    "UPLOADS_DIR": str(tmp_path / "uploads")}, tmp_path / "instance")
    yield app
    app.extensions["tablecloth.engine"].dispose()


def test_database_down_gives_scanners_a_kind_page_in_both_languages(database_down):
    page = database_down.test_client().get("/P/7K3QZ9", headers=RU)
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "Сайт не может" in text and "The site cannot take this right now" in text
    assert text.index("Сайт не может") < text.index("The site cannot take this right now")
    assert page.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in page.headers


def test_database_down_in_the_organiser_area_and_for_scripts(database_down):
    client = database_down.test_client()
    with client.session_transaction() as flask_session:
        flask_session["sid"] = "some session"
    page = client.get("/organiser/", headers=EN)
    assert page.status_code == 503
    assert "The site cannot take this right now" in page.get_data(as_text=True)
    status = client.get("/organiser/cloth/exports/1/status", headers=EN)
    assert status.status_code == 503
    assert status.get_json()["reason"] == "site_unavailable"


def test_a_bug_gives_a_branded_500(app, client, monkeypatch):
    from tablecloth.services import public

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production
    monkeypatch.setattr(public, "page", lambda *_args: 1 / 0)
    page = client.get("/P/7K3QZ9", headers=RU)
    assert page.status_code == 500
    text = page.get_data(as_text=True)
    assert "Что-то пошло не так" in text and "Something went wrong on our side" in text
    assert "Internal Server Error" not in text


def test_healthz_writes_and_reads_a_probe_row_and_file(client, app):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "storage": "ok"}
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(HealthProbe)) == 0
        assert list(context.store().keys("health/")) == []


def test_healthz_is_not_ready_with_the_disk_below_its_threshold(app, client):
    if app.config["STORAGE"] != "local":
        pytest.skip("a bucket has no disk of ours to fill")
    app.config["MIN_FREE_DISK_MB"] = 10**12  # more than any disk has: "full"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["storage"].startswith("error:") and "MB free, below" in body["storage"]


def test_healthz_is_not_ready_when_the_store_refuses_writes(app, client):
    fill_disk(app, room=0)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["storage"] == "error: OSError"


def test_healthz_is_not_ready_while_sqlite_refuses_writes(app, client):
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite"):
        pytest.skip("a SQLite file's lock")
    locker = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")  # holds the write lock, as a stuck writer would
        response = client.get("/healthz")
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    assert response.status_code == 503
    assert response.get_json()["database"].startswith("error")
    assert client.get("/healthz").status_code == 200


@pytest.mark.parametrize("state", [PhotoState.APPROVED])
def test_pages_still_work_normally(app, client, corpus, state):
    make_photo(app, corpus, state, code="7K3QZ9")
    assert client.get("/P/7K3QZ9").status_code == 200
