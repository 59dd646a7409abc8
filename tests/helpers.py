"""Helpers several test files share (fixtures live in conftest.py, image builders in
image_factory.py): the CLI runner, forms and log-in, and photos put straight into the store."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re

import pytest
import zxingcpp
from flask import Flask
from flask.testing import FlaskCliRunner
from image_factory import generated_jpeg
from jinja2 import BytecodeCache
from PIL import Image
from sqlalchemy import event, func, select
from werkzeug.security import generate_password_hash

from tablecloth import create_app, db
from tablecloth.cli import main
from tablecloth.context import site
from tablecloth.context import store as storage
from tablecloth.layout.units import Frame
from tablecloth.models import AgeBand, City, Photo, PhotoState, StoredFile
from tablecloth.services import uploads

LOGIN = "/organiser/login"
ORGANISER_EMAIL = "admin@example.org"
ORGANISER_PASSWORD = "correct horse battery staple"
EN = {"Accept-Language": "en"}
RU = {"Accept-Language": "ru"}
# The app fixture's settings besides the backend's; nothing else reaches it (test_conftest.py).
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PUBLIC_BASE_URL": "https://tablecloth.example.org",
    # No background threads outliving a test's database; tests that want them turn it on.
    "REFRESH_CLOTH_IN_BACKGROUND": False,
}


class _SessionBytecode(BytecodeCache):
    """Keep compiled templates in memory for the test session, shared by every test's app."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        # The bucket checks the template's source checksum and ignores stale code.
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_BYTECODE = _SessionBytecode()


def make_app(settings: dict, instance: str | os.PathLike[str]) -> Flask:
    """Create an app from settings alone: its own instance folder and an empty environment."""
    app = create_app(settings, instance_path=instance, environ={})
    # Each test has a new app, and so a new Jinja environment that would compile every template
    # again: the same source gives the same code, so compile each once for the session.
    app.jinja_env.bytecode_cache = _BYTECODE
    engine = app.extensions["tablecloth.engine"]
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _without_fsync)
    return app


def _without_fsync(dbapi_connection, _record) -> None:
    # A test's database is thrown away after it: skip the flush to disk at every commit, as
    # the PostgreSQL test cluster does (-F). Commits stay atomic; only a power cut could tell.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


# --- the CLI -----------------------------------------------------------------------------


class CliRunner(FlaskCliRunner):
    """Invoke the `tablecloth` command group against one app, as the installed command does."""

    def invoke(self, cli=None, args=None, **kwargs):
        return super().invoke(cli or main, args, **kwargs)


def cli_runner(app: Flask) -> CliRunner:
    """Return a runner whose commands run against app."""
    return CliRunner(app)


# --- forms and log-in --------------------------------------------------------------------


def csrf_token(client, path: str = "/organiser/") -> str:
    """Return the CSRF token from a form on path, as a browser would read it."""
    page = client.get(path, follow_redirects=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def quick_hash(password: str) -> str:
    """Hash a password for a test account cheaply (log-in checks accept any werkzeug method)."""
    # The default (scrypt) costs about 0.1 s a hash and a check: far too slow per test.
    return generate_password_hash(password, method="pbkdf2:sha256:1000")


def log_in(client, email: str = ORGANISER_EMAIL, password: str = ORGANISER_PASSWORD,
           **extra):
    """Log in through the real form, token and all; return the form's answer."""
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, LOGIN),
            **extra}
    return client.post(LOGIN, data=data, headers=EN)


def session_organiser(client) -> int | None:
    """Return the id of the organiser the client's session cookie opens now, or None."""
    from tablecloth.services import sessions

    with client.session_transaction() as flask_session:
        token = flask_session.get("sid")
    with client.application.app_context():
        person = sessions.organiser_for(site(), token)
        return person.id if person is not None else None


class AuthActions:
    """Log a test client in and out through the organiser pages, as a person would."""

    def __init__(self, client) -> None:
        self._client = client

    def login(self, email: str = ORGANISER_EMAIL, password: str = ORGANISER_PASSWORD,
              **extra):
        """Post the log-in form; return its answer."""
        return log_in(self._client, email, password, **extra)

    def logout(self):
        """Post the log-out form; return its answer."""
        token = csrf_token(self._client, "/organiser/")
        return self._client.post("/organiser/logout", data={"csrf_token": token})


# --- the participant's form --------------------------------------------------------------


def fields(**overrides) -> dict:
    """Return the upload form's answers for the COV-TEST-1 group; None leaves one out."""
    values = {"code": "COV-TEST-1", "city": "coventry", "first_name": "Anya",
              "age_band": "16-17", "consent_self": "yes", "terms": "yes"}
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


