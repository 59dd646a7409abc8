"""Moderation: the queue, approving, rejecting, withdrawing, captions and organiser images."""

from __future__ import annotations

import io

import pytest
from helpers import csrf_token
from PIL import Image
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import AgeBand, City, Photo, PhotoState
from tablecloth.services import moderation, uploads

QUEUE = "/organiser/moderation"


def _jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (480, 360), (shade, 120, 255 - shade)).save(out, "JPEG", quality=90)
    return out.getvalue()


def add_photos(app, count: int, city: str = "coventry", start: int = 0) -> list[str]:
    """Store count pending photos through the real upload pipeline; return their codes."""
    found = []
    with app.app_context():
        place = db.session().scalars(select(City).where(City.slug == city)).one()
        for index in range(start, start + count):
            result = uploads.accept_upload(site(),
                _jpeg(10 + index * 7), city=place, first_name=f"Anya{index}",
                caption=f"Caption number {index}", age_band=AgeBand.ADULT, consent_self=True,
            )
            found.append(result.photo.code)
    return found


def state_of(app, code: str) -> Photo:
    with app.app_context():
        return db.session().scalars(select(Photo).where(Photo.code == code)).one()


def act(client, action: str, codes: list[str], **extra):
    data = {"csrf_token": csrf_token(client), "action": action, "code": codes, **extra}
    return client.post(QUEUE, data=data, headers={"Accept-Language": "en"})


