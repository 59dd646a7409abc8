"""The photo page at /P/CODE and the images it shows.

What each state answers, on the page and on its images alike:

- approved: the photo, its caption, the first name and the city;
- pending, rejected, unknown, malformed: 404 with the very same generic page, so a code
  reveals nothing, not even that someone uploaded something under it;
- withdrawn: 410 with a kind page in both languages, because the cloth still carries the code;
- hidden by an organiser after a report: 410 with the same kind page in neutral words.

Each page view of a public photo adds one to that photo's count for the day (services.scans),
and a viewer can report a photo (services.reports); a report alone hides nothing.
"""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException, NotFound

from ... import context, db, ratelimit
from ...codes import normalise
from ...i18n import LANGUAGES
from ...models import Photo, PhotoState, StoredFile
from ...services import reports, scans
from ..files import send_stored
from . import bp

# Only these renditions are public; the master never is.
PUBLIC_KINDS = ("web", "thumb")
ROBOTS = "noindex, nofollow"
# The page is never stored stale: a withdrawal must take effect for the next viewer at once.
PAGE_CACHE = "no-cache"
# An image's bytes never change, but its URL stops answering 200 when the photo is withdrawn
# or hidden, so it is not "immutable". Browsers that already showed it may keep it a day
# (that viewer has seen it anyway); shared caches such as a CDN recheck after five minutes,
# so a withdrawal reaches new viewers quickly. The ETag makes every recheck a cheap 304.
IMAGE_CACHE = "public, max-age=86400, s-maxage=300"

# Built once: every scan of a printed code runs these, and building a statement with its
# loader options costs more than SQLAlchemy's cached compilation of it.
PHOTO_QUERY = (
    select(Photo)
    .options(joinedload(Photo.city), joinedload(Photo.files))
    .where(Photo.code == bindparam("code"))
)
IMAGE_QUERY = (
    select(Photo.state, Photo.hidden_at, StoredFile.key, StoredFile.sha256, StoredFile.size,
           StoredFile.content_type)
    .join(StoredFile, StoredFile.photo_id == Photo.id)
    .where(Photo.code == bindparam("code"), StoredFile.kind == bindparam("kind"))
)


# Decorators apply bottom-up and url_for builds with the first rule registered, so the
# upper-case form, the one printed on the cloth, stays last here.
@bp.get("/p/<code>")
@bp.get("/P/<code>")
def photo(code: str):
    """Show one approved photo, the page behind a printed code."""
    canonical = normalise(code)
    if canonical is None:
        return _not_found()
    found = db.session().scalars(PHOTO_QUERY, {"code": canonical}).unique().first()
    if found is None or found.state in (PhotoState.PENDING, PhotoState.REJECTED):
        return _not_found()
    if found.state == PhotoState.WITHDRAWN or found.hidden_at is not None:
        return _gone(withdrawn=found.state == PhotoState.WITHDRAWN)
    web, thumb = found.file("web"), found.file("thumb")
    if web is None or thumb is None:
        # An approved photo always has both; if storage lost one, show nothing rather than
        # a broken page (`tablecloth check` reports the loss).
        return _not_found()
    scans.count(found.id)
    base = current_app.config["PUBLIC_BASE_URL"]
    response = Response(
        render_template(
            "viewer/photo.html",
            photo=found,
            web=web,
            thumb=thumb,
            canonical_url=base + "/P/" + canonical,
            image_url=base + url_for("viewer.image", code=canonical, kind="web"),
        )
    )
    return _public(response, PAGE_CACHE)


@bp.get("/p/<code>/<kind>.jpg")
@bp.get("/P/<code>/<kind>.jpg")
def image(code: str, kind: str):
    """Send the web copy or thumbnail of an approved photo, never the master."""
    canonical = normalise(code)
    if canonical is None or kind not in PUBLIC_KINDS:
        return _not_found()
    row = db.session().execute(IMAGE_QUERY, {"code": canonical, "kind": kind}).first()
    if row is None or row.state in (PhotoState.PENDING, PhotoState.REJECTED):
        return _not_found()
    if row.state == PhotoState.WITHDRAWN or row.hidden_at is not None:
        return _gone(withdrawn=row.state == PhotoState.WITHDRAWN)
    response = send_stored(context.store(), current_app.config, row.key, row.sha256,
                           row.content_type, size=row.size)
    if response.status_code in (200, 304):
        response.headers["Cache-Control"] = IMAGE_CACHE
    # A redirect to a presigned URL keeps the short private lifetime send_stored gave it.
    return _public(response, response.headers["Cache-Control"])


@bp.app_errorhandler(404)
def code_not_found(error: HTTPException):
    """Answer any unmatched address under /P/ with the kind page, elsewhere the plain one."""
    if request.path[:3] in ("/P/", "/p/"):
        return _not_found()
    return error


