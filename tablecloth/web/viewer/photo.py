"""The photo page at /P/CODE and the images it shows.

What each state answers, on the page and on its images alike:

- approved: the photo, its caption, the first name and the city;
- pending, rejected, unknown, malformed: 404 with the very same generic page, so a code
  reveals nothing, not even that someone uploaded something under it;
- withdrawn: 410 with a kind page in both languages, because the cloth still carries the code;
- hidden by an organiser after a report: 410 with the same kind page in neutral words.

Each page view of a public photo adds one to its count for the day (services.page_views),
and a viewer can report a photo (services.reports); a report alone hides nothing.
"""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound

from ... import context
from ...codes import normalise
from ...i18n import LANGUAGES
from ...models import Photo
from ...services import page_views, public, reports
from ..files import send_stored
from ..limits import address, limiter
from ..messages import labels, say_refusal
from . import bp

ROBOTS = "noindex, nofollow"
# The page is never stored stale: a withdrawal must take effect for the next viewer at once.
PAGE_CACHE = "no-cache"
# An image's bytes never change, but its URL stops answering 200 when the photo is withdrawn
# or hidden, so it is not "immutable". Browsers that already showed it may keep it a day
# (that viewer has seen it anyway); shared caches such as a CDN recheck after five minutes,
# so a withdrawal reaches new viewers quickly. The ETag makes every recheck a cheap 304.
IMAGE_CACHE = "public, max-age=86400, s-maxage=300"
REPORT_LIMIT = 10
REPORT_WINDOW_S = 60 * 60


def _refused(shown: str) -> Response:
    """Answer a code that shows no photo: 404 for UNKNOWN, 410 for WITHDRAWN or HIDDEN."""
    if shown == public.UNKNOWN:
        return not_found()
    return _gone(withdrawn=shown == public.WITHDRAWN)


# Decorators apply bottom-up and url_for builds with the first rule registered, so the
# upper-case form, the one printed on the cloth, stays last here.
@bp.get("/p/<code>")
@bp.get("/P/<code>")
def photo(code: str):
    """Show one approved photo, the page behind a printed code."""
    site = context.site()
    shown, found = public.photo(site, code)
    if found is None:
        return _refused(shown)
    web, thumb = found.file("web"), found.file("thumb")
    if web is None or thumb is None:
        # An approved photo always has both; if storage lost one, show nothing rather than
        # a broken page (`tablecloth check` reports the loss).
        return not_found()
    page_views.count(site, found.id)
    canonical, base = found.code, site.base_url
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
    site = context.site()
    shown, row = public.image(site, code, kind)
    if row is None:
        return _refused(shown)
    response = send_stored(site.store, site.settings, row.key, row.sha256, row.content_type,
                           size=row.size)
    if response.status_code in (200, 304):
        response.headers["Cache-Control"] = IMAGE_CACHE
    # A redirect to a presigned URL keeps the short private lifetime send_stored gave it.
    return _public(response, response.headers["Cache-Control"])


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
    current = str(get_locale())
    order = sorted(LANGUAGES, key=lambda language: language != current)
    texts = []
    for language in order:
        with force_locale(language):
            texts.append({"lang": language, **build()})
    return texts


def not_found() -> Response:
    """Answer 404 with the kind page in both languages (web/__init__.py: any path under /P/)."""
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


def _report_form(photo: Photo, status: int = 200, error: str | None = None,
                 reason: str = "", text: str = "") -> Response:
    response = Response(render_template(
        "viewer/report.html", photo=photo, reasons=labels(reports.REASONS), error=error,
        reason=reason, text=text, max_text=reports.MAX_TEXT), status=status)
    return _public(response, "private, no-store")


@bp.route("/p/<code>/report", methods=["GET", "POST"])
@bp.route("/P/<code>/report", methods=["GET", "POST"])
def report(code: str):
    """Let anyone tell the organisers about a photo; nothing is hidden until they look."""
    site = context.site()
    shown, found = public.photo(site, code)
    if found is None:
        return _refused(shown)
    if request.method == "GET":
        return _report_form(found)
    reason = request.form.get("reason", "")
    text = request.form.get("text", "")
    try:
        reports.check_report(reason, text)
    except reports.ReportError as refused:
        return _report_form(found, 400, say_refusal(refused), reason, text)
    # Only the count per address is kept, in the limiter, never with the report.
    if not limiter().hit(f"report:{address()}", REPORT_LIMIT, REPORT_WINDOW_S):
        return _report_form(found, 429, gettext(
            "You have sent many reports in a short time. Please try again later."),
            reason, text)
    reports.report(site, found, reason, text)
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
