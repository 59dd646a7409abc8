"""Photos arriving in pieces: held bytes, resume offsets, assembly and expiry, on every store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tablecloth import codes, context
from tablecloth.errors import Refusal
from tablecloth.models import PartialUpload, Visit, utcnow
from tablecloth.services import resumable
from tablecloth.services.resumable import Piece, held_offset


@pytest.mark.parametrize(("spans", "held"), [
    ([], 0),
    ([(0, 10)], 10),
    ([(0, 10), (10, 5)], 15),
    ([(0, 10), (20, 5)], 10),          # a gap: resume at the gap
    ([(0, 10), (5, 10)], 15),          # overlap from a late request
    ([(5, 10)], 0),                    # nothing from the start
    ([(0, 4), (0, 12), (12, 3)], 15),  # a retried piece that came through longer
])
def test_held_offset_is_the_end_of_the_run_from_zero(spans, held):
    assert held_offset([Piece("k", o, s) for o, s in spans]) == held


@pytest.fixture
def site(app):
    with app.app_context():
        yield context.site()


def _upload(site, length: int, key: str = "3f2a1c9e-0000-4000-8000-000000000001"):
    visit = Visit(ref=codes.new_token()[:32], token_hash=codes.hash_token(codes.new_token()))
    site.db.add(visit)
    site.db.commit()
    return resumable.create(site, visit=visit, upload_key=key, length=length, details={})


def _chunks(data: bytes, size: int):
    for i in range(0, len(data), size):
        yield data[i:i + size]


def test_pieces_resume_and_assemble_to_the_same_bytes(site):
    data = bytes(range(256)) * 9000  # 2.3 MB
    upload = _upload(site, len(data))
    assert resumable.offset_of(site, upload) == 0
    held = resumable.append(site, upload, 0, _chunks(data[:700_000], 64 * 1024))
    assert held == 700_000 == resumable.offset_of(site, upload)
    with pytest.raises(Refusal) as wrong:
        resumable.append(site, upload, 0, [b"x"])
    assert wrong.value.reason == "upload_offset_mismatch"
    resumable.append(site, upload, held, _chunks(data[held:], 300_000))
    assert resumable.assemble(site, upload) == data


def test_a_request_that_breaks_off_keeps_what_arrived(site):
    data = b"abcdefgh" * 100_000
    upload = _upload(site, len(data))

    def cut_after(n: int):
        yield data[:n]
        raise ConnectionResetError("the phone lost its signal")

    with pytest.raises(ConnectionResetError):
        resumable.append(site, upload, 0, cut_after(123_457))
    assert resumable.offset_of(site, upload) == 123_457
    resumable.append(site, upload, 123_457, [data[123_457:]])
    assert resumable.assemble(site, upload) == data


def test_more_bytes_than_announced_are_refused(site):
    upload = _upload(site, 10)
    with pytest.raises(Refusal) as refused:
        resumable.append(site, upload, 0, [b"0123456789", b"x"])
    assert refused.value.reason == "upload_too_long"
    assert resumable.offset_of(site, upload) == 10


def test_the_same_photo_key_finds_the_same_upload(site):
    first = _upload(site, 100, key="k-1")
    again = resumable.create(site, visit=first.visit, upload_key="k-1", length=100, details={})
    assert again.id == first.id


def test_another_visit_cannot_take_over_a_photo_key(site):
    _upload(site, 100, key="k-2")
    with pytest.raises(Refusal) as refused:
        _upload(site, 100, key="k-2")
    assert refused.value.reason == "upload_key_taken"


def test_abandoned_uploads_expire_with_their_pieces(site):
    upload = _upload(site, 1000)
    resumable.append(site, upload, 0, [b"x" * 400])
    later = utcnow() + timedelta(hours=site.settings["TUS_EXPIRY_HOURS"], minutes=1)
    assert resumable.by_name(site, upload.name, now=later) is None
    assert list(resumable.stray_folders(site)) == []
    assert resumable.sweep(site, now=later) == 1
    assert list(site.store.keys(resumable.PREFIX)) == []
    assert site.db.get(PartialUpload, upload.id) is None
