"""The organisers' overview numbers (services/stats.py): photos per city and state, uploads per
group and week."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import City, Group, Photo, PhotoState, utcnow
from tablecloth.services import stats

_codes = itertools.count(1)


def _city(slug: str) -> City:
    return db.session().scalars(select(City).where(City.slug == slug)).one()


def _group(name: str, slug: str = "coventry") -> Group:
    group = Group(name=name, city=_city(slug), invite_code=f"T-{name[:8].upper()}")
    db.session().add(group)
    return group


def _photo(state: PhotoState = PhotoState.PENDING, slug: str = "coventry",
           group: Group | None = None, weeks_ago: int = 0) -> Photo:
    """Add a photo row (no files: the numbers count rows) made weeks_ago weeks ago."""
    number = next(_codes)
    photo = Photo(code=f"S{number:05d}", state=state, city=_city(slug), group=group,
                  first_name="Sam", source_sha256=hashlib.sha256(b"%d" % number).hexdigest(),
                  created_at=utcnow() - timedelta(weeks=weeks_ago))
    if state == PhotoState.WITHDRAWN:
        photo.withdraw()
    db.session().add(photo)
    return photo


def test_every_city_has_a_count_for_every_state(app):
    with app.app_context():
        for state in (PhotoState.PENDING, PhotoState.PENDING, PhotoState.APPROVED,
                      PhotoState.WITHDRAWN):
            _photo(state, "volgograd")
        _photo(PhotoState.REJECTED, "coventry")
        db.session().commit()
        found = [(city.slug, counts) for city, counts in stats.per_city_and_state(site())]
    zero = dict.fromkeys(PhotoState, 0)
    assert found == [  # in the cities' own order: Coventry first
        ("coventry", {**zero, PhotoState.REJECTED: 1}),
        ("volgograd", {**zero, PhotoState.PENDING: 2, PhotoState.APPROVED: 1,
                       PhotoState.WITHDRAWN: 1}),
    ]


def test_no_photos_gives_zeros(app):
    with app.app_context():
        found = stats.per_city_and_state(site())
    assert [city.slug for city, _counts in found] == ["coventry", "volgograd"]
    assert all(set(counts.values()) == {0} for _city, counts in found)


@pytest.mark.parametrize("offset", range(7))
def test_week_starts_on_monday(offset):
    monday = date(2026, 3, 2)
    assert monday.weekday() == 0
    assert stats.week_start(monday + timedelta(days=offset)) == monday


def test_uploads_per_group_by_week_oldest_first(app):
    with app.app_context():
        club, school = _group("Club"), _group("School", "volgograd")
        _photo(group=club)
        _photo(group=club, weeks_ago=3)
        _photo(group=club, weeks_ago=3)
        _photo(group=school, weeks_ago=7)
        _photo(weeks_ago=1)  # sent without a group
        _photo(group=school, weeks_ago=9)  # before the eight weeks shown
        db.session().commit()
        mondays, groups = stats.uploads_per_group(site())
    this_monday = stats.week_start(utcnow().date())
    assert mondays == [this_monday - timedelta(weeks=n) for n in range(7, -1, -1)]
    assert [(g.name, g.counts, g.total) for g in groups] == [  # the busiest group first
        ("Club", [0, 0, 0, 0, 2, 0, 0, 1], 3),
        ("", [0, 0, 0, 0, 0, 0, 1, 0], 1),
        ("School", [1, 0, 0, 0, 0, 0, 0, 0], 1),
    ]


def test_uploads_per_group_over_fewer_weeks(app):
    with app.app_context():
        club = _group("Club")
        _photo(group=club)
        _photo(group=club, weeks_ago=2)
        db.session().commit()
        mondays, groups = stats.uploads_per_group(site(), weeks=2)
    assert len(mondays) == 2
    assert [(g.name, g.counts) for g in groups] == [("Club", [0, 1])]
