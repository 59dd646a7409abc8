"""The organisers' overview: photos waiting in each state, the tasks, page views, uploads."""

from __future__ import annotations

from flask import render_template

from ... import context
from ...models import PhotoState
from ...services import groups, moderation, page_views, reports, stats
from .auth import login_required
from .blueprint import bp


@bp.get("/")
@login_required
def dashboard():
    """Show how many photos wait in each state, and the way to each task."""
    site = context.site()
    counts = moderation.counts(site)
    weeks, group_weeks = stats.uploads_per_group(site)
    return render_template("organiser/dashboard.html", counts=counts,
                           pending=counts[PhotoState.PENDING],
                           group_total=groups.count_groups(site),
                           open_reports=reports.open_count(site),
                           views_total=page_views.total(site),
                           most_viewed=page_views.most_viewed(site, days=30),
                           per_city=stats.per_city_and_state(site),
                           weeks=weeks, group_weeks=group_weeks)