def test_queue_shows_pending_photos_with_their_details(app, logged_in):
    codes = add_photos(app, 2)
    page = logged_in.get(QUEUE, headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for index, code in enumerate(codes):
        assert code in text
        assert f"Caption number {index}" in text
        assert f"Anya{index}" in text
        assert f"/organiser/photos/{code}/thumb" in text
    assert "18 or over" in text
    assert "own: yes" in text


def test_queue_in_russian(app, logged_in):
    add_photos(app, 1)
    text = logged_in.get(QUEUE + "?lang=ru").get_data(as_text=True)
    assert "Одобрить" in text and "Ждут проверки" in text


def test_thumbnails_are_served_to_organisers_only(app, client, auth):
    (code,) = add_photos(app, 1)
    for kind in ("thumb", "web"):
        anonymous = client.get(f"/organiser/photos/{code}/{kind}")
        assert anonymous.status_code == 302
        assert anonymous.location.startswith("/organiser/login")
    assert auth.login().status_code == 302
    thumb = client.get(f"/organiser/photos/{code.lower()}/thumb")
    assert thumb.status_code == 200
    assert thumb.mimetype.startswith("image/")
    assert "private" in thumb.headers["Cache-Control"]
    image = Image.open(io.BytesIO(thumb.data))
    thumb.close()
    assert max(image.size) <= app.config["THUMB_SIZE_PX"]
    with client.get(f"/organiser/photos/{code}/web") as web:
        assert web.status_code == 200
    again = client.get(f"/organiser/photos/{code}/thumb",
                       headers={"If-None-Match": thumb.headers["ETag"]})
    assert again.status_code == 304
    # The master is never served over the web, not even to organisers.
    assert client.get(f"/organiser/photos/{code}/master").status_code == 404
    assert client.get("/organiser/photos/ZZZZZZ/thumb").status_code == 404
    # The address before organiser URLs were tidied still leads there.
    moved = client.get(f"/organiser/photo/{code.lower()}/thumb")
    assert moved.status_code == 308
    assert moved.headers["Location"].endswith(f"/organiser/photos/{code.lower()}/thumb")


def test_approve_one(app, logged_in):
    first, second = add_photos(app, 2)
    response = act(logged_in, "approve", [first])
    assert response.status_code == 302
    assert response.location.startswith(QUEUE)
    assert state_of(app, first).state == PhotoState.APPROVED
    assert state_of(app, first).reviewed_by_id is not None
    assert state_of(app, second).state == PhotoState.PENDING
    page = logged_in.get(response.location, headers={"Accept-Language": "en"})
    assert f"Approved 1 photo: {first}." in page.get_data(as_text=True)


def test_reject_one_with_reason(app, logged_in):
    (code,) = add_photos(app, 1)
    act(logged_in, "reject", [code], reason="  shows a   car's number plate ")
    photo = state_of(app, code)
    assert photo.state == PhotoState.REJECTED
    assert photo.reject_reason == "shows a car's number plate"
    rejected = logged_in.get(QUEUE + "?state=rejected").get_data(as_text=True)
    assert f'id="photo-{code}"' in rejected and "shows a car&#39;s number plate" in rejected


def test_bulk_approve_and_reject(app, logged_in):
    codes = add_photos(app, 5)
    act(logged_in, "approve", codes[:3])
    act(logged_in, "reject", [c.lower() for c in codes[3:]])
    assert [state_of(app, c).state for c in codes] == [PhotoState.APPROVED] * 3 + [
        PhotoState.REJECTED] * 2
    with app.app_context():
        counts = moderation.counts(site())
    assert counts[PhotoState.APPROVED] == 3 and counts[PhotoState.PENDING] == 0
    pending_page = logged_in.get(QUEUE).get_data(as_text=True)
    assert not any(f'id="photo-{code}"' in pending_page for code in codes)


def test_bulk_with_nothing_ticked_says_so(logged_in):
    response = act(logged_in, "approve", [])
    page = logged_in.get(response.location, headers={"Accept-Language": "en"})
    assert "Tick at least one photo first." in page.get_data(as_text=True)


def test_withdraw_is_final(app, logged_in):
    (code,) = add_photos(app, 1)
    act(logged_in, "approve", [code])
    act(logged_in, "withdraw", [code])
    photo = state_of(app, code)
    assert photo.state == PhotoState.WITHDRAWN and photo.withdrawn_at is not None
    response = act(logged_in, "approve", [code])
    page = logged_in.get(response.location, headers={"Accept-Language": "en"})
    assert f"{code} was withdrawn and cannot be approved." in page.get_data(as_text=True)
    assert state_of(app, code).state == PhotoState.WITHDRAWN
    # The public page says the photo was withdrawn rather than pretending it never existed.
    assert logged_in.get(f"/P/{code}").status_code == 410


def test_unknown_action_is_refused(app, logged_in):
    (code,) = add_photos(app, 1)
    assert act(logged_in, "delete", [code]).status_code == 400
    assert state_of(app, code).state == PhotoState.PENDING


def test_edit_caption(app, logged_in):
    (code,) = add_photos(app, 1)
    response = logged_in.post(f"/organiser/photos/{code}/caption", data={
        "csrf_token": csrf_token(logged_in), "caption": "  Мамаев курган  \n  at dawn ",
        "state": "pending"})
    assert response.status_code == 302
    assert state_of(app, code).caption == "Мамаев курган\nat dawn"
    too_long = logged_in.post(f"/organiser/photos/{code}/caption", data={
        "csrf_token": csrf_token(logged_in), "caption": "x" * 281})
    page = logged_in.get(too_long.location, headers={"Accept-Language": "en"})
    assert "The caption is too long" in page.get_data(as_text=True)
    assert state_of(app, code).caption == "Мамаев курган\nat dawn"


def test_filter_by_state_and_city(app, logged_in):
    coventry = add_photos(app, 2, "coventry")
    volgograd = add_photos(app, 2, "volgograd", start=10)
    act(logged_in, "approve", [coventry[0], volgograd[0]])
    page = logged_in.get(QUEUE + "?state=approved&city=volgograd").get_data(as_text=True)
    assert f'id="photo-{volgograd[0]}"' in page
    assert not any(f'id="photo-{code}"' in page
                   for code in (coventry[0], coventry[1], volgograd[1]))
    everything = logged_in.get(QUEUE + "?state=all").get_data(as_text=True)
    assert all(f'id="photo-{code}"' in everything for code in coventry + volgograd)


def test_action_returns_to_the_same_filter(app, logged_in):
    (code,) = add_photos(app, 1, "volgograd")
    response = act(logged_in, "approve", [code], state="pending", city="volgograd")
    assert response.location == QUEUE + "?state=pending&city=volgograd"


def test_dashboard_counts_each_state(app, logged_in):
    codes = add_photos(app, 3)
    act(logged_in, "reject", codes[:1])
    text = logged_in.get("/organiser/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "2 photos wait for review." in text
    assert 'href="/organiser/moderation?state=rejected"' in text


@pytest.mark.parametrize("raw", ["7k3qz9", " 7K3-QZ9 ", "7K3QZ9"])
def test_find_photo_accepts_any_case(app, raw):
    with app.app_context():
        place = db.session().scalars(select(City).where(City.slug == "coventry")).one()
        photo = uploads.accept_upload(site(), _jpeg(3), city=place, first_name="Tom",
                                      approve=True).photo
        photo.code = "7K3QZ9"
        db.session().commit()
        assert moderation.find_photo(site(), raw).id == photo.id
        assert moderation.find_photo(site(), "nonsense") is None


def test_queue_says_how_a_name_with_an_emoji_will_print(app, logged_in):
    with app.app_context():
        place = db.session().scalars(select(City).where(City.slug == "volgograd")).one()
        # Accepted from the participant as written: the cloth's limits are the organisers'.
        result = uploads.accept_upload(site(), _jpeg(99), city=place, first_name="Аня 🌸",
                                       age_band=AgeBand.ADULT, consent_self=True)
        plain = uploads.accept_upload(site(), _jpeg(42), city=place, first_name="李娜",
                                      age_band=AgeBand.ADULT, consent_self=True)
    text = logged_in.get(QUEUE, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert result.photo.code in text and plain.photo.code in text
    assert "On the cloth this name prints as “Аня”: emoji (🌸) cannot be printed" in text
    assert text.count("On the cloth this name prints as") == 1
    ru = logged_in.get(QUEUE + "?lang=ru").get_data(as_text=True)
    assert "На скатерти это имя напечатается как «Аня»" in ru
