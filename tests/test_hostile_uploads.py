"""Hostile files (DESIGN §6): each gets a clear translated error or is safely converted."""

from __future__ import annotations

import io
import random
from pathlib import Path

import image_factory as fx
import pytest
from helpers import EN, RU, tus_send
from PIL import Image
from sqlalchemy import func, select

from tablecloth import db
from tablecloth.context import store as storage
from tablecloth.models import Photo
from tablecloth.web.upload.tus import STATUS

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FIELDS = {"code": "COV-TEST-1", "first_name": "Anya", "age_band": "16-17",
          "consent_self": "yes", "terms": "yes"}


def noisy_jpeg(side: int = 400) -> bytes:
    """Return a JPEG of noise: big in bytes for few pixels."""
    noise = random.Random(1).randbytes(side * side * 3)
    return fx.encode(Image.frombytes("RGB", (side, side), noise), "JPEG", quality=98)


def cmyk_jpeg() -> bytes:
    return fx.encode(fx.pattern().convert("CMYK"), "JPEG", quality=90)


def png_16_bit() -> bytes:
    im = Image.linear_gradient("L").resize((96, 64)).convert("I;16")
    assert im.mode == "I;16"
    return fx.encode(im, "PNG")


def corpus_broken() -> bytes:
    return (CORPUS / "jpg_invalid_image00971.jpg").read_bytes()


# name, bytes, file name, reason, English words, Russian words
REFUSED = [
    ("decompression bomb", fx.png_bomb, "bomb.png", "too_many_pixels",
     "more than 60 megapixels", "больше 60 мегапикселей"),
    ("huge declared JPEG", lambda: fx.jpeg_declaring(20_000, 20_000), "big.jpg",
     "too_many_pixels", "too many pixels", "слишком много пикселей"),
    ("truncated JPEG", lambda: fx.truncated(fx.jpeg((640, 480))), "cut.jpg", "damaged",
     "damaged or was not copied completely", "повреждена или скопирована не полностью"),
    ("corrupt JPEG", lambda: fx.scrambled(fx.jpeg((640, 480))), "noise.jpg", "damaged",
     "damaged or was not copied completely", "повреждена или скопирована не полностью"),
    # Issue 10: accepted, and stored with 24 flat grey rows at the bottom.
    ("JPEG whose data ends early", lambda: fx.premature_end(
        (CORPUS / "jpg_Canon_40D.jpg").read_bytes()), "IMG_0001.jpg", "damaged",
     "damaged or was not copied completely", "повреждена или скопирована не полностью"),
    ("GIF/JavaScript polyglot", lambda: b"GIF89a/*\x00\x00\x00\x00*/=alert(1)//", "x.gif",
     "not_an_image", "not a photo we can read", "Мы не можем прочитать этот файл"),
    ("SVG", lambda: fx.SVG, "drawing.svg", "unsupported",
     "Files of this kind (SVG) cannot go on the tablecloth",
     "Файлы такого типа (SVG) нельзя поместить на скатерть"),
    ("PDF", lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "scan.pdf",
     "unsupported", "(PDF)", "(PDF)"),
    ("zero bytes", lambda: b"", "empty.jpg", "empty",
     "This file is empty (0 bytes)", "Этот файл пустой (0 байт)"),
    ("oversize", noisy_jpeg, "huge.jpg", "too_large",
     "larger than 0.1 MB", "больше 0,1 МБ"),
    ("text with a photo's extension", lambda: b"just some text, not a photo", "photo.jpg",
     "not_an_image", "not a photo we can read", "Мы не можем прочитать этот файл"),
    ("HTML with a photo's extension", lambda: b"<html><script>alert(1)</script></html>",
     "photo.heic", "not_an_image", "Send a JPEG, PNG, HEIC or WebP photo",
     "Отправьте фотографию в формате JPEG, PNG, HEIC или WebP"),
    ("animated GIF", lambda: fx.animated("GIF"), "cat.gif", "animated",
     "Animated pictures cannot be printed", "Анимированное изображение нельзя напечатать"),
    ("animated PNG", lambda: fx.animated("PNG"), "cat.png", "animated",
     "Animated pictures cannot be printed", "Анимированное изображение нельзя напечатать"),
    ("animated WebP", lambda: fx.animated("WEBP"), "cat.webp", "animated",
     "Animated pictures cannot be printed", "Анимированное изображение нельзя напечатать"),
]

