"""accept_upload stores three clean files and one row, all or nothing; withdrawal by token."""

from __future__ import annotations

import hashlib
import io
import threading
from datetime import timedelta

import pytest
from image_factory import pattern
from PIL import Image
from sqlalchemy import func, select

from tablecloth import codes, context, db
from tablecloth.context import store as storage
from tablecloth.models import AgeBand, City, Group, Photo, PhotoState, StoredFile, utcnow
from tablecloth.services import uploads, withdrawals
from tablecloth.services.site import Site
from tablecloth.storage import StorageError


def small_jpeg(seed: int = 0, size=(64, 48)) -> bytes:
    """Return a small JPEG whose bytes differ for every seed."""
    im = pattern(size)
    im.putpixel((size[0] - 1, size[1] - 1), (seed % 256, (seed // 256) % 256, 7))
    out = io.BytesIO()
    im.save(out, "JPEG", quality=95, comment=f"seed {seed}".encode())
    return out.getvalue()


def site() -> Site:
    return context.site()


def city(slug: str) -> City:
    return db.session().scalars(select(City).where(City.slug == slug)).one()


def participant(**overrides):
    values = dict(city=city("coventry"), first_name="Anya", age_band=AgeBand.FROM_16_TO_17,
                  consent_self=True)
    values.update(overrides)
    return values


def photo_count() -> int:
    return db.session().scalar(select(func.count()).select_from(Photo))


def stored_keys() -> list[str]:
    return list(storage().keys())


class FailingStorage:
    """Wrap the real storage; the n-th put raises, or runs a callback first (fault injection)."""

    def __init__(self, inner, fail_on: int | None = None, before_put=None) -> None:
        self.inner, self.fail_on, self.before_put, self.puts = inner, fail_on, before_put, 0

    def put(self, key, data, content_type):
        self.puts += 1
        if self.before_put is not None:
            self.before_put(self.puts)
        if self.puts == self.fail_on:
            raise StorageError("disk full (injected)")
        return self.inner.put(key, data, content_type)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_stores_three_clean_files_with_fixity(ctx, corpus):
    data = (corpus / "jpg_gps_DSCN0010.jpg").read_bytes()
    result = uploads.accept_upload(site(), data, caption="Mamayev Kurgan", **participant())
    photo = result.photo
    assert photo.state is PhotoState.PENDING
    assert codes.normalise(photo.code) == photo.code
    assert photo.source_sha256 == hashlib.sha256(data).hexdigest()
    assert photo.withdraw_token_hash == codes.hash_token(result.withdraw_token)
    assert photo.consent_self and photo.consent_at is not None
    assert sorted(f.kind for f in photo.files) == ["master", "thumb", "tile", "web"]
    assert sorted(stored_keys()) == sorted(f.key for f in photo.files)
    for stored in photo.files:
        assert stored.key.startswith(f"photos/{photo.code}/")
        assert "DSCN" not in stored.key  # never the participant's file name
        blob = storage().get(stored.key)
        assert hashlib.sha256(blob).hexdigest() == stored.sha256
        assert len(blob) == stored.size
        image = Image.open(io.BytesIO(blob))
        assert Image.MIME[image.format] == stored.content_type
        assert image.size == (stored.width, stored.height)
        assert not image.getexif(), "EXIF left in a stored file"
        assert b"Exif" not in blob and b"NIKON" not in blob
    assert max(photo.file("thumb").width, photo.file("thumb").height) <= 400


def test_heic_from_an_iphone_is_accepted_without_location(ctx, corpus):
    data = (corpus / "heic_IMG_5195.HEIC").read_bytes()
    photo = uploads.accept_upload(site(), data, **participant()).photo
    master = storage().get(photo.file("master").key)
    assert Image.open(io.BytesIO(master)).format == "JPEG"
    assert b"Exif" not in master and b"Apple" not in master


def test_approve_publishes_at_once_without_participant_fields(ctx):
    photo = uploads.accept_upload(site(), small_jpeg(1), city=city("volgograd"), first_name="Миша",
                                  approve=True).photo
    assert photo.state is PhotoState.APPROVED
    assert photo.reviewed_at is not None


def test_exact_duplicate_is_refused_and_stores_nothing_more(ctx):
    data = small_jpeg(2)
    uploads.accept_upload(site(), data, **participant())
    keys = stored_keys()
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.accept_upload(site(), data, **participant(first_name="Someone"))
    assert refused.value.reason == "duplicate"
    assert photo_count() == 1
    assert stored_keys() == keys


@pytest.mark.parametrize("fail_on", [1, 2, 3])
def test_storage_failure_midway_leaves_nothing(ctx, fail_on):
    failing = Site(db=db.session(), store=FailingStorage(storage(), fail_on=fail_on),
                   settings=ctx.config)
    with pytest.raises(StorageError):
        uploads.accept_upload(failing, small_jpeg(3), **participant())
    assert photo_count() == 0
    assert db.session().scalar(select(func.count()).select_from(StoredFile)) == 0
    assert stored_keys() == []
    # The same photo can be sent again once the storage works.
    assert uploads.accept_upload(context.site(), small_jpeg(3), **participant()).photo.id


def test_identical_upload_committed_meanwhile_makes_the_loser_clean_up(ctx):
    """A concurrent request commits the same bytes while this one writes its files."""
    data = small_jpeg(4)
    coventry_id = city("coventry").id

    def rival_commits(put_number):
        if put_number == 3:  # after this request's duplicate check, before its commit
            rival = ctx.extensions["tablecloth.sessions"]()
            rival.add(Photo(code="RVAL00", city_id=coventry_id, first_name="Rival",
                            source_sha256=hashlib.sha256(data).hexdigest()))
            rival.commit()
            rival.close()

    failing = Site(db=db.session(), store=FailingStorage(storage(), before_put=rival_commits),
                   settings=ctx.config)
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.accept_upload(failing, data, **participant())
    assert refused.value.reason == "duplicate"
    assert db.session().scalars(select(Photo.code)).all() == ["RVAL00"]
    assert stored_keys() == []


def test_concurrent_identical_uploads_store_one_photo(app):
    data = small_jpeg(5)
    outcomes = []
    barrier = threading.Barrier(4)

    def upload():
        with app.app_context():
            barrier.wait()
            try:
                uploads.accept_upload(site(), data, **participant())
                outcomes.append("stored")
            except uploads.UploadRefused as exc:
                outcomes.append(exc.reason)

    threads = [threading.Thread(target=upload) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate"] * 3 + ["stored"]
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        assert sorted(stored_keys()) == sorted(f.key for f in photo.files)


def test_a_code_already_issued_is_never_reused(ctx, monkeypatch):
    first = uploads.accept_upload(site(), small_jpeg(6), **participant()).photo
    first.withdraw()
    db.session().commit()
    offered = iter([first.code, first.code, "7K3QZ9"])
    monkeypatch.setattr(codes, "new_code", lambda: next(offered))
    second = uploads.accept_upload(site(), small_jpeg(7), **participant()).photo
    assert second.code == "7K3QZ9"


def test_code_with_files_left_by_a_crash_is_skipped(ctx, monkeypatch):
    storage().put("photos/AAAAAA/master.jpg", b"left by a crash", "image/jpeg")
    offered = iter(["AAAAAA", "BBBBBB"])
    monkeypatch.setattr(codes, "new_code", lambda: next(offered))
    assert uploads.accept_upload(site(), small_jpeg(8), **participant()).photo.code == "BBBBBB"
    assert storage().get("photos/AAAAAA/master.jpg") == b"left by a crash"


@pytest.mark.parametrize("raw, cleaned", [
    ("  Anya  ", "Anya"),
    ("Аня", "Аня"),
    ("Mary\u202eJane", "MaryJane"),  # a bidi override would disguise the name for moderators
    ("Zoë\x00\x07", "Zoë"),
    ("Ben  \t Ali", "Ben Ali"),
    ("R2D2", "R2D2"),
])
def test_first_name_is_cleaned(raw, cleaned):
    assert uploads.clean_first_name(raw) == cleaned


@pytest.mark.parametrize("raw, reason", [
    ("", "bad_name"),
    ("   \x00 ", "bad_name"),
    ("x" * 41, "bad_name"),
    ("anya@example.org", "contact_in_name"),
    ("@anya_insta", "contact_in_name"),
    ("+7 912 345-67-89", "contact_in_name"),
    ("07700 900123", "contact_in_name"),
    ("www.anya.ru", "contact_in_name"),
])
def test_names_with_contact_details_or_bad_length_are_refused(raw, reason):
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.clean_first_name(raw)
    assert refused.value.reason == reason


def test_caption_is_cleaned_and_limited():
    messy = " Line\x00 one\r\n\r\n\r\n\r\nline\ttwo "
    assert uploads.clean_caption(messy) == "Line one\n\nline two"
    assert len(uploads.clean_caption("я" * 280)) == 280
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.clean_caption("я" * 281)
    assert refused.value.reason == "caption_too_long"


@pytest.mark.parametrize("slug, band, needed", [
    ("coventry", "under13", True),
    ("coventry", "13-15", False),
    ("coventry", "16-17", False),
    ("coventry", "18+", False),
    ("volgograd", "under13", True),
    ("volgograd", "13-15", True),
    ("volgograd", "16-17", True),
    ("volgograd", "18+", False),
])
def test_guardian_consent_rules(ctx, slug, band, needed):
    assert uploads.guardian_consent_needed(city(slug), band) is needed
    kwargs = participant(city=city(slug), age_band=AgeBand(band))
    if needed:
        with pytest.raises(uploads.UploadRefused) as refused:
            uploads.accept_upload(site(), small_jpeg(9), **kwargs)
        assert refused.value.reason == "guardian_consent_missing"
        assert stored_keys() == [] and photo_count() == 0
        kwargs["consent_guardian"] = True
    photo = uploads.accept_upload(site(), small_jpeg(9), **kwargs).photo
    assert photo.consent_guardian is needed


@pytest.mark.parametrize("overrides, reason", [
    ({"consent_self": False}, "consent_missing"),
    ({"age_band": None}, "age_band_missing"),
    ({"first_name": "me@example.org"}, "contact_in_name"),
    ({"caption": "x" * 300}, "caption_too_long"),
])
def test_participant_fields_are_checked_before_anything_is_stored(ctx, overrides, reason):
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.accept_upload(site(), small_jpeg(10), **participant(**overrides))
    assert refused.value.reason == reason
    assert stored_keys() == [] and photo_count() == 0


@pytest.mark.parametrize("change", ["off", "expired"])
def test_closed_group_is_refused_by_the_one_invite_rule(ctx, change):
    group = Group(name="Old", city=city("coventry"), invite_code="OLD-1",
                  active=change != "off",
                  expires_at=utcnow() - timedelta(days=1) if change == "expired" else None)
    db.session().add(group)
    db.session().commit()
    with pytest.raises(uploads.InviteRefused) as refused:
        uploads.accept_upload(site(), small_jpeg(11), group=group, **participant())
    assert refused.value.reason == f"invite_{change}"
    with pytest.raises(uploads.InviteRefused) as typed:
        uploads.open_group(site(), " old-1 ")
    assert typed.value.reason == f"invite_{change}" and typed.value.group.id == group.id
    assert stored_keys() == [] and photo_count() == 0


@pytest.mark.parametrize("raw, reason", [
    ("", "invite_missing"), ("  ", "invite_missing"),
    ("NOPE-1", "invite_unknown"), ("X" * 65, "invite_unknown"),
])
def test_open_group_refuses_missing_and_unknown_codes(ctx, raw, reason):
    with pytest.raises(uploads.InviteRefused) as refused:
        uploads.open_group(site(), raw)
    assert refused.value.reason == reason and refused.value.group is None


def test_open_group_finds_a_code_typed_in_any_case(ctx):
    group = Group(name="Club", city=city("coventry"), invite_code="COV-AB12")
    db.session().add(group)
    db.session().commit()
    assert uploads.open_group(site(), "cov-ab 12").id == group.id


def test_image_refusals_keep_their_reason_and_detail(ctx):
    ctx.config["MAX_UPLOAD_BYTES"] = 2000
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.accept_upload(site(), small_jpeg(12, size=(200, 200)), **participant())
    assert refused.value.reason == "too_large"
    assert refused.value.detail["limit_bytes"] == 2000
    assert "larger than 0 MB" in str(refused.value)


@pytest.mark.parametrize("text, language", [
    ("Родина-мать", "ru"), ("Cathedral ruins", "en"), ("12:30 🙂", "ru"),
    ("Собор святого Михаила, Coventry", "ru"),
])
def test_caption_language_guess(text, language):
    assert uploads.guess_language(text, fallback="ru") == language


def test_withdraw_by_token(ctx):
    result = uploads.accept_upload(site(), small_jpeg(13), **participant())
    assert withdrawals.find_by_token(site(), "not-a-token") is None
    assert withdrawals.withdraw_by_token(site(), "not-a-token") is None
    assert withdrawals.withdraw_by_token(site(), "x" * 500) is None
    photo = withdrawals.withdraw_by_token(site(), result.withdraw_token)
    assert photo.id == result.photo.id and photo.state is PhotoState.WITHDRAWN
    when = photo.withdrawn_at
    again = withdrawals.withdraw_by_token(site(), result.withdraw_token)
    assert again.state is PhotoState.WITHDRAWN and again.withdrawn_at == when
    # Files stay (fixity, a later edition's audit); only the state changes.
    assert len(stored_keys()) == 4  # master, web, thumb and /cloth's tile
