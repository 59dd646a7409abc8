"""Viewers report a photo; organisers hide it (410 kind page) or dismiss the report."""

from __future__ import annotations

import pytest
from helpers import csrf_token, fetch, make_photo
from sqlalchemy import select

from tablecloth import db
from tablecloth.models import Photo, PhotoReport, PhotoState

CODE = "7K3QZ9"


def _report(client, reason="permission", text="That is my little brother.", **headers):
    token = csrf_token(client, f"/P/{CODE}/report")
    return client.post(f"/P/{CODE}/report", headers=headers,
                       data={"csrf_token": token, "reason": reason, "text": text})


def _reports(app) -> list[PhotoReport]:
    with app.app_context():
        return db.session().scalars(select(PhotoReport)).all()


def _post(client, path: str, data: dict | None = None):
    """Post a form with a valid token, as the page's own form would."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/organiser/login"),
                                   **(data or {})})


@pytest.mark.parametrize("language,link", [("en", "Report this photo"),
                                           ("ru", "Пожаловаться на фотографию")])
def test_photo_page_links_to_the_report_form(app, client, corpus, language, link):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    html = client.get(f"/P/{CODE}", headers={"Accept-Language": language}).get_data(
        as_text=True)
    assert link in html and f'href="/P/{CODE}/report"' in html
    form = client.get(f"/P/{CODE}/report", headers={"Accept-Language": language})
    assert form.status_code == 200
    assert form.headers["X-Robots-Tag"] == "noindex, nofollow"
    body = form.get_data(as_text=True)
    assert 'name="reason"' in body and 'maxlength="500"' in body
    assert ("What is wrong?" in body) == (language == "en")
    assert ("Что не так?" in body) == (language == "ru")


def test_report_alone_hides_nothing_and_stores_no_address(app, client, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    response = _report(client, text="Это мой брат", **{"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"], headers={"Accept-Language": "ru"})
    assert "Спасибо" in thanks.get_data(as_text=True)
    assert client.get(f"/P/{CODE}").status_code == 200  # still shown
    assert fetch(client, f"/P/{CODE}/web.jpg").status_code == 200
    [saved] = _reports(app)
    assert (saved.reason, saved.text, saved.resolved_at) == ("permission", "Это мой брат", None)
    # No column of the report can hold an address.
    values = [str(getattr(saved, c.key)) for c in PhotoReport.__table__.columns]
    assert not any("127.0.0.1" in v or "203.0.113.9" in v for v in values)


def test_report_needs_a_csrf_token(app, client, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    response = client.post(f"/P/{CODE}/report", data={"reason": "unkind"},
                           headers={"Accept-Language": "ru"})
    assert response.status_code == 400
    assert "Форма устарела" in response.get_data(as_text=True)
    assert _reports(app) == []


@pytest.mark.parametrize("reason,text", [("nonsense", ""), ("other", "x" * 501)])
def test_bad_report_is_refused(app, client, corpus, reason, text):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    assert _report(client, reason=reason, text=text).status_code == 400
    assert _reports(app) == []


def test_reports_are_rate_limited_per_address(app, client, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    answers = [_report(client, reason="other", text="").status_code for _ in range(11)]
    assert answers == [303] * 10 + [429]
    assert len(_reports(app)) == 10


@pytest.mark.parametrize("state", [PhotoState.PENDING, PhotoState.WITHDRAWN])
def test_only_public_photos_can_be_reported(app, client, corpus, state):
    make_photo(app, corpus, state, code=CODE)
    expected = 404 if state == PhotoState.PENDING else 410
    assert client.get(f"/P/{CODE}/report").status_code == expected
    response = _post(client, f"/P/{CODE}/report", {"reason": "unkind", "text": ""})
    assert response.status_code == expected
    assert _reports(app) == []


def test_report_queue_needs_login(client):
    response = client.get("/organiser/reports")
    assert response.status_code == 302 and "/organiser/login" in response.headers["Location"]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_queue_hide_kind_page_then_restore(app, client, logged_in, corpus, language):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    assert _report(client).status_code == 303
    lang = {"Accept-Language": language}
    queue = logged_in.get("/organiser/reports", headers=lang).get_data(as_text=True)
    assert CODE in queue and "That is my little brother." in queue
    assert f"/organiser/photos/{CODE}/thumb" in queue
    assert ("Hide the photo now" in queue) == (language == "en")
    assert ("Скрыть фотографию" in queue) == (language == "ru")

    assert _post(logged_in, f"/organiser/photos/{CODE}/hide").status_code == 302
    gone = client.get(f"/P/{CODE}", headers=lang)
    assert gone.status_code == 410
    html = gone.get_data(as_text=True)
    assert "This photo is no longer shown" in html
    assert "Эта фотография больше не показывается" in html
    assert "Аня" not in html and "<img" not in html
    for kind in ("web", "thumb"):
        assert fetch(client, f"/P/{CODE}/{kind}.jpg").status_code == 410
    assert client.get(f"/P/{CODE}/report").status_code == 410
    with app.app_context():
        photo = db.session().scalars(select(Photo)).one()
        assert photo.state == PhotoState.APPROVED and photo.hidden_at is not None
    [closed] = _reports(app)
    assert closed.resolution == "hidden" and closed.resolved_by_id is not None
    queue = logged_in.get("/organiser/reports").get_data(as_text=True)
    assert f'id="hidden-{CODE}"' in queue and "report-" not in queue.split("Hidden photos")[0]

    assert _post(logged_in, f"/organiser/photos/{CODE}/restore").status_code == 302
    assert client.get(f"/P/{CODE}").status_code == 200
    assert fetch(client, f"/P/{CODE}/web.jpg").status_code == 200


def test_dismiss_leaves_the_photo_shown(app, client, logged_in, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    _report(client)
    [open_report] = _reports(app)
    assert _post(logged_in, f"/organiser/reports/{open_report.id}/dismiss").status_code == 302
    [closed] = _reports(app)
    assert closed.resolution == "dismissed" and closed.resolved_at is not None
    assert client.get(f"/P/{CODE}").status_code == 200
    assert "No open reports." in logged_in.get("/organiser/reports").get_data(as_text=True)


def test_hidden_photo_is_off_the_cloth_page(app, client, logged_in, corpus):
    from tablecloth import context
    from tablecloth.services.cloth import editions

    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    with app.app_context():
        editions.current_cloth(context.site())
    assert f"/P/{CODE}" in client.get("/cloth").get_data(as_text=True)
    _post(logged_in, f"/organiser/photos/{CODE}/hide")
    assert f"/P/{CODE}" not in client.get("/cloth").get_data(as_text=True)


def test_moderation_page_marks_a_hidden_photo(app, client, logged_in, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    _post(logged_in, f"/organiser/photos/{CODE}/hide")
    html = logged_in.get("/organiser/moderation?state=approved").get_data(as_text=True)
    assert f'href="/organiser/reports#hidden-{CODE}"' in html
