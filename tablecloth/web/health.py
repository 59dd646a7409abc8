"""GET /healthz: tells a load balancer whether this process can reach its database and storage."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import context
from ..services import health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Check the database with SELECT 1 and the storage cheaply; answer 200 or 503 in JSON."""
    checks = health.check(context.site())
    ok = health.healthy(checks)
    response = jsonify(status="ok" if ok else "error", **checks)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
