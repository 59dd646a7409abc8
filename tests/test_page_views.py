"""Page views of each public photo are counted per day, with nothing about the viewer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers import SECOND_SOURCE, fetch, make_photo
from sqlalchemy import select

from tablecloth import context, db
from tablecloth.models import Photo, PhotoScan, PhotoState, utcnow
from tablecloth.services import page_views

CODE, OTHER = "7K3QZ9", "8M4RA2"


def _counts(app) -> dict[tuple[str, str], int]:
    with app.app_context():
        page_views.flush(context.site())  # views wait in this process for up to SCAN_FLUSH_SECONDS
        rows = db.session().execute(
            select(Photo.code, PhotoScan.day, PhotoScan.count).join(Photo)).all()
        return {(code, day.isoformat()): count for code, day, count in rows}


def test_each_page_view_adds_one_for_today(app, client, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    for path in (f"/P/{CODE}", f"/p/{CODE.lower()}", f"/P/{CODE}"):
        assert client.get(path, headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 200
    fetch(client, f"/P/{CODE}/web.jpg")  # images are not page views
    today = utcnow().date().isoformat()
    assert _counts(app) == {(CODE, today): 3}


def test_no_viewer_data_is_stored():
    assert {c.name for c in PhotoScan.__table__.columns} == {"photo_id", "day", "count"}


@pytest.mark.parametrize("state", [PhotoState.PENDING, PhotoState.REJECTED,
                                   PhotoState.WITHDRAWN])
def test_unpublished_photos_are_not_counted(app, client, corpus, state):
    make_photo(app, corpus, state, code=CODE)
    make_photo(app, corpus, PhotoState.APPROVED, code=OTHER, source=SECOND_SOURCE)
    assert client.get(f"/P/{OTHER}").status_code == 200  # shown, so counted
    expected = 410 if state == PhotoState.WITHDRAWN else 404
    assert client.get(f"/P/{CODE}").status_code == expected  # not shown, so not counted
    assert _counts(app) == {(OTHER, utcnow().date().isoformat()): 1}


def test_days_are_separate_and_the_fallback_path_agrees(app, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    today = utcnow().date()
    with app.app_context():
        site = context.site()
        photo_id = db.session().scalars(select(Photo.id)).one()
        page_views.count(site, photo_id, today - timedelta(days=1))
        # The portable UPDATE-then-INSERT path, for databases without an upsert.
        for _ in range(2):
            page_views._update_or_insert(site, photo_id, today, 1)
            site.db.commit()
        page_views.count(site, photo_id, today)
        assert page_views.views_of(site, photo_id) == 4
    yesterday = (today - timedelta(days=1)).isoformat()
    assert _counts(app) == {(CODE, yesterday): 1, (CODE, today.isoformat()): 3}


def test_dashboard_shows_page_views_and_overview(app, client, logged_in, corpus, group):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    make_photo(app, corpus, PhotoState.APPROVED, code=OTHER, source=SECOND_SOURCE,
               name="Борис", city="coventry")
    for _ in range(3):
        client.get(f"/P/{OTHER}")
    client.get(f"/P/{CODE}")
    html = logged_in.get("/organiser/", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "4 views of photo pages so far." in html
    top = html.split("Most viewed photos")[1]
    assert top.index(OTHER) < top.index(CODE)
    assert "Photos per city" in html and "Uploads per group and week" in html
    assert "0 tasks wait for an organiser" in html
    russian = logged_in.get("/organiser/", headers={"Accept-Language": "ru"}).get_data(
        as_text=True)
    assert "Пока 4 просмотра страниц фотографий." in russian


def test_views_are_gathered_and_written_together(app, client, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    for _ in range(5):
        client.get(f"/P/{CODE}")
    with app.app_context():
        written = db.session().execute(select(PhotoScan.count)).scalars().all()
    assert written == []  # still gathered in memory, within the default 5 seconds
    assert _counts(app) == {(CODE, utcnow().date().isoformat()): 5}


def test_no_gathering_when_flush_interval_is_zero(app, client, corpus):
    app.config["SCAN_FLUSH_SECONDS"] = 0
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    client.get(f"/P/{CODE}")
    with app.app_context():
        written = db.session().execute(select(PhotoScan.count)).scalars().all()
    assert written == [1]
