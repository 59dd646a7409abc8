"""The participant pages: the form, plain and per-file posts, receipts, withdrawal, CSRF."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from helpers import EN, RU, answers, fields, tus_metadata, tus_send
from image_factory import small_jpeg
from PIL import Image
from sqlalchemy import func, select

from tablecloth import db
from tablecloth.context import store as storage
from tablecloth.models import City, Group, Photo, PhotoState, utcnow


def photos(*blobs, name="IMG_0001.jpg"):
    return [(io.BytesIO(blob), f"{n}-{name}") for n, blob in enumerate(blobs)]


def text(response) -> str:
    return response.get_data(as_text=True)


def photo_count(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(Photo))


def stored(app) -> list[str]:
    with app.app_context():
        return list(storage().keys())


@pytest.fixture
def nocsrf(app):
    """Switch CSRF off for tests whose subject is something else."""
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_home_page_links_to_the_upload_form(client):
    assert 'href="/upload"' in text(client.get("/", headers=EN))


@pytest.mark.parametrize("headers, words", [
    (EN, ["Send your photos", "Invite code", "First name or nickname", "never your full name",
          "Choose photos", 'accept="image/*,.heic,.heif"', "multiple", "/upload/terms",
          # The guardian's box is explained in the other language too.
          'lang="ru"', "родителя или опекуна"]),
    (RU, ["Отправить фотографии", "Код приглашения", "Имя или никнейм", "без фамилии",
          "Выбрать фотографии", 'lang="en"', "parent or guardian"]),
])
def test_form_renders_in_both_languages(client, group, headers, words):
    page = text(client.get("/upload?code=cov-test-1", headers=headers))
    for word in words:
        assert word in page
    assert 'value="cov-test-1"' in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize("headers, line", [(EN, "Group: Coventry Youth Club, Coventry"),
                                           (RU, "Группа: Coventry Youth Club, Ковентри")])
def test_the_city_comes_from_the_invite_code_and_is_not_asked(client, group, headers, line):
    page = text(client.get("/upload?code=cov-test-1", headers=headers))
    assert 'name="city"' not in page
    assert line in page
    lookup = client.get("/upload/group?code=cov-test-1", headers=headers).json
    assert lookup == {"ok": True, "label": line, "home_language": "en"}
    unknown = client.get("/upload/group?code=nope", headers=RU).json
    assert unknown["ok"] is False and "Такого кода приглашения у нас нет" in unknown["message"]


def test_a_city_sent_by_an_older_page_is_ignored(client, app, group, nocsrf):
    response = client.post("/upload", headers=EN, data={
        **fields(city="volgograd"), "photos": photos(small_jpeg(50))})
    assert response.status_code == 303
    with app.app_context():
        assert db.session().scalars(select(Photo)).one().city.slug == "coventry"


def test_plain_multi_file_post_shows_receipts(client, app, group, nocsrf):
    response = client.post("/upload", headers=EN, data={
        **fields(caption="Cathedral ruins"),
        "photos": photos(small_jpeg(1), small_jpeg(2)),
    })
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/upload/receipts")
    page_response = client.get("/upload/receipts", headers=EN)
    assert page_response.headers["Cache-Control"] == "no-store"
    assert page_response.headers["Referrer-Policy"] == "no-referrer"
    page = text(page_response)
    with app.app_context():
        rows = db.session().scalars(select(Photo)).all()
        assert [p.state for p in rows] == [PhotoState.PENDING] * 2
        assert {p.caption for p in rows} == {"Cathedral ruins"}
        assert {p.caption_language for p in rows} == {"en"}
        assert {p.group.invite_code for p in rows} == {"COV-TEST-1"}
        codes = [p.code for p in rows]
    for code in codes:
        assert code in page
    assert "Awaiting review" in page and "What happens next" in page
    assert "IMG_0001" not in page
    links = re.findall(r'href="(https://tablecloth\.example\.org/upload/withdraw/[^"]+)"', page)
    assert len(links) == 2
    thumbs = re.findall(r'src="(/upload/receipt/[^"]+/thumb)"', page)
    assert len(thumbs) == 2
    thumb = client.get(thumbs[0])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert thumb.headers["Cache-Control"] == "no-store"
    Image.open(io.BytesIO(thumb.data)).verify()


def test_plain_post_keeps_good_photos_and_lists_refused_ones(client, app, group, nocsrf):
    response = client.post("/upload", headers=RU, follow_redirects=True, data={
        **fields(), "photos": photos(small_jpeg(3), b"not a photo at all"),
    })
    page = text(response)
    assert response.status_code == 200
    assert "Спасибо! Ваши фотографии получены." in page
    assert "Мы не можем прочитать этот файл как фотографию" in page
    assert photo_count(app) == 1


def test_form_errors_rerender_in_the_language_with_values_kept(client, app, group, nocsrf):
    response = client.post("/upload", headers=RU, data={
        **fields(code="NOPE", first_name="Аня", consent_self=None),
        "caption": "Родина-мать зовёт", "photos": photos(small_jpeg(4)),
    })
    page = text(response)
    assert response.status_code == 400
    assert "Такого кода приглашения у нас нет" in page
    assert "Поставьте галочку, чтобы подтвердить" in page
    assert 'value="Аня"' in page and "Родина-мать зовёт</textarea>" in page
    assert photo_count(app) == 0 and stored(app) == []


@pytest.mark.parametrize("state, english, russian", [
    ("unknown", "We do not know this invite code", "Такого кода приглашения у нас нет"),
    ("off", "switched off by the organisers", "Организаторы отключили этот код"),
    ("expired", "This invite code has expired", "Срок действия этого кода приглашения истёк"),
    ("blank", "Enter the invite code", "Введите код приглашения"),
])
def test_invite_code_problems_have_distinct_messages(client, app, state, english, russian):
    with app.app_context():
        session = db.session()
        city = session.scalars(select(City).where(City.slug == "coventry")).one()
        session.add(Group(name="G", city=city, invite_code="CODE-1", active=state != "off",
                          expires_at=utcnow() - timedelta(hours=1) if state == "expired"
                          else None))
        session.commit()
    code = {"unknown": "CODE-2", "blank": "  "}.get(state, "CODE-1")
    for headers, message in ((EN, english), (RU, russian)):
        response = tus_send(client, small_jpeg(5), headers, invite=code)
        assert response.status_code == 400
        assert message in response.json["fields"]["code"]
    assert photo_count(app) == 0


def test_invite_code_is_case_insensitive_and_trimmed(client, app, group):
    response = tus_send(client, small_jpeg(6), EN, invite="  cov-test-1 ")
    assert response.status_code == 200
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        assert photo.group is not None and photo.group.invite_code == group


def test_too_many_files_in_one_plain_post(client, app, group, nocsrf):
    app.config["MAX_FILES_PER_UPLOAD"] = 2
    response = client.post("/upload", headers=EN, data={
        **fields(), "photos": photos(small_jpeg(7), small_jpeg(8), small_jpeg(9)),
    })
    assert response.status_code == 400
    assert "You chose 3 photos, but at most 2 can go at once" in text(response)
    assert photo_count(app) == 0


def test_no_photo_chosen(client, app, group, nocsrf):
    response = client.post("/upload", headers=RU, data=fields())
    assert response.status_code == 400
    assert "Выберите хотя бы одну фотографию." in text(response)


@pytest.mark.parametrize("city, band", [("coventry", "under13"), ("volgograd", "16-17")])
def test_guardian_consent_is_required_when_the_rules_ask(client, app, group, city, band):
    invite = group
    if city == "volgograd":
        with app.app_context():
            session = db.session()
            place = session.scalars(select(City).where(City.slug == city)).one()
            session.add(Group(name="Клуб", city=place, invite_code="VLG-TEST-1"))
            session.commit()
        invite = "VLG-TEST-1"
    response = tus_send(client, small_jpeg(10), EN, invite=invite, age_band=band)
    assert response.status_code == 400
    assert "a parent or guardian must agree too" in response.json["fields"]["consent_guardian"]
    response = tus_send(client, small_jpeg(10), EN, invite=invite, age_band=band,
                        consent_guardian="yes")
    assert response.status_code == 200
    with app.app_context():
        assert db.session().scalars(select(Photo)).one().consent_guardian


@pytest.mark.parametrize("missing, message", [
    ("terms", "Tick the box to agree to the terms."),
    ("age_band", "Choose your age group."),
    ("consent_self", "Tick the box to say that you agree to share your photos."),
])
def test_missing_answers(client, app, group, missing, message):
    response = tus_send(client, small_jpeg(11), EN, **{missing: None})
    assert response.status_code == 400
    assert response.json["fields"][missing] == message
    assert response.json["message"] == (
        "Some answers need your attention; see the messages in red.")


def test_name_with_a_phone_number_is_refused(client, app, group):
    response = tus_send(client, small_jpeg(12), RU, first_name="Аня +7 912 345 67 89")
    assert response.status_code == 400
    assert "без адреса электронной почты" in response.json["fields"]["first_name"]


def test_one_photo_through_the_script_path(client, app, group):
    response = tus_send(client, small_jpeg(13), RU, caption="Мамаев курган",
                        filename="IMG_9999.jpg")
    assert response.status_code == 200
    body = response.json
    assert body["ok"] is True and body["state"] == "done"
    assert body["code"] in body["receipt_html"]
    assert "Ждёт проверки" in body["receipt_html"]
    assert "/upload/withdraw/" in body["receipt_html"]
    assert "/upload/mine/" in body["mine_html"] and body["mine_url"] in body["mine_html"]
    assert "IMG_9999" not in body["receipt_html"] + body["mine_html"]
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        assert (photo.code, photo.caption, photo.caption_language) == (
            body["code"], "Мамаев курган", "ru")

    again = tus_send(client, small_jpeg(13), EN, filename="copy.jpg")
    assert again.status_code == 409
    assert again.json == {"ok": False, "state": "refused", "reason": "duplicate", "message":
                          "This photo has already been sent. There is no need to send it again."}


def test_caption_too_long_for_one_photo(client, app, group):
    response = tus_send(client, small_jpeg(14), EN, caption="x" * 281)
    assert response.status_code == 400
    assert response.json["message"] == "This caption is too long. Keep it to 280 characters."


@pytest.mark.parametrize("tus", [True, False])
def test_request_over_the_size_limit_gets_a_translated_answer(client, app, group, nocsrf, tus):
    app.config["MAX_CONTENT_LENGTH"] = 50_000
    big = b"\xff\xd8" + bytes(80_000)
    if tus:
        response = tus_send(client, big, RU)
    else:
        response = client.post("/upload", headers=RU, data={
            **fields(), "photos": (io.BytesIO(big), "big.jpg")})
    assert response.status_code == 413
    expected = "Всё отправленное вместе слишком велико"
    if tus:
        assert response.json["reason"] == "request_too_large"
        assert expected in response.json["message"]
    else:
        assert expected in text(response) and "<html" in text(response)
    assert photo_count(app) == 0 and not [k for k in stored(app) if k.startswith("photos/")]
    assert client.get("/").status_code == 200


def test_post_without_csrf_token_is_refused(client, app, group):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    response = client.post("/upload", headers=RU, data={
        **fields(), "photos": (io.BytesIO(small_jpeg(15)), "a.jpg")})
    assert response.status_code == 400
    assert "Обновите страницу и попробуйте ещё раз" in text(response)
    assert photo_count(app) == 0 and stored(app) == []
    # With the token from the form, the same post goes through.
    page = text(client.get("/upload", headers=EN))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/upload", data={
        **fields(), "csrf_token": token, "photos": (io.BytesIO(small_jpeg(15)), "a.jpg")})
    assert response.status_code == 303


def test_the_tus_endpoint_needs_no_cookie_but_its_own_header(app, group):
    # No session and no form token: a tus client holds only its upload's URL. Instead every
    # request must carry Tus-Resumable, which no other site's form can send.
    stranger = app.test_client(use_cookies=False)
    response = stranger.post("/upload/tus/", headers={"Upload-Length": "10"})
    assert response.status_code == 412 and response.headers["Tus-Version"] == "1.0.0"
    sent = tus_send(stranger, small_jpeg(16), EN)
    assert sent.status_code == 200 and "Set-Cookie" not in sent.headers
    assert photo_count(app) == 1


def _upload_one(client, seed=20):
    response = tus_send(client, small_jpeg(seed), EN)
    assert response.status_code == 200, response.json
    link = re.search(r'href="https://tablecloth\.example\.org(/upload/withdraw/[^"]+)"',
                     response.json["receipt_html"]).group(1)
    return response.json["code"], link


def test_withdrawal_flow(client, app, group):
    app.config["WTF_CSRF_ENABLED"] = False
    code, link = _upload_one(client)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get(link, headers=EN)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    html = text(page)
    assert "Withdraw your photo?" in html and code in html
    thumb = re.search(r'src="(/upload/receipt/[^"]+/thumb)"', html).group(1)
    assert client.get(thumb).status_code == 200
    # A POST without the form's token changes nothing.
    assert client.post(link).status_code == 400
    with app.app_context():
        assert db.session().scalars(select(Photo)).one().state is PhotoState.PENDING
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    done = client.post(link, data={"csrf_token": token}, headers=RU)
    assert done.status_code == 200
    assert "Ваша фотография отозвана" in text(done)
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        assert photo.state is PhotoState.WITHDRAWN and photo.withdrawn_at is not None
    again = text(client.get(link, headers=EN))
    assert "This photo has already been withdrawn" in again
    assert "Withdraw this photo</button>" not in again


def test_approved_photo_is_withdrawn_at_once(client, app, group, nocsrf):
    code, link = _upload_one(client, seed=21)
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        photo.state = PhotoState.APPROVED
        db.session().commit()
    assert "This photo is public now." in text(client.get(link, headers=EN))
    client.post(link)
    assert client.get(f"/P/{code}").status_code == 410


@pytest.mark.parametrize("path", ["/upload/withdraw/unknown-token",
                                  "/upload/withdraw/" + "x" * 300])
def test_unknown_withdrawal_link_gets_a_kind_404(client, path):
    for headers, words in ((EN, "We cannot find this link"), (RU, "Мы не можем найти эту ссылку")):
        response = client.get(path, headers=headers)
        assert response.status_code == 404
        assert words in text(response)


def test_thumbnail_needs_the_private_token(client, app, group, nocsrf):
    code, link = _upload_one(client, seed=22)
    assert client.get("/upload/receipt/wrong/thumb").status_code == 404
    assert client.get(f"/upload/receipt/{code}/thumb").status_code == 404
    # The private link's own thumbnail is served, so the refusals above are not a dead route.
    thumb = re.search(r'src="(/upload/receipt/[^"]+/thumb)"', text(client.get(link, headers=EN)))
    assert thumb, "no thumbnail on the withdrawal page"
    served = client.get(thumb.group(1))
    assert served.status_code == 200 and served.mimetype.startswith("image/")


def test_receipts_page_without_an_upload_goes_to_the_form(client):
    response = client.get("/upload/receipts")
    assert response.status_code == 302 and response.headers["Location"].endswith("/upload")


@pytest.mark.parametrize("headers, first, second", [
    (EN, "Terms of taking part", "Условия участия"),
    (RU, "Условия участия", "Terms of taking part"),
])
def test_terms_in_both_languages(client, headers, first, second):
    page = text(client.get("/upload/terms", headers=headers))
    assert page.index(first) < page.index(second)
    assert "withdraw" in page and "отозвать" in page


def test_wrong_invite_codes_are_limited_per_address(client, app, group):
    app.config["INVITE_RATE_LIMIT"] = 2
    for attempt in ("GUESS-1", "GUESS-2"):
        response = tus_send(client, small_jpeg(40), EN, invite=attempt)
        assert response.status_code == 400
    # Now even the right code waits: a guesser cannot tell which one was right.
    for headers, words in ((EN, "Too many wrong invite codes"),
                           (RU, "слишком много неверных кодов приглашения")):
        response = tus_send(client, small_jpeg(40), headers)
        assert response.status_code == 429
        assert words in response.json["fields"]["code"]
    other = app.test_client()
    response = other.post("/upload/tus/", environ_base={"REMOTE_ADDR": "10.9.8.7"}, headers={
        "Tus-Resumable": "1.0.0", "Upload-Length": "100",
        "Upload-Metadata": tus_metadata(**answers())})
    assert response.status_code == 201


def test_photos_per_address_are_limited(client, app, group):
    app.config["UPLOAD_RATE_LIMIT"] = 1
    first = tus_send(client, small_jpeg(41), EN)
    assert first.status_code == 200
    second = tus_send(client, small_jpeg(42), RU)
    assert second.status_code == 429
    assert "пришло очень много фотографий" in second.json["message"]
    assert photo_count(app) == 1
