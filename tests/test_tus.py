"""The tus endpoint: resume from the server's last byte, the same receipt on every retry, the
same rules as the form, abandoned uploads expiring, and a real independent client (tuspy)."""

from __future__ import annotations

import errno
import hashlib
import io
import threading
import time
from datetime import timedelta

import pytest
from helpers import EN, RU, TUS, answers, tus_create, tus_metadata, tus_patch, tus_send
from image_factory import small_jpeg
from netproxy import NetProxy
from PIL import Image
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError
from werkzeug.serving import make_server

from tablecloth import context, db
from tablecloth.models import PartialUpload, Photo, PhotoState, Visit, utcnow
from tablecloth.services import resumable


def _count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def _keys(app, prefix: str = "") -> list[str]:
    with app.app_context():
        return list(context.store().keys(prefix))


def test_options_say_what_this_server_speaks(client):
    response = client.options("/upload/tus/")
    assert response.status_code == 204
    assert response.headers["Tus-Resumable"] == "1.0.0"
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation", "termination", "expiration"}
    assert response.headers["Tus-Max-Size"] == str(30 * 1024 * 1024)


def test_an_upload_resumes_from_the_last_byte_the_server_holds(client, app, group):
    data = small_jpeg(1) + bytes(300)  # trailing bytes after the JPEG's end are ignored
    created = tus_create(client, len(data), EN, photo_key="11111111-aaaa-4aaa-8aaa-000000000001")
    assert created.status_code == 201
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert created.headers["Upload-Expires"].endswith("GMT")
    url = created.headers["Location"]
    assert url.startswith("/upload/tus/")
    first = tus_patch(client, url, 0, data[:700])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "700"
    head = client.head(url, headers=TUS)
    assert head.status_code == 200 and head.headers["Cache-Control"] == "no-store"
    assert (head.headers["Upload-Offset"], head.headers["Upload-Length"]) == ("700", str(len(data)))
    # A client out of step is told where the server stands.
    stale = tus_patch(client, url, 0, data[:700], EN)
    assert stale.status_code == 409 and stale.headers["Upload-Offset"] == "700"
    assert stale.json["reason"] == "upload_offset_mismatch"
    assert _count(app, Photo) == 0  # nothing is a photo before its last byte
    rest = tus_patch(client, url, 700, data[700:])
    assert rest.status_code == 204 and rest.headers["Upload-Offset"] == str(len(data))
    receipt = client.get(url, headers=TUS)
    assert receipt.status_code == 200 and receipt.json["state"] == "done"
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        assert photo.state is PhotoState.PENDING and photo.code == receipt.json["code"]
        assert photo.source_sha256 == hashlib.sha256(data).hexdigest()
    # The pieces are gone once the photo's own files hold it; nothing else was stored.
    assert _keys(app, resumable.PREFIX) == []
    assert {key.split("/")[0] for key in _keys(app)} == {"photos"}


def test_a_lost_reply_is_healed_by_asking_again(client, app, group):
    data = small_jpeg(2)
    created = tus_create(client, len(data), RU, photo_key="22222222-aaaa-4aaa-8aaa-000000000002")
    url = created.headers["Location"]
    assert tus_patch(client, url, 0, data).status_code == 204
    # The page never heard that 204: it asks where things stand, then for the receipt.
    head = client.head(url, headers=TUS)
    assert head.headers["Upload-Offset"] == str(len(data))
    first, again = (client.get(url, headers={**TUS, **RU}) for _ in range(2))
    assert first.json == again.json and first.json["code"]
    # Even the last piece sent a second time changes nothing.
    assert tus_patch(client, url, 0, data).status_code == 204
    # The same photo key created again leads to the same upload.
    repeated = tus_create(client, len(data), RU, photo_key="22222222-aaaa-4aaa-8aaa-000000000002",
                          visit=created.headers["Upload-Visit"])
    assert repeated.status_code == 201 and repeated.headers["Location"] == url
    assert _count(app, Photo) == 1 and _count(app, PartialUpload) == 1


