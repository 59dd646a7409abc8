"""Branded, translated answers when the site itself fails: 500, and 503 when the database,
the store or the disk is unavailable (a full disk, a locked SQLite file, PostgreSQL down).

Each audience gets its own page: the photo pages and the cloth a kind page in both
languages (people scanning the cloth may read either), the participant's pages and the
organiser area a page in the visitor's language, and the scripts' endpoints JSON with a
reason code and the message. Nothing here touches the database: it may be what failed.
"""

from __future__ import annotations

import errno
import logging

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import InternalServerError, ServiceUnavailable

from ..i18n import LANGUAGES
from ..redact import redact
from ..storage import StorageError
from .messages import say

log = logging.getLogger(__name__)
RETRY_AFTER_S = 30
# Errors of the machine, not of the request: no space, no quota, read-only, I/O.
UNAVAILABLE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO}
# Endpoints that pages' scripts call and that answer JSON.
JSON_ENDPOINTS = {"upload.one", "organiser.cloth_plan", "organiser.cloth_export_status",
                  "organiser.cloth_export_report", "health.healthz"}


def wants_json() -> bool:
    """Say whether this request came from a script expecting JSON."""
    if request.endpoint in JSON_ENDPOINTS or request.path.startswith("/upload/tus"):
        return True
    if request.path.endswith(".json"):
        return True
    accepted = request.accept_mimetypes
    return accepted["application/json"] > accepted["text/html"]


def _audience() -> str:
    path = request.path
    if path.startswith("/organiser"):
        return "organiser"
    if path.startswith("/upload"):
        return "upload"
    return "public"


def _texts(unavailable: bool) -> dict[str, str]:
    if unavailable:
        return {
            "title": gettext("The site cannot take this right now"),
            "body": gettext(
                "It is full or busy for a moment. Nothing was half-saved: please try again in "
                "a few minutes."),
        }
    return {
        "title": gettext("Something went wrong on our side"),
        "body": gettext("It has been noted. Please try again in a minute; if it keeps "
                        "happening, tell the organisers."),
    }


def _page(status: int) -> Response:
    unavailable = status == 503
    reason = "site_unavailable" if unavailable else "server_error"
    if wants_json():
        response = jsonify(ok=False, reason=reason, message=say(reason))
    else:
        audience = _audience()
        if audience == "public":
            current = str(get_locale())
            texts = []
            for language in sorted(LANGUAGES, key=lambda code: code != current):
                with force_locale(language):
                    texts.append({"lang": language, **_texts(unavailable),
                                  "home": gettext("About the digital tablecloth")})
            body = render_template("viewer/error.html", texts=texts)
        elif audience == "upload":
            body = render_template("upload/problem.html", message=say(reason))
        else:
            texts = _texts(unavailable)
            body = render_template("organiser/problem.html", title=texts["title"],
                                   message=texts["body"], back=request.path)
        response = Response(body, mimetype="text/html")
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if unavailable:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def is_unavailable(error: BaseException) -> bool:
    """Say whether an exception means the database, the store or the disk is out of service."""
    if isinstance(error, DBAPIError | StorageError | ServiceUnavailable):
        return True
    return isinstance(error, OSError) and error.errno in UNAVAILABLE_ERRNOS


def init_app(app: Flask) -> None:
    """Answer failures of the site with branded pages (500, 503) or JSON for scripts."""

    def unavailable(error: Exception):
        if not is_unavailable(error):
            raise error  # not a machine's failure: on to the 500 below
        log.error("unavailable: %s %s: %s: %s", request.method, redact(request.path),
                  type(error).__name__, error)
        return _page(503)

    for kind in (DBAPIError, StorageError, OSError):
        app.register_error_handler(kind, unavailable)

    def log_exception(exc_info) -> None:
        # Flask's own names the path, which may carry a private token.
        app.logger.error("Exception on %s [%s]", redact(request.path), request.method,
                         exc_info=exc_info)

    app.log_exception = log_exception  # type: ignore[method-assign]

    @app.errorhandler(503)
    def service_unavailable(_error):
        return _page(503)

    @app.errorhandler(500)
    def server_error(error: InternalServerError):
        # Flask has logged the exception already. (Tests let it propagate instead.)
        original = getattr(error, "original_exception", None)
        return _page(503 if original is not None and is_unavailable(original) else 500)
