"""Numbers for the organisers' overview: photos per city and state, uploads per group."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from ..models import City, Group, Photo, PhotoState, utcnow
from .site import Site


def per_city_and_state(site: Site) -> list[tuple[City, dict[PhotoState, int]]]:
    """Return each city with how many of its photos are in each state."""
    session = site.db
    found = session.execute(
        select(Photo.city_id, Photo.state, func.count(Photo.id))
        .group_by(Photo.city_id, Photo.state)).all()
    by_city: dict[int, dict[PhotoState, int]] = defaultdict(dict)
    for city_id, state, count in found:
        by_city[city_id][state] = count
    cities = session.scalars(select(City).order_by(City.position, City.id)).all()
    return [(city, {s: by_city[city.id].get(s, 0) for s in PhotoState}) for city in cities]


@dataclass
class GroupWeeks:
    """Uploads of one group in each of the last weeks, oldest first."""

    name: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


def week_start(day: date) -> date:
    """Return the Monday of day's week."""
    return day - timedelta(days=day.weekday())


def uploads_per_group(site: Site, weeks: int = 8) -> tuple[list[date], list[GroupWeeks]]:
    """Return the Mondays of the last weeks and every group's uploads in each of them."""
    mondays = [week_start(utcnow().date()) - timedelta(weeks=n)
               for n in range(weeks - 1, -1, -1)]
    since = mondays[0]
    session = site.db
    rows = session.execute(
        select(Photo.group_id, Photo.created_at)
        .where(Photo.created_at >= datetime.combine(since, time(), tzinfo=UTC))).all()
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0] * weeks)
    for group_id, created in rows:
        index = (week_start(created.date()) - since).days // 7
        if 0 <= index < weeks:
            counts[group_id][index] += 1
    names = dict(session.execute(select(Group.id, Group.name)).all())
    found = [GroupWeeks(names.get(gid, "—") if gid is not None else "", c)
             for gid, c in counts.items()]
    return mondays, sorted(found, key=lambda g: (-g.total, g.name))
