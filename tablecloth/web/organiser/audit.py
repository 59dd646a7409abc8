"""The audit log for admins: newest first, filtered, paginated, and as CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from flask import Response, render_template, request, stream_with_context
from flask_babel import format_decimal, get_locale, gettext, ngettext

from ... import context, csvcells
from ...models import AgeBand, AuditEntry, PhotoState, Role
from ...services import audit, reports
from ...services import groups as group_service
from ..messages import labels
from ..numbers import page_arg
from .accounts import ROLE_LABELS
from .auth import admin_required
from .blueprint import bp
from .common import AGE_LABELS, STATE_LABELS
from .export_words import kind_name

PAGE_SIZE = 50
# Targets the services write as words ("edition 3"): said again in the reader's language.
NUMBERED_TARGET = re.compile(r"^(edition|invitation) (\d+)$")


def _filters() -> tuple[str, str]:
    action = request.args.get("action", "").strip()[:40]
    code = request.args.get("code", "").strip()[:120]
    return action, code


@bp.get("/audit")
@admin_required
def audit_log():
    """Show one page of the audit log, newest first."""
    action, code = _filters()
    page = page_arg(PAGE_SIZE)
    site = context.site()
    found, total = audit.entries(site, action or None, code or None, limit=PAGE_SIZE,
                                 offset=(page - 1) * PAGE_SIZE)
    cities = {city.slug: city for city in group_service.list_cities(site)}
    return render_template("organiser/audit.html", entries=found, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), action=action, code=code,
                           actions=audit.known_actions(site), action_label=action_label,
                           target=target_words,
                           details=lambda entry: detail_words(entry, cities))


def action_label(action: str) -> str:
    """Return what an action means in the reader's language (its code if it has no words)."""
    label = audit.ACTION_LABELS.get(action)
    return gettext(label) if label else action


def target_words(target: str) -> str:
    """Return an entry's target in the reader's language: "edition 3", a code, an e-mail."""
    numbered = NUMBERED_TARGET.match(target or "")
    if not numbered:
        return target
    if numbered.group(1) == "edition":
        return gettext("edition %(n)s", n=numbered.group(2))
    return gettext("invitation %(n)s", n=numbered.group(2))


def detail_words(entry: AuditEntry, cities: dict) -> list[tuple[str, str]]:
    """Return an entry's detail as (name, value) pairs in the reader's language."""
    pairs = []
    for key, value in (entry.detail or {}).items():
        label = audit.DETAIL_LABELS.get(key)
        pairs.append((gettext(label) if label else key,
                      _value(entry.action, key, value, cities)))
    return pairs


def _value(action: str, key: str, value: Any, cities: dict) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if value is None or value == "":
        return "—"
    words = _known_value(action, key, value, cities)
    if words is not None:
        return words
    if isinstance(value, list):
        return ", ".join(_value(action, key, item, cities) for item in value)
    if isinstance(value, int | float):
        return format_decimal(value)
    return str(value)


def _known_value(action: str, key: str, value: Any, cities: dict) -> str | None:
    """Return the words for a coded value (a state, an age band, a city ...), else None."""
    try:
        if key == "from":
            return str(STATE_LABELS[PhotoState(value)])
        if key == "age_band":
            return str(AGE_LABELS[AgeBand(value)])
        if key == "role":
            return str(ROLE_LABELS[Role(value)])
    except (ValueError, KeyError):
        return None
    if key == "by":
        return {"organiser": gettext("an organiser"),
                "participant": gettext("the participant, with their private link")}.get(value)
    if key == "via":
        return {"cli": gettext("the command line")}.get(value)
    if key == "city" and value in cities:
        return cities[value].name(str(get_locale()))
    if key == "length" and isinstance(value, int):
        return ngettext("%(num)d character", "%(num)d characters", value)
    if key == "formats" and isinstance(value, list):
        return ", ".join(kind_name(str(name)) for name in value)
    if key == "reason" and action == "photo.report_dismissed":
        return labels(reports.REASONS).get(value)
    return None


@bp.get("/audit.csv")
@admin_required
def audit_csv():
    """Download the (filtered) audit log as CSV."""
    action, code = _filters()
    site = context.site()

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(audit.CSV_COLUMNS)
        for row in audit.rows(site, action or None, code or None):
            writer.writerow(csvcells.row(row))
            if buffer.tell() > 16384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="tablecloth-audit.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response