PAYLOAD = b"SECRET-ZIP-PAYLOAD"
# name, bytes, file name, bytes that must not survive in any stored file
ACCEPTED = [
    ("JPEG/ZIP polyglot", lambda: fx.jpeg() + fx.zip_archive(text=PAYLOAD), "a.jpg", PAYLOAD),
    ("script in a JPEG comment", lambda: fx.jpeg_with_comment(b"<script>alert(1)</script>"),
     "a.jpg", b"<script>"),
    ("CMYK JPEG", cmyk_jpeg, "cmyk.jpg", None),
    ("16-bit PNG", png_16_bit, "deep.png", None),
    ("PNG with a JPEG extension", lambda: fx.encode(fx.pattern(), "PNG"), "photo.jpg", None),
    ("broken EXIF block", fx.jpeg_with_broken_exif, "a.jpg", b"Exif"),
    ("EXIF orientation out of range", lambda: fx.with_exif(orientation=9), "a.jpg", b"Exif"),
    ("EXIF with GPS", lambda: fx.with_exif(gps=True, taken="2024:05:09 10:00:00"), "a.jpg",
     b"Exif"),
    ("corpus broken JPEG with invalid EXIF", corpus_broken, "IMG.jpg", b"Exif"),
    ("path in the file name", fx.jpeg, "../../../etc/passwd.jpg", None),
]


@pytest.fixture
def setup(app, group):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _nothing_stored(app) -> None:
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Photo)) == 0
        assert list(storage().keys()) == []


def _still_serving(client) -> None:
    assert client.get("/").status_code == 200
    good = tus_send(client, fx.jpeg((120, 90)), EN, filename="good.jpg")
    assert good.status_code == 200, good.json


@pytest.mark.parametrize("name, make, filename, reason, english, russian", REFUSED,
                         ids=[case[0] for case in REFUSED])
def test_hostile_file_is_refused_in_both_languages(setup, client, name, make, filename,
                                                   reason, english, russian):
    app = setup
    if reason == "too_large":
        app.config["MAX_UPLOAD_BYTES"] = 100_000
    data = make()
    if reason == "too_large":
        assert len(data) > 100_000
    for headers, words in ((EN, english), (RU, russian)):
        response = tus_send(client, data, headers, filename=filename)
        assert response.status_code == STATUS.get(reason, 400)
        assert response.json["reason"] == reason
        assert words in response.json["message"]
    # The plain form says the same, with the participant's own file name, in their language.
    page = client.post("/upload", headers=RU, data={
        **FIELDS, "photos": (io.BytesIO(data), filename)})
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert russian in html and "Ни одну из ваших фотографий отправить не удалось" in html
    _nothing_stored(app)
    app.config["MAX_UPLOAD_BYTES"] = 30 * 1024 * 1024
    _still_serving(client)


@pytest.mark.parametrize("name, make, filename, forbidden", ACCEPTED,
                         ids=[case[0] for case in ACCEPTED])
def test_odd_but_valid_file_is_converted_safely(setup, client, name, make, filename,
                                                forbidden):
    app = setup
    response = tus_send(client, make(), RU, filename=filename)
    assert response.status_code == 200, response.json
    code = response.json["code"]
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        assert photo.code == code
        for stored in photo.files:
            assert stored.key.startswith(f"photos/{code}/") and ".." not in stored.key
            blob = storage().get(stored.key)
            image = Image.open(io.BytesIO(blob))
            image.load()
            assert image.format == "JPEG" and image.mode in ("RGB", "L")
            assert not image.getexif()
            if forbidden:
                assert forbidden not in blob
    _still_serving(client)
