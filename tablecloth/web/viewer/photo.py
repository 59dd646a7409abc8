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

from flask import Response, current_app, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import NotFound

from ... import context
from ...codes import normalise
from ...i18n import LANGUAGES, select_locale
from ...models import Photo
from ...services import page_views, public, reports, tiles
from ...services.cloth import places
from ..files import send_stored
from ..limits import address, limiter
from ..messages import labels, say_refusal
from ..page_cache import cache_of, cacheable
from .blueprint import bp

ROBOTS = "noindex, nofollow"
# The page is never stored stale: a withdrawal must take effect for the next viewer at once.
# Every revisit revalidates, and its strong ETag makes that a cheap 304.
PAGE_CACHE = "no-cache"
# The plain image URL (/P/CODE/web.jpg: og:image, old links) stops answering 200 when the
# photo is withdrawn or hidden, so it is not "immutable". Browsers that already showed it may
# keep it a day (that viewer has seen it anyway); shared caches such as a CDN recheck after
# five minutes, so a withdrawal reaches new viewers quickly. The ETag makes a recheck a 304.
IMAGE_CACHE = "public, max-age=86400, s-maxage=300"
# The content-hashed URL (/P/CODE/web.<sha256 prefix>.jpg), which the page links, names
# bytes that never change: browsers keep it for good. A withdrawal still takes effect at once
# for everyone who has not seen the photo: the page answers 410 and links nothing, and the
# hashed URL itself answers 410; shared caches recheck it after five minutes all the same.
HASHED_IMAGE_CACHE = "public, max-age=31536000, s-maxage=300, immutable"
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
    shown, found = public.page(site, code)  # the request's one query
    if found is None:
        return _refused(shown)
    if found.web is None or found.thumb is None:
        # An approved photo always has both; if storage lost one, show nothing rather than
        # a broken page (`tablecloth check` reports the loss).
        return not_found()
    page_views.count(site, found.id)
    cache = cache_of(current_app)
    # The language as Flask-Babel will choose it (i18n.select_locale), without building a
    # babel Locale, which only a page being rendered needs.
    language = select_locale()
    # What the page shows besides the photo: whether uploads are open (its "take part" link),
    # and the public cloth's id and version (where its code is printed moves when other
    # photos are approved). All read in the request's one query.
    key = (found.code, language, found.version, found.uploads_open, *found.cloth_key)
    etag = cache.etag(*key)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    elif not cacheable(current_app):
        response = Response(_render_photo(site, found))  # a one-off page: not kept
    else:
        response = Response(cache.get_or_render(key, lambda: _render_photo(site, found)),
                            mimetype="text/html")
    response.set_etag(etag)
    return _public(response, PAGE_CACHE)


def _render_photo(site, found: public.PublicPhoto) -> bytes:
    canonical, base = found.code, site.base_url
    return render_template(
        "viewer/photo.html",
        photo=found,
        place=places.place_on(site, canonical, found.cloth_id, found.cloth_version),
        web=found.web,
        thumb=found.thumb,
        canonical_url=base + "/P/" + canonical,
        image_url=base + url_for("viewer.image", code=canonical, kind="web"),
        web_url=url_for("viewer.hashed_image", code=canonical, kind="web",
                        digest=found.web.digest),
        thumb_url=url_for("viewer.hashed_image", code=canonical, kind="thumb",
                          digest=found.thumb.digest),
    ).encode()


@bp.get("/p/<code>/<kind>.jpg")
@bp.get("/P/<code>/<kind>.jpg")
def image(code: str, kind: str):
    """Send the web copy, thumbnail or tile of an approved photo, never the master."""
    site = context.site()
    shown, row = public.image(site, code, kind)
    if row is None and kind == tiles.KIND and shown == public.UNKNOWN:
        # An older photo has no tile yet: made now, once, then stored (never for a photo
        # that is not public: ensure makes nothing then).
        tiles.ensure(site, code)
        shown, row = public.image(site, code, kind)
    if row is None:
        return _refused(shown)
    return _send_image(site, row, IMAGE_CACHE)


@bp.get("/p/<code>/<any(web, thumb, tile):kind>.<string(length=16):digest>.jpg")
@bp.get("/P/<code>/<any(web, thumb, tile):kind>.<string(length=16):digest>.jpg")
def hashed_image(code: str, kind: str, digest: str):
    """Send a rendition by its content-hashed URL, cached for good; 410 once withdrawn."""
    site = context.site()
    shown, row = public.image(site, code, kind)
    if row is None:
        return _refused(shown)
    if row.sha256[:public.DIGEST_CHARS] != digest.lower():
        return not_found()  # bytes this photo no longer has (its renditions were remade)
    return _send_image(site, row, HASHED_IMAGE_CACHE)


def _send_image(site, row, cache_control: str) -> Response:
    response = send_stored(site.store, site.settings, row.key, row.sha256, row.content_type,
                           size=row.size)
    if response.status_code in (200, 304):
        response.headers["Cache-Control"] = cache_control
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