def test_a_lost_first_creation_reply_returns_the_same_upload_and_visit(client, app, group):
    key = "33333333-aaaa-4aaa-8aaa-000000000003"
    first = tus_create(client, 1000, EN, photo_key=key)
    # The page never got the Location or its visit token, and asks again without them.
    again = tus_create(client, 1000, EN, photo_key=key)
    assert again.status_code == 201
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Upload-Visit"] == first.headers["Upload-Visit"]
    assert _count(app, Visit) == 1
    # Once the visit holds another photo, the key alone no longer opens it.
    tus_create(client, 1000, EN, photo_key="33333333-aaaa-4aaa-8aaa-000000000004",
               visit=first.headers["Upload-Visit"])
    taken = tus_create(client, 1000, RU, photo_key=key)
    assert taken.status_code == 409 and taken.json["reason"] == "upload_key_taken"
    assert "уже начали отправлять" in taken.json["message"]


def test_the_same_bytes_from_the_same_visit_get_that_photos_receipt(client, app, group):
    data = small_jpeg(3)
    first = tus_send(client, data, EN, photo_key="44444444-aaaa-4aaa-8aaa-000000000001")
    visit = first.json["mine_url"].rsplit("/", 1)[1]  # the visit's token ends its link
    # Chosen again in the same sitting (a second tap, a new photo key): its own receipt.
    again = tus_send(client, data, EN, photo_key="44444444-aaaa-4aaa-8aaa-000000000002",
                     visit=visit)
    assert again.status_code == 200
    assert again.json["code"] == first.json["code"]
    assert again.json["receipt_html"] == first.json["receipt_html"]
    # From anyone else, the same bytes stay refused.
    other = tus_send(client, data, RU, photo_key="44444444-aaaa-4aaa-8aaa-000000000003")
    assert other.status_code == 409 and other.json["reason"] == "duplicate"
    assert "уже отправлена" in other.json["message"]
    assert _count(app, Photo) == 1


def test_more_photos_than_a_visit_may_send_are_refused_in_russian(client, app, group):
    app.config["MAX_FILES_PER_UPLOAD"] = 20
    first = tus_create(client, 1000, RU, photo_key="55555555-aaaa-4aaa-8aaa-000000000000")
    visit = first.headers["Upload-Visit"]
    for n in range(1, 20):
        made = tus_create(client, 1000, RU, photo_key=f"55555555-aaaa-4aaa-8aaa-{n:012d}",
                          visit=visit)
        assert made.status_code == 201
    for n in range(20, 25):  # photos 21 to 25 of the same sitting
        refused = tus_create(client, 1000, RU, photo_key=f"55555555-aaaa-4aaa-8aaa-{n:012d}",
                             visit=visit)
        assert refused.status_code == 400 and refused.json["reason"] == "visit_full"
        assert refused.json["message"].startswith(
            "За один раз можно отправить не больше 20 фотографий")
    assert _count(app, PartialUpload) == 20 and _keys(app) == []


def test_refusals_at_creation_are_json_in_the_visitors_language(client, app, group):
    too_big = client.post("/upload/tus/", headers={
        **TUS, **RU, "Upload-Length": str(31 * 1024 * 1024),
        "Upload-Metadata": tus_metadata(**answers())})
    assert too_big.status_code == 413 and too_big.json["reason"] == "too_large"
    assert "больше 30 МБ" in too_big.json["message"]
    garbled = client.post("/upload/tus/", headers={
        **TUS, "Upload-Length": "10", "Upload-Metadata": "first_name ???"})
    assert garbled.status_code == 400 and garbled.json["ok"] is False
    no_length = client.post("/upload/tus/", headers={**TUS, "Upload-Metadata": ""})
    assert no_length.status_code == 400
    assert _count(app, PartialUpload) == 0


