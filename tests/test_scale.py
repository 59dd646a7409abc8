"""Beyond one machine: the production server, /healthz, and moving a site to PostgreSQL + S3."""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import urllib.request
from datetime import UTC
from pathlib import Path

import pytest
import servers
from helpers import cli_runner, tus_metadata
from PIL import Image
from sqlalchemy import select

from tablecloth import context, create_app, db
from tablecloth.models import City, Photo, PhotoState, StoredFile

TABLECLOTH = Path(sys.executable).with_name("tablecloth")


def _environ(settings: dict, tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLECLOTH_")}
    env.update({f"TABLECLOTH_{k}": str(v) for k, v in settings.items()})
    env["TABLECLOTH_SECRET_KEY"] = "serve-test-secret"
    env["TABLECLOTH_PUBLIC_BASE_URL"] = "https://tablecloth.example.org"
    return env


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_answers_health_and_pages_then_stops_gracefully(backend_settings, tmp_path):
    env = _environ(backend_settings, tmp_path)
    subprocess.run([str(TABLECLOTH), "init-db"], env=env, check=True, capture_output=True)
    port = servers.free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(TABLECLOTH), "serve", "--port", str(port), "--workers", "2",
             "--graceful-timeout", "5"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            servers.wait_for_http(base + "/healthz", process=process)
            status, body = _get(base + "/healthz")
            assert status == 200, body
            assert json.loads(body) == {"status": "ok", "database": "ok", "storage": "ok"}
            status, body = _get(base + "/")
            assert status == 200
            assert b"<html" in body.lower()
            process.send_signal(signal.SIGTERM)
            # Bounded wait, not a timing claim: a hung server must not hang the suite.
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log_path.read_text(errors="replace")
    assert output.count("Booting worker") == 2, output
    assert "GET /healthz" in output  # the access log
    assert "Shutting down" in output


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "storage": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_reports_a_broken_database_and_store(tmp_path):
    broken = create_app({
        "TESTING": True, "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3",
        "UPLOADS_DIR": str(tmp_path / "uploads"),
    })
    (tmp_path / "uploads").rmdir()
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["database"].startswith("error")
    assert body["storage"].startswith("error")
    broken.extensions["tablecloth.engine"].dispose()


def test_healthz_reports_an_unreachable_bucket(tmp_path, s3_server):
    app = create_app({
        "TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        "UPLOADS_DIR": str(tmp_path / "uploads"), **s3_server.config("bucket-that-is-not-there"),
    })
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "ok"
    assert response.get_json()["storage"].startswith("error")
    app.extensions["tablecloth.engine"].dispose()


@pytest.mark.parametrize(("hops", "expected"), [(0, "127.0.0.1 http"), (1, "203.0.113.7 https")])
def test_proxy_hops_decides_whose_forwarded_headers_count(backend_settings, hops, expected):
    from flask import request

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "PROXY_HOPS": hops,
                      **backend_settings})
    app.add_url_rule("/_seen", "seen", lambda: f"{request.remote_addr} {request.scheme}")
    response = app.test_client().get("/_seen", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                     headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.7",
                                              "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == expected
    app.extensions["tablecloth.engine"].dispose()


def _distinct_jpegs(source: Path, count: int) -> list[bytes]:
    """Return count different small JPEGs made from one real photo."""
    from PIL import ImageDraw

    with Image.open(source) as original:
        base = original.convert("RGB")
        base.thumbnail((640, 640))
    photos = []
    for number in range(count):
        image = base.copy()
        ImageDraw.Draw(image).rectangle((10, 10, 40 + number * 5, 40), fill=(number * 5, 0, 99))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
        photos.append(out.getvalue())
    return photos


def test_fifty_concurrent_uploads_through_a_live_server_lose_nothing(
    backend_settings, tmp_path, corpus
):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests

    env = _environ(backend_settings, tmp_path)
    subprocess.run([str(TABLECLOTH), "init-db"], env=env, check=True, capture_output=True)
    created = subprocess.run([str(TABLECLOTH), "groups", "create", "Load test", "--city",
                              "coventry"], env=env, check=True, capture_output=True, text=True)
    invite = created.stdout.strip().split()[-1]
    photos = _distinct_jpegs(sorted(corpus.glob("jpg_Canon*.jpg"))[0], 50)
    port = servers.free_port()
    base = f"http://127.0.0.1:{port}"
    start = threading.Barrier(len(photos))

    def upload(number: int) -> tuple[int, dict]:
        # As the page's script sends a photo: create it over tus, send its bytes, ask for
        # the receipt; the fifty creations leave together.
        with requests.Session() as browser:
            tus = {"Tus-Resumable": "1.0.0"}
            meta = tus_metadata(invite=invite, first_name=f"P{number}", age_band="18+",
                                consent_self="yes", terms="yes", caption=f"photo {number}",
                                filename=f"IMG_{number}.jpg")
            start.wait(timeout=120)  # all fifty posts leave together
            created = browser.post(f"{base}/upload/tus/", timeout=120, headers={
                **tus, "Upload-Length": str(len(photos[number])), "Upload-Metadata": meta})
            assert created.status_code == 201, created.text
            url = base + created.headers["Location"]
            sent = browser.patch(url, data=photos[number], timeout=120, headers={
                **tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
            assert sent.status_code == 204, sent.text
            answer = browser.get(url, headers=tus, timeout=120)
            return answer.status_code, answer.json()

    with (tmp_path / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [str(TABLECLOTH), "serve", "--port", str(port), "--workers", "3", "--threads", "4"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            servers.wait_for_http(base + "/healthz", process=process)
            with ThreadPoolExecutor(max_workers=len(photos)) as pool:
                answers = list(pool.map(upload, range(len(photos))))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)

    assert [status for status, _ in answers] == [200] * len(photos), answers
    codes = {body["code"] for _, body in answers}
    assert len(codes) == len(photos)
    app = create_app({"TESTING": True, "SECRET_KEY": "x", **backend_settings})
    try:
        with app.app_context():
            stored = db.session().scalars(select(Photo)).all()
            assert {photo.code for photo in stored} == codes
            assert {photo.source_sha256 for photo in stored} == {
                hashlib.sha256(data).hexdigest() for data in photos
            }
            for photo in stored:
                assert {f.kind for f in photo.files} == {"master", "web", "thumb", "tile"}
                for file in photo.files:
                    assert hashlib.sha256(context.store().get(file.key)).hexdigest() == file.sha256
            keys = set(context.store().keys("photos/"))
            assert keys == {f.key for photo in stored for f in photo.files}  # no strays
    finally:
        app.extensions["tablecloth.engine"].dispose()


# --- moving a site: SQLite + uploads/ to PostgreSQL + S3 ------------------------------------


def _jpeg(path: Path, size: int) -> bytes:
    with Image.open(path) as image:
        image = image.convert("RGB")
        image.thumbnail((size, size))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        return out.getvalue()


def _add_photo(code: str, state: PhotoState, source: Path) -> None:
    """Store a real photo's files and rows the way the upload service does."""
    session = db.session()
    city = session.scalars(select(City).where(City.slug == "coventry")).one()
    photo = Photo(code=code, state=state, city=city, first_name="Ann", caption="A tablecloth",
                  source_sha256=hashlib.sha256(code.encode()).hexdigest(),
                  consent_self=True)
    for kind, size in (("master", 2000), ("web", 1600), ("thumb", 400)):
        data = _jpeg(source, size)
        key = f"photos/{code}/{kind}.jpg"
        context.store().put(key, data, "image/jpeg")
        photo.files.append(StoredFile(kind=kind, key=key, sha256=hashlib.sha256(data).hexdigest(),
                                      size=len(data), content_type="image/jpeg"))
    session.add(photo)
    session.commit()


@pytest.fixture
def source_site(tmp_path, corpus):
    """Return an SQLite + local app holding a few real photos in different states."""
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'source.sqlite3'}",
        "UPLOADS_DIR": str(tmp_path / "uploads"),
        "PUBLIC_BASE_URL": "https://tablecloth.example.org",
    })
    photos = sorted(p for p in corpus.glob("jpg_*.jpg") if "invalid" not in p.name)[:3]
    with app.app_context():
        db.upgrade()
        _add_photo("7K3QZ9", PhotoState.APPROVED, photos[0])
        _add_photo("AB12CD", PhotoState.APPROVED, photos[1])
        _add_photo("PEND01", PhotoState.PENDING, photos[2])
        _add_photo("WD0001", PhotoState.APPROVED, photos[0])
        session = db.session()
        session.scalars(select(Photo).where(Photo.code == "WD0001")).one().withdraw()
        session.commit()
    yield app
    app.extensions["tablecloth.engine"].dispose()


@pytest.fixture
def target(tmp_path, pg_cluster, s3_server, request):
    """Return an empty PostgreSQL database and S3 bucket as settings, and a --to file."""
    name = servers.unique_name("migrate_")
    url = pg_cluster.create_database(name)
    request.addfinalizer(lambda: pg_cluster.drop_database(name))
    bucket = s3_server.create_bucket(servers.unique_name("migrate-"))
    request.addfinalizer(lambda: s3_server.delete_bucket(bucket))
    settings = {"DATABASE_URL": url, **s3_server.config(bucket)}
    file = tmp_path / "target.toml"
    file.write_text("".join(f'{k.lower()} = "{v}"\n' for k, v in settings.items()))
    return settings, file


@pytest.fixture
def target_app(target, tmp_path):
    """Return an app running on the target database and bucket."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "UPLOADS_DIR": str(tmp_path / "unused-uploads"),
                      "PUBLIC_BASE_URL": "https://tablecloth.example.org", **target[0]})
    yield app
    app.extensions["tablecloth.engine"].dispose()


def _aware(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _pages(app, codes) -> dict[str, tuple[int, bytes]]:
    client = app.test_client()
    seen = {}
    for code in codes:
        page = client.get(f"/P/{code}")
        with client.get(f"/P/{code}/web.jpg") as image:  # streamed: close the file
            seen[code] = (page.status_code, image.status_code, image.get_data())
    return seen


CODES = ["7K3QZ9", "AB12CD", "PEND01", "WD0001", "ZZZZZZ"]


def test_migrate_storage_moves_everything_and_the_target_serves_the_same_codes(
    source_site, target, target_app
):
    _settings, file = target
    result = cli_runner(source_site).invoke(args=["migrate-storage", "--to", str(file)])
    assert result.exit_code == 0, result.output
    assert "Files: 12 copied, 0 already there" in result.output

    with source_site.app_context():
        source_rows = {f.key: (f.sha256, f.size) for f in db.session().scalars(select(StoredFile))}
        source_photos = [(p.id, p.code, p.state, _aware(p.created_at))
                         for p in db.session().scalars(select(Photo).order_by(Photo.id))]
    with target_app.app_context():
        session = db.session()
        target_rows = {f.key: (f.sha256, f.size) for f in session.scalars(select(StoredFile))}
        target_photos = [(p.id, p.code, p.state, _aware(p.created_at))
                         for p in session.scalars(select(Photo).order_by(Photo.id))]
        assert target_rows == source_rows
        assert target_photos == source_photos
        for key, (sha256, _size) in target_rows.items():
            assert hashlib.sha256(context.store().get(key)).hexdigest() == sha256
        # Ids were copied, so the sequence must have moved past them for new rows.
        session.add(City(slug="kherson", name_en="Kherson", name_ru="Херсон"))
        session.commit()
        assert session.scalars(select(City.id).where(City.slug == "kherson")).one() == 3

    assert _pages(target_app, CODES) == _pages(source_site, CODES)
    statuses = {code: seen[:2] for code, seen in _pages(target_app, CODES).items()}
    assert statuses["7K3QZ9"] == (200, 200)
    assert statuses["WD0001"][0] == 410
    assert statuses["ZZZZZZ"][0] == 404


def test_migrate_storage_refuses_a_non_empty_target_and_resumes(source_site, target, target_app):
    _settings, file = target
    runner = cli_runner(source_site)
    assert runner.invoke(args=["migrate-storage", "--to", str(file)]).exit_code == 0

    again = runner.invoke(args=["migrate-storage", "--to", str(file)])
    assert again.exit_code != 0
    assert "--resume" in again.output

    # An interrupted run: one file and the last photo's rows never arrived.
    with target_app.app_context():
        context.store().delete("photos/AB12CD/thumb.jpg")
        session = db.session()
        last = session.scalars(select(Photo).where(Photo.code == "WD0001")).one()
        session.delete(last)  # its stored files go with it
        session.commit()

    resumed = runner.invoke(args=["migrate-storage", "--to", str(file), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert "Files: 1 copied, 11 already there" in resumed.output
    assert "photos: 1 rows copied, 3 already there" in resumed.output
    assert "stored_files: 3 rows copied, 9 already there" in resumed.output
    assert _pages(target_app, CODES) == _pages(source_site, CODES)


def test_migrate_storage_reports_a_damaged_source_file(source_site, target, tmp_path):
    _settings, file = target
    damaged = Path(source_site.config["UPLOADS_DIR"]) / "photos" / "PEND01" / "web.jpg"
    damaged.write_bytes(damaged.read_bytes()[:-10])
    result = cli_runner(source_site).invoke(args=["migrate-storage", "--to", str(file)])
    assert result.exit_code != 0
    assert "photos/PEND01/web.jpg: source bytes do not match the recorded SHA-256" in result.output


def test_migrate_storage_refuses_the_source_as_target(source_site):
    url = source_site.config["DATABASE_URL"]
    result = cli_runner(source_site).invoke(
        args=["migrate-storage", "--to-database-url", url, "--to-uploads-dir", "/tmp/x"]
    )
    assert result.exit_code != 0
    assert "the target database is the source database" in result.output
