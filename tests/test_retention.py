"""`tablecloth purge`: files of long-withdrawn or long-rejected photos go, their codes stay."""

from __future__ import annotations

from datetime import timedelta

from helpers import make_photo
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import store as storage
from tablecloth.models import Photo, PhotoState, StoredFile, utcnow

OLD_WITHDRAWN, OLD_REJECTED, NEW_WITHDRAWN, OLD_APPROVED = "AAAA01", "AAAA02", "AAAA03", "AAAA04"
SOURCES = ["jpg_gps_DSCN0010.jpg", "jpg_gps_DSCN0021.jpg", "jpg_Canon_40D.jpg",
           "jpg_mobile_jolla.jpg"]


def _setup(app, corpus):
    states = {OLD_WITHDRAWN: (PhotoState.WITHDRAWN, 100), OLD_REJECTED: (PhotoState.REJECTED, 91),
              NEW_WITHDRAWN: (PhotoState.WITHDRAWN, 10), OLD_APPROVED: (PhotoState.APPROVED, 400)}
    for (code, (state, age)), source in zip(states.items(), SOURCES, strict=True):
        make_photo(app, corpus, state, code=code, source=source)
        with app.app_context():
            photo = db.session().scalars(select(Photo).where(Photo.code == code)).one()
            then = utcnow() - timedelta(days=age)
            photo.reviewed_at = then
            if state == PhotoState.WITHDRAWN:
                photo.withdrawn_at = then
            db.session().commit()


def _keys(app, code):
    with app.app_context():
        return sorted(k for k in storage().keys(f"photos/{code}/"))


def _rows(app, code):
    with app.app_context():
        return db.session().scalars(
            select(StoredFile.key).join(Photo).where(Photo.code == code)).all()


def test_dry_run_lists_and_deletes_nothing(app, runner, corpus):
    _setup(app, corpus)
    result = runner.invoke(args=["purge", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would purge {OLD_WITHDRAWN} (withdrawn" in result.output
    assert f"would purge {OLD_REJECTED} (rejected" in result.output
    assert NEW_WITHDRAWN not in result.output and OLD_APPROVED not in result.output
    assert "2 photos would purge" in result.output
    for code in (OLD_WITHDRAWN, OLD_REJECTED):
        assert len(_keys(app, code)) == 3 and len(_rows(app, code)) == 3


def test_purge_deletes_files_keeps_codes(app, runner, client, corpus):
    _setup(app, corpus)
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert f"purged {OLD_WITHDRAWN} (withdrawn" in result.output and "3 files" in result.output
    for code in (OLD_WITHDRAWN, OLD_REJECTED):
        assert _keys(app, code) == [] and _rows(app, code) == []
    for code in (NEW_WITHDRAWN, OLD_APPROVED):
        assert len(_keys(app, code)) == 3 and len(_rows(app, code)) == 3
    with app.app_context():
        assert len(db.session().scalars(select(Photo)).all()) == 4  # every code stays reserved
    assert client.get(f"/P/{OLD_WITHDRAWN}").status_code == 410
    # No file is left to name, so the image address answers the plain "nothing here".
    assert client.get(f"/P/{OLD_WITHDRAWN}/web.jpg").status_code == 404
    assert client.get(f"/P/{OLD_REJECTED}").status_code == 404
    assert client.get(f"/P/{OLD_APPROVED}").status_code == 200
    # Nothing left to do the second time.
    assert "0 photos purged" in runner.invoke(args=["purge"]).output


def test_retention_days_setting_and_option(app, runner, corpus):
    _setup(app, corpus)
    app.config["RETENTION_DAYS"] = 5
    assert f"would purge {NEW_WITHDRAWN}" in runner.invoke(args=["purge", "--dry-run"]).output
    output = runner.invoke(args=["purge", "--dry-run", "--days", "95"]).output
    assert OLD_WITHDRAWN in output and OLD_REJECTED not in output