def _public(response: Response, cache_control: str) -> Response:
    """Add the headers every public photo answer carries."""
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Robots-Tag"] = ROBOTS
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The language comes from ?lang=, the lang cookie or Accept-Language.
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def _in_both_languages(build) -> list[dict]:
    """Return build()'s texts in every language, the visitor's own first."""
    from flask_babel import get_locale

    current = str(get_locale())
    order = sorted(LANGUAGES, key=lambda language: language != current)
    texts = []
    for language in order:
        with force_locale(language):
            texts.append({"lang": language, **build()})
    return texts


def _not_found() -> Response:
    texts = _in_both_languages(lambda: {
        "title": gettext("No photo here"),
        "body": gettext(
            "We cannot find a photo with this code. Check the letters and digits, or scan "
            "the code again. A new photo appears here only after an organiser has approved it."
        ),
        "home": gettext("About the digital tablecloth"),
    })
    response = Response(render_template("viewer/not_found.html", texts=texts),
                        status=NotFound.code)
    return _public(response, PAGE_CACHE)


def _gone(withdrawn: bool = True) -> Response:
    def build() -> dict:
        if withdrawn:
            title = gettext("This photo was withdrawn by its author")
        else:
            # Hidden by an organiser: say no more than that, it may come back after review.
            title = gettext("This photo is no longer shown")
        return {
            "title": title,
            "body": gettext(
                "It is no longer shown here. The code on the tablecloth stays, a reminder of "
                "a photo that was once here. Thank you for looking."
            ) if withdrawn else gettext(
                "The code on the tablecloth stays, a reminder of a photo that was once here. "
                "Thank you for looking."
            ),
            "home": gettext("About the digital tablecloth"),
        }

    texts = _in_both_languages(build)
    response = Response(render_template("viewer/gone.html", texts=texts), status=410)
    return _public(response, PAGE_CACHE)


REPORT_LIMIT = 10
REPORT_WINDOW_S = 60 * 60


def _reportable(code: str) -> tuple[Photo | None, Response | None]:
    """Return the public photo behind code, or the answer its code gets instead."""
    canonical = normalise(code)
    if canonical is None:
        return None, _not_found()
    found = db.session().scalars(PHOTO_QUERY, {"code": canonical}).unique().first()
    if found is None or found.state in (PhotoState.PENDING, PhotoState.REJECTED):
        return None, _not_found()
    if not reports.is_public(found):
        return None, _gone(withdrawn=found.state == PhotoState.WITHDRAWN)
    return found, None


def _report_form(photo: Photo, status: int = 200, error: str | None = None,
                 reason: str = "", text: str = "") -> Response:
    response = Response(render_template(
        "viewer/report.html", photo=photo, reasons=reports.REASONS, error=error,
        reason=reason, text=text, max_text=reports.MAX_TEXT), status=status)
    return _public(response, "private, no-store")


@bp.route("/p/<code>/report", methods=["GET", "POST"])
@bp.route("/P/<code>/report", methods=["GET", "POST"])
def report(code: str):
    """Let anyone tell the organisers about a photo; nothing is hidden until they look."""
    found, answer = _reportable(code)
    if found is None:
        return answer
    if request.method == "GET":
        return _report_form(found)
    reason = request.form.get("reason", "")
    text = request.form.get("text", "")
    if reason not in reports.REASONS:
        return _report_form(found, 400, gettext("Choose what is wrong with the photo."),
                            reason, text)
    if len(text.strip()) > reports.MAX_TEXT:
        return _report_form(found, 400, gettext(
            "Please keep it to %(count)d characters.", count=reports.MAX_TEXT), reason, text)
    # Only the count per address is kept, in the limiter, never with the report.
    if not ratelimit.hit(f"report:{request.remote_addr or '-'}", REPORT_LIMIT, REPORT_WINDOW_S):
        return _report_form(found, 429, gettext(
            "You have sent many reports in a short time. Please try again later."),
            reason, text)
    reports.report(found, reason, text)
    return redirect(url_for("viewer.reported", code=found.code), 303)


@bp.get("/p/<code>/reported")
@bp.get("/P/<code>/reported")
def reported(code: str):
    """Thank the viewer for a report."""
    canonical = normalise(code) or ""
    response = Response(render_template("viewer/report_thanks.html", code=canonical))
    return _public(response, "private, no-store")


@bp.errorhandler(CSRFError)
def csrf_refused(_error):
    """Explain a stale report form kindly; nothing was sent."""
    response = Response(render_template(
        "viewer/report_problem.html",
        back=request.path if request.path.endswith("/report") else url_for("viewer.home")),
        status=400)
    return _public(response, "private, no-store")