def test_a_refused_file_says_so_at_its_last_byte_and_every_time_after(client, app, group):
    data = b"this is not a photo at all" * 10
    created = tus_create(client, len(data), RU)
    url = created.headers["Location"]
    refused = tus_patch(client, url, 0, data, RU)
    assert refused.status_code == 400 and refused.json["reason"] == "not_an_image"
    again = client.get(url, headers={**TUS, **RU})
    assert again.json == refused.json
    assert _count(app, Photo) == 0 and _keys(app) == []


def test_termination_forgets_the_upload(client, app, group):
    created = tus_create(client, 5000)
    url = created.headers["Location"]
    tus_patch(client, url, 0, b"x" * 2000)
    assert _keys(app, resumable.PREFIX)
    assert client.delete(url, headers=TUS).status_code == 204
    assert client.head(url, headers=TUS).status_code == 404
    assert _keys(app, resumable.PREFIX) == [] and _count(app, PartialUpload) == 0


def test_abandoned_uploads_expire_and_check_repairs_them(client, app, group, runner):
    created = tus_create(client, 5000)
    url = created.headers["Location"]
    tus_patch(client, url, 0, b"x" * 2000)
    with app.app_context():
        upload = db.session().scalars(select(PartialUpload)).one()
        upload.expires_at = utcnow() - timedelta(minutes=1)
        db.session().commit()
        # Pieces no upload owns (a row lost in a crash) are abandoned too.
        context.store().put(f"{resumable.PREFIX}{'f' * 32}/000000000000+3", b"abc",
                            "application/octet-stream")
    gone = client.head(url, headers=TUS)
    assert gone.status_code == 410
    assert tus_patch(client, url, 2000, b"x" * 10).status_code == 410
    report = runner.invoke(args=["check"])
    assert report.exit_code == 1
    assert report.output.count("ABANDONED") == 2
    assert "unfinished upload of 5,000 bytes" in report.output
    assert "pieces that no unfinished upload owns" in report.output
    assert _keys(app, resumable.PREFIX)
    repaired = runner.invoke(args=["check", "--repair", "--grace", "0"])
    assert repaired.exit_code == 0, repaired.output
    assert repaired.output.count("REPAIRED: deleted") == 2
    assert _keys(app, resumable.PREFIX) == [] and _count(app, PartialUpload) == 0
    assert "No problems." in runner.invoke(args=["check"]).output


def test_a_new_upload_sweeps_a_few_expired_ones(client, app, group):
    first = tus_create(client, 5000)
    tus_patch(client, first.headers["Location"], 0, b"x" * 100)
    with app.app_context():
        upload = db.session().scalars(select(PartialUpload)).one()
        upload.expires_at = utcnow() - timedelta(minutes=1)
        db.session().commit()
    tus_create(client, 5000)
    assert _count(app, PartialUpload) == 1 and _keys(app, resumable.PREFIX) == []


# --- our side unwell: a translated 503, nothing half-stored, and the upload goes on after ---


class _FullDisk:
    """The real store, except that writes fail with ENOSPC while full is set."""

    def __init__(self, store) -> None:
        self.store = store
        self.full = False

    def put(self, key, data, content_type, **options):
        if self.full:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self.store.put(key, data, content_type, **options)

    def __getattr__(self, name):
        return getattr(self.store, name)


@pytest.fixture
def full_disk(app):
    disk = _FullDisk(app.extensions[context.STORE])
    app.extensions[context.STORE] = disk
    return disk


def test_a_full_disk_mid_upload_answers_503_and_the_upload_resumes(client, app, group,
                                                                    full_disk):
    data = small_jpeg(4)
    created = tus_create(client, len(data), RU)
    url = created.headers["Location"]
    assert tus_patch(client, url, 0, data[:500]).status_code == 204
    full_disk.full = True
    answer = tus_patch(client, url, 500, data[500:], RU)
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert answer.headers["Tus-Resumable"] == "1.0.0"
    assert answer.json["reason"] == "unavailable"
    assert "что-то не так у нас" in answer.json["message"]
    full_disk.full = False
    assert client.head(url, headers=TUS).headers["Upload-Offset"] == "500"
    assert tus_patch(client, url, 500, data[500:]).status_code == 204
    assert client.get(url, headers=TUS).json["state"] == "done"


