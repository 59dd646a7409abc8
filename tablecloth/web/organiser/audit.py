"""The audit log for admins: newest first, filtered, paginated, and as CSV."""

from __future__ import annotations

import csv
import io

from flask import Response, render_template, request, stream_with_context

from ... import context
from ...services import audit
from . import bp
from .auth import admin_required

PAGE_SIZE = 50
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _filters() -> tuple[str, str]:
    action = request.args.get("action", "").strip()[:40]
    code = request.args.get("code", "").strip()[:120]
    return action, code


@bp.get("/audit")
@admin_required
def audit_log():
    """Show one page of the audit log, newest first."""
    action, code = _filters()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    site = context.site()
    found, total = audit.entries(site, action or None, code or None, limit=PAGE_SIZE,
                                 offset=(page - 1) * PAGE_SIZE)
    return render_template("organiser/audit.html", entries=found, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), action=action, code=code,
                           actions=audit.known_actions(site))


def _cell(value: str) -> str:
    # A spreadsheet would run a cell starting with = as a formula.
    return "'" + value if value.startswith(FORMULA_STARTS) else value


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
            writer.writerow([_cell(cell) for cell in row])
            if buffer.tell() > 16384:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="tablecloth-audit.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