# --- photos through the resumable (tus) endpoint, as the page's script sends them ------------

TUS = {"Tus-Resumable": "1.0.0"}


def tus_metadata(**values) -> str:
    """Return an Upload-Metadata header: each value base64, None left out."""
    return ",".join(f"{key} {base64.b64encode(str(value).encode()).decode()}"
                    for key, value in values.items() if value is not None)


def answers(**overrides) -> dict:
    """Return the tus metadata of a participant of the COV-TEST-1 group; None leaves one out."""
    values = {"invite": "COV-TEST-1", "first_name": "Anya", "age_band": "16-17",
              "consent_self": "yes", "terms": "yes"}
    values.update(overrides)
    return values


def tus_create(client, length: int, headers=None, **meta):
    """Start a tus upload of length bytes with answers() and meta; return the answer."""
    return client.post("/upload/tus/", headers={
        **TUS, **(headers or {}), "Upload-Length": str(length),
        "Upload-Metadata": tus_metadata(**answers(**meta))})


def tus_patch(client, url: str, offset: int, piece: bytes, headers=None):
    """Send one piece of a tus upload from offset; return the answer."""
    return client.patch(url, data=piece, headers={
        **TUS, **(headers or {}), "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream"})


def tus_send(client, data: bytes, headers=None, chunk: int | None = None, **meta):
    """Send a photo as the page does (create, PATCH in pieces, GET the receipt).

    Return the first answer that is not a step forward: a refusal, or the receipt's answer.
    """
    created = tus_create(client, len(data), headers, **meta)
    if created.status_code != 201:
        return created
    url = created.headers["Location"]
    offset = 0
    while offset < len(data):
        answer = tus_patch(client, url, offset, data[offset:offset + (chunk or len(data))],
                           headers)
        if answer.status_code != 204:
            return answer
        offset = int(answer.headers["Upload-Offset"])
    return client.get(url, headers={**TUS, **(headers or {})})


def fetch(client, path: str, **kwargs):
    """Get path and close the response, as a server does after streaming a file."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


# --- photos straight into the database and store -----------------------------------------

CAPTION = "Закат над Волгой"
NAME = "Аня"
# Sample photos carrying GPS coordinates in their EXIF.
SOURCE = "jpg_gps_DSCN0010.jpg"
SECOND_SOURCE = "jpg_gps_DSCN0021.jpg"


def _jpeg(original: Image.Image, long_edge: int) -> tuple[bytes, int, int]:
    copy = original.copy()
    copy.thumbnail((long_edge, long_edge))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=80)
    return out.getvalue(), copy.width, copy.height


def make_photo(app, corpus, state: PhotoState, *, code: str, source: str = SOURCE,
               caption: str = CAPTION, name: str = NAME, city: str = "volgograd") -> str:
    """Store a photo the way the upload service does: master, web copy, thumbnail, one row.

    The master keeps the participant's original bytes, GPS and all, so that a test can tell
    whether it ever leaks; the renditions are re-encoded without metadata.
    """
    raw = (corpus / source).read_bytes()
    with Image.open(io.BytesIO(raw)) as original:
        original.load()
        renditions = {"web": _jpeg(original, 1600), "thumb": _jpeg(original, 400)}
    with app.app_context():
        session = db.session()
        place = session.scalars(select(City).where(City.slug == city)).one()
        photo = Photo(code=code, state=state, city=place, first_name=name, caption=caption,
                      caption_language="ru", source_sha256=hashlib.sha256(raw).hexdigest(),
                      consent_self=True)
        for kind, (data, width, height) in {"master": (raw, 0, 0), **renditions}.items():
            key = f"photos/{code}/{kind}.jpg"
            storage().put(key, data, "image/jpeg")
            photo.files.append(StoredFile(kind=kind, key=key, size=len(data), width=width,
                                          height=height, content_type="image/jpeg",
                                          sha256=hashlib.sha256(data).hexdigest()))
        if state == PhotoState.WITHDRAWN:
            photo.withdraw()
        session.add(photo)
        session.commit()
    return code


# --- photos through the upload service, for cloth tests ----------------------------------

# A small cloth keeps each export to a second or two; every rule is the same at any size.
SMALL = {"width_mm": 600.0, "height_mm": 600.0}
NAMES = ("Anya", "Tom", "Masha", "Priya", "Ivan", "Chloe", "Dima", "Sam")


def add_photos(corpus, total: int = 12, *, approve: bool = True, real: bool = False
               ) -> list[Photo]:
    """Add total photos: with real, the corpus's phone photos first, then generated ones."""
    session = db.session()
    cities = session.scalars(select(City).order_by(City.position)).all()
    made: list[Photo] = []
    sources = [p.read_bytes() for p in sorted(corpus.iterdir())
               if real and p.suffix.lower() != ".md"]
    for attempt in range(total + len(sources) + 1):
        if len(made) == total:
            break
        seed = session.scalar(select(func.count(Photo.id))) + attempt
        data = sources.pop(0) if sources else generated_jpeg(seed)
        index = len(made)
        try:
            result = uploads.accept_upload(
                site(), data, city=cities[index % 2], first_name=NAMES[index % len(NAMES)],
                caption=f"Photo {index}", approve=approve, age_band=AgeBand.ADULT,
                consent_self=True)
        except uploads.UploadRefused as refused:
            # The corpus holds a deliberately broken JPEG, and a photo is imported only once.
            assert refused.reason in ("damaged", "not_an_image", "duplicate"), refused
            continue
        made.append(result.photo)
    assert len(made) == total
    return made