def test_a_full_disk_while_the_photo_is_stored_leaves_nothing_half(client, app, group,
                                                                   full_disk):
    data = small_jpeg(5)
    created = tus_create(client, len(data))
    url = created.headers["Location"]
    original = full_disk.put
    calls = []

    def second_photo_file_fails(key, blob, content_type, **options):
        calls.append(key)
        if key.startswith("photos/") and len([k for k in calls if k.startswith("photos/")]) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(key, blob, content_type, **options)

    full_disk.put = second_photo_file_fails
    answer = tus_patch(client, url, 0, data, EN)
    assert answer.status_code == 503
    assert _count(app, Photo) == 0
    assert not [k for k in _keys(app) if k.startswith("photos/")]
    full_disk.put = original
    assert client.get(url, headers=TUS).json["state"] == "done"


def test_a_database_away_answers_503_json(client, app, group):
    engine = app.extensions["tablecloth.engine"]

    def refuse(*_args, **_kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        answer = tus_create(client, 1000, RU)
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
    assert answer.status_code == 503 and answer.json["reason"] == "unavailable"
    assert answer.headers["Retry-After"] == "30"


# --- an independent client: tuspy, through a link the test cuts ------------------------------


@pytest.fixture
def live(app):
    """Serve the app on a real port, as tus clients need."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    # Request threads are daemons shutdown() does not wait for: let them finish with the
    # database before the app fixture disposes its engine.
    for worker in threading.enumerate():
        if worker.name.endswith("(process_request_thread)"):
            worker.join(timeout=10)


def test_tuspy_uploads_a_heic_that_resumes_after_the_link_is_cut(app, group, live, corpus):
    from tusclient import client as tus_client
    from tusclient.exceptions import TusCommunicationError, TusUploadFailed

    data = (corpus / "heic_IMG_5195.HEIC").read_bytes()
    # A slow link (about 400 KB/s), cut for a second when a third of the photo has gone.
    proxy = NetProxy("127.0.0.1", live.server_port, up_bytes_s=400_000).start()
    try:
        proxy.when_sent(len(data) // 3, lambda: proxy.cut(1.0))
        tus = tus_client.TusClient(proxy.url + "/upload/tus/",
                                   headers={"Accept-Language": "ru"})
        uploader = tus.uploader(
            file_stream=io.BytesIO(data), metadata={
                "filename": "IMG_5195.HEIC", "filetype": "image/heic", **answers(
                    photo_key="66666666-aaaa-4aaa-8aaa-000000000001", caption="Волга")})
        with pytest.raises((TusUploadFailed, TusCommunicationError)):
            uploader.upload()  # the whole photo in one PATCH, cut a third of the way
        while proxy.is_down:
            time.sleep(0.05)
        held = uploader.get_offset()
        # The server kept what arrived before the cut: the rest starts there, not at zero.
        assert len(data) // 4 < held < len(data)
        sent_before = proxy.sent_up
        uploader.offset = held
        uploader.upload()
        assert proxy.sent_up - sent_before < len(data) - held + 4096  # the rest, once
        receipt = uploader.url
    finally:
        proxy.stop()
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        assert photo.state is PhotoState.PENDING and photo.caption == "Волга"
        assert photo.source_sha256 == hashlib.sha256(data).hexdigest()
        assert (photo.width, photo.height) == (2566, 3313)  # upright, as shot
        for stored in photo.files:
            with Image.open(io.BytesIO(context.store().get(stored.key))) as image:
                assert not image.getexif() and "xmp" not in image.info
                # Upright, as shot (the tile is a square cut from the middle).
                assert image.width < image.height or stored.kind == "tile"
    assert receipt.startswith(proxy.url + "/upload/tus/")
