"""One visit, one private "my photos" page: every photo with its state, each withdrawable;
nothing readable in the cookie; a plain form that fails part-way keeps its receipts."""

from __future__ import annotations

import base64
import errno
import io
import json
import re
import zlib

import pytest
from helpers import EN, RU, fields, tus_send
from image_factory import small_jpeg
from sqlalchemy import func, select

from tablecloth import context, db
from tablecloth.models import Photo, PhotoState


def text(response) -> str:
    return response.get_data(as_text=True)


def _photos(*seeds, name="IMG_0001.jpg"):
    return [(io.BytesIO(small_jpeg(seed)), f"{seed}-{name}") for seed in seeds]


@pytest.fixture
def nocsrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _session(client) -> dict:
    """Decode the session cookie as anyone holding it could (it is signed, not hidden)."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    payload = cookie.value
    compressed = payload.startswith(".")
    payload = payload.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return json.loads(zlib.decompress(raw) if compressed else raw)


def _mine_path(page: str) -> str:
    return re.search(r'href="https://tablecloth\.example\.org(/upload/mine/[^"]+)"',
                     page).group(1)


def test_a_plain_post_keeps_only_an_opaque_reference_in_the_cookie(client, app, group, nocsrf):
    response = client.post("/upload", headers=EN, data={
        **fields(), "photos": _photos(1, 2)})
    assert response.status_code == 303
    saved = _session(client)
    assert set(saved) <= {"visit_ref", "csrf_token"}
    assert re.fullmatch(r"[0-9a-f]{32}", saved["visit_ref"])
    page = text(client.get("/upload/receipts", headers=EN))
    tokens = re.findall(r"/upload/(?:withdraw|mine)/([A-Za-z0-9_-]+)", page)
    assert len(set(tokens)) == 3  # two photos' links and the visit's
    cookie = client.get_cookie("session").value
    assert not any(token in cookie for token in tokens)
    assert saved["visit_ref"] not in page  # the reference is not the link


def test_one_my_photos_page_lists_every_photo_of_the_visit(client, app, group, nocsrf):
    client.post("/upload", headers=EN, data={**fields(), "photos": _photos(3, 4)})
    # A second round from the same browser joins the same visit while it has room.
    client.post("/upload", headers=EN, data={**fields(), "photos": _photos(5)})
    page = text(client.get("/upload/receipts", headers=EN))
    mine = _mine_path(page)
    assert "Copy link" in page and "Share…" in page
    with app.app_context():
        rows = db.session().scalars(select(Photo).order_by(Photo.id)).all()
        codes = [p.code for p in rows]
        rows[1].state = PhotoState.APPROVED
        rows[2].state = PhotoState.REJECTED
        db.session().commit()
        from tablecloth import context
        from tablecloth.services.cloth import editions, places

        editions.current_cloth(context.site())
        where = places.place_of(context.site(), codes[1])
    response = client.get(mine, headers=EN)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    listing = text(response)
    for code in codes:
        assert code in listing
    assert "Its public page stays empty until an organiser approves it." in listing
    assert "On the cloth" in listing and f'href="/P/{codes[1]}"' in listing
    # Where it is printed, as its public page says, with a link to it on /cloth.
    assert f"row {where.row} from the top, square {where.square} from the left" in listing
    assert f'href="/cloth?code={codes[1]}"' in listing
    assert "Not chosen for the cloth" in listing
    russian = text(client.get(mine, headers=RU))
    assert "Мои фотографии" in russian and "Ждёт организатора" in russian
    thumb = client.get(f"{mine}/thumb/{codes[0]}")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    # Another browser with the link sees the same page: the link is the key, not the cookie.
    assert codes[0] in text(app.test_client().get(mine, headers=EN))


def test_withdrawing_from_the_my_photos_page(client, app, group):
    sent = tus_send(client, small_jpeg(6), EN)
    other = tus_send(app.test_client(), small_jpeg(7), EN)
    mine = sent.json["mine_url"].replace("https://tablecloth.example.org", "")
    code, foreign = sent.json["code"], other.json["code"]
    confirm = client.get(f"{mine}/withdraw/{code}", headers=RU)
    assert confirm.status_code == 200 and "Отозвать фотографию?" in text(confirm)
    assert "Её страница останется пустой, пока организатор её не одобрит" in text(confirm)
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(confirm)).group(1)
    # A photo of another visit is not this page's to withdraw.
    assert client.post(f"{mine}/withdraw/{foreign}",
                       data={"csrf_token": token}).status_code == 404
    assert client.post(f"{mine}/withdraw/{code}").status_code == 400  # no form token
    done = client.post(f"{mine}/withdraw/{code}", data={"csrf_token": token}, headers=EN)
    assert done.status_code == 303
    listing = text(client.get(done.headers["Location"], headers=EN))
    assert f"Photo {code} has been withdrawn" in listing
    assert "Withdrawn. Nobody can see it any more." in listing
    assert client.get(f"/P/{code}").status_code == 410
    with app.app_context():
        states = dict(db.session().execute(select(Photo.code, Photo.state)).all())
    assert states == {code: PhotoState.WITHDRAWN, foreign: PhotoState.PENDING}


def test_an_unknown_my_photos_link_gets_a_kind_404(client):
    response = client.get("/upload/mine/not-a-real-token", headers=RU)
    assert response.status_code == 404
    assert "Мы не можем найти эту ссылку" in text(response)


def test_the_per_photo_link_of_a_new_photo_keeps_working(client, app, group):
    sent = tus_send(client, small_jpeg(8), EN)
    link = re.search(r'href="https://tablecloth\.example\.org(/upload/withdraw/[^"]+)"',
                     sent.json["receipt_html"]).group(1)
    page = text(client.get(link, headers=EN))
    assert "Withdraw your photo?" in page and sent.json["code"] in page


class _DiskFillsUp:
    """The real store, but full after a given number of writes (ENOSPC from then on)."""

    def __init__(self, store, writes: int) -> None:
        self.store, self.left = store, writes

    def put(self, key, data, content_type, **options):
        if self.left <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.left -= 1
        return self.store.put(key, data, content_type, **options)

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_a_plain_form_that_fails_part_way_shows_the_receipts_it_stored(client, app, group,
                                                                       nocsrf):
    real = app.extensions[context.STORE]
    # Room for the first photo's three files and one more: the second photo fails half-way.
    app.extensions[context.STORE] = _DiskFillsUp(real, writes=4)
    response = client.post("/upload", headers=RU, data={
        **fields(), "photos": _photos(9, 10, 11, name="beach.jpg")})
    page = text(response)
    assert response.status_code == 503 and response.headers["Retry-After"]
    with app.app_context():
        rows = db.session().scalars(select(Photo)).all()
        assert len(rows) == 1
        assert rows[0].code in page
        wanted = {f.key for f in rows[0].files}
    assert "/upload/withdraw/" in page and "/upload/mine/" in page
    assert "10-beach.jpg" in page and "11-beach.jpg" in page
    assert page.count("Сейчас что-то не так у нас") == 2
    # Nothing half-stored: only the stored photo's own files are left.
    assert {k for k in real.keys() if k.startswith("photos/")} == wanted


def test_a_plain_form_with_the_disk_full_from_the_start_answers_503(client, app, group,
                                                                    nocsrf):
    app.extensions[context.STORE] = _DiskFillsUp(app.extensions[context.STORE], writes=0)
    response = client.post("/upload", headers=EN, data={**fields(), "photos": _photos(12)})
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "Something is wrong on our side just now" in text(response)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Photo)) == 0