def decode(image: Image.Image) -> list[str]:
    """Decode QR codes in image with zxing-cpp directly."""
    return [b.text for b in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def crop_cell(image: Image.Image, frame: Frame, cell, px_per_mm_x: float,
              px_per_mm_y: float | None = None) -> Image.Image:
    """Cut one planned cell (with its quiet zone) out of a rendering of frame."""
    px_per_mm_y = px_per_mm_y or px_per_mm_x
    return image.crop((
        round(frame.x(cell.x_mm) * px_per_mm_x), round(frame.y(cell.y_mm) * px_per_mm_y),
        round((frame.x(cell.x_mm) + frame.size_x(cell.size_mm)) * px_per_mm_x),
        round((frame.y(cell.y_mm) + frame.size_y(cell.size_mm)) * px_per_mm_y),
    ))



CELL_NAMES = ["Аня", "Tom", "Маша", "Priya", "Олег"]


def plan_cells(n: int) -> list:
    """Return n CellSpecs of two cities with real-looking URLs, for core tests without an app."""
    from tablecloth.codes import new_code
    from tablecloth.layout import CellSpec

    found: set[str] = set()
    while len(found) < n:
        found.add(new_code())
    return [
        CellSpec(code, f"HTTPS://TABLECLOTH.EXAMPLE.ORG/P/{code}", CELL_NAMES[i % 5],
                 "Volgograd / Волгоград" if i % 2 else "Coventry / Ковентри",
                 "volgograd" if i % 2 else "coventry")
        for i, code in enumerate(sorted(found))
    ]


# --- many photos at once, for scale -------------------------------------------------------

def scale_codes(total: int, offset: int = 0) -> list[str]:
    """Return total distinct, valid codes, the same on every call."""
    from tablecloth.codes import ALPHABET

    out = []
    for i in range(offset, offset + total):
        value, code = i * 7919 + 12345, ""
        for _ in range(6):
            code += ALPHABET[value % 32]
            value //= 32
        out.append(code)
    return out


def insert_photos(session, total: int, *, offset: int = 0,
                  state: PhotoState = PhotoState.APPROVED) -> list[str]:
    """Insert total photos with web and thumbnail rows straight into the database, no files.

    For pages whose size must not grow with the cloth: 10,000 photos in a few seconds.
    """
    from datetime import timedelta

    from sqlalchemy import insert

    from tablecloth.models import utcnow

    cities = session.scalars(select(City).order_by(City.position)).all()
    codes = scale_codes(total, offset)
    start = utcnow()
    session.execute(insert(Photo), [
        {"code": code, "state": state, "city_id": cities[i % len(cities)].id,
         "first_name": NAMES[i % len(NAMES)], "caption": f"Photo {i}",
         "caption_language": "en", "source_sha256": hashlib.sha256(code.encode()).hexdigest(),
         "consent_self": True, "reviewed_at": start + timedelta(seconds=i), "version": 0}
        for i, code in enumerate(codes)])
    ids = dict(session.execute(select(Photo.code, Photo.id).where(Photo.code.in_(codes))).all())
    session.execute(insert(StoredFile), [
        {"photo_id": ids[code], "kind": kind, "key": f"photos/{code}/{kind}.jpg",
         "sha256": hashlib.sha256(f"{code}/{kind}".encode()).hexdigest(), "size": 1,
         "content_type": "image/jpeg", "width": width, "height": width * 3 // 4}
        for code in codes for kind, width in (("web", 1600), ("thumb", 400))])
    from tablecloth import versions

    versions.cloths_changed(session)  # Core inserts pass no ORM hook: say so ourselves
    session.commit()
    return codes


def unavailable(reason: str):
    """Skip for want of an external program locally; fail in CI, where it must be there."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)
