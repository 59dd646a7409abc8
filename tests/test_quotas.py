"""Group quotas refuse uploads beyond the limit (the invitation PDF: test_groups.py)."""

from __future__ import annotations

import pytest
from helpers import EN, RU, csrf_token, tus_send
from image_factory import small_jpeg
from sqlalchemy import select

from tablecloth import context, db
from tablecloth.models import City, Group
from tablecloth.services import uploads

GROUPS = "/organiser/groups"


def _group(app) -> Group:
    with app.app_context():
        return db.session().scalars(select(Group)).one()


def _set(app, photos=None, mb=None):
    with app.app_context():
        group = db.session().scalars(select(Group)).one()
        group.quota_photos, group.quota_mb = photos, mb
        db.session().commit()


def _upload(client, seed, headers=EN):
    return tus_send(client, small_jpeg(seed), headers)


@pytest.fixture
def nocsrf(app):
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def test_photo_quota_refuses_the_next_upload_in_both_languages(app, client, group, nocsrf):
    _set(app, photos=2)
    assert [_upload(client, seed).status_code for seed in (1, 2)] == [200, 200]
    refused = _upload(client, 3)
    assert refused.status_code == 400 and refused.json["reason"] == "quota_reached"
    assert "Your group has sent as many photos as it can" in refused.json["message"]
    russian = _upload(client, 4, RU).json["message"]
    assert "Ваша группа уже отправила" in russian
    _set(app, photos=None)  # unlimited again
    assert _upload(client, 3).status_code == 200


def test_megabyte_quota_counts_the_stored_files(app, client, group, nocsrf):
    _set(app, mb=0)
    refused = _upload(client, 1)
    assert refused.status_code == 400 and refused.json["reason"] == "quota_reached"
    _set(app, mb=1)
    assert _upload(client, 1).status_code == 200


def test_withdrawn_photos_free_their_place(app, group):
    with app.app_context():
        city = db.session().scalars(select(City).where(City.slug == "coventry")).one()
        team = db.session().scalars(select(Group)).one()
        team.quota_photos = 1
        site = context.site()
        first = uploads.accept_upload(site, small_jpeg(1), city=city, first_name="Sam",
                                      group=team, approve=True)
        with pytest.raises(uploads.UploadRefused) as refused:
            uploads.accept_upload(site, small_jpeg(2), city=city, first_name="Sam", group=team,
                                  approve=True)
        assert refused.value.reason == "quota_reached"
        first.photo.withdraw()
        db.session().commit()
        uploads.accept_upload(site, small_jpeg(2), city=city, first_name="Sam", group=team,
                              approve=True)


def test_quota_is_editable_on_the_groups_page(app, logged_in, group):
    html = logged_in.get("/organiser/groups", headers=RU).get_data(as_text=True)
    assert "Квота" in html and 'name="quota_photos"' in html
    response = logged_in.post(f"/organiser/groups/{group}/quota", data={
        "csrf_token": csrf_token(logged_in, GROUPS), "quota_photos": "25", "quota_mb": ""})
    assert response.status_code == 302
    saved = _group(app)
    assert (saved.quota_photos, saved.quota_mb) == (25, None)
    logged_in.post(f"/organiser/groups/{group}/quota", data={
        "csrf_token": csrf_token(logged_in, GROUPS), "quota_photos": "many", "quota_mb": "5"})
    assert (_group(app).quota_photos, _group(app).quota_mb) == (25, None)  # refused whole
    page = logged_in.get("/organiser/groups").get_data(as_text=True)
    assert "A quota is a whole number" in page


def test_uploads_racing_for_the_last_places_never_pass_the_quota(app, group):
    """Eight uploads at once into a group with three places left: exactly three get in."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from tablecloth.models import AgeBand, Photo

    _set(app, photos=3)
    start = threading.Barrier(8)

    def upload(seed: int) -> str:
        with app.app_context():
            site = context.site()
            team = db.session().scalars(select(Group)).one()
            data = small_jpeg(100 + seed)
            start.wait(timeout=60)
            try:
                uploads.accept_upload(site, data, city=team.city, first_name="Anya",
                                      group=team, age_band=AgeBand.ADULT, consent_self=True)
            except uploads.UploadRefused as refused:
                return refused.reason
            return "stored"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = sorted(pool.map(upload, range(8)))
    assert outcomes == ["quota_reached"] * 5 + ["stored"] * 3
    with app.app_context():
        assert len(db.session().scalars(select(Photo)).all()) == 3
        # Master, web copy, thumbnail and tile of each: nothing half-stored.
        assert len(list(context.store().keys("photos/"))) == 3 * 4
