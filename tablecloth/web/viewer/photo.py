"""The photo page at /P/CODE and the images it shows.

What each state answers, on the page and on its images alike:

- approved: the photo, its caption, the first name and the city;
- pending, rejected, unknown, malformed: 404 with the very same generic page, so a code
  reveals nothing, not even that someone uploaded something under it;
- withdrawn: 410 with a kind page in both languages, because the cloth still carries the code.
"""

from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for
from flask_babel import force_locale, gettext
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException, NotFound

from ... import db
from ...codes import normalise
from ...i18n import LANGUAGES
from ...models import Photo, PhotoState, StoredFile
from ...storage import send_stored
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
    select(Photo.state, StoredFile.key, StoredFile.sha256, StoredFile.size,
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
    if found.state == PhotoState.WITHDRAWN:
        return _gone()
    web, thumb = found.file("web"), found.file("thumb")
    if web is None or thumb is None:
        # An approved photo always has both; if storage lost one, show nothing rather than
        # a broken page (`tablecloth check` reports the loss).
        return _not_found()
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
    if row.state == PhotoState.WITHDRAWN:
        return _gone()
    response = send_stored(row.key, row.sha256, row.content_type, size=row.size)
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


def _gone() -> Response:
    texts = _in_both_languages(lambda: {
        "title": gettext("This photo was withdrawn by its author"),
        "body": gettext(
            "It is no longer shown here. The code on the tablecloth stays, a reminder of a "
            "photo that was once here. Thank you for looking."
        ),
        "home": gettext("About the digital tablecloth"),
    })
    response = Response(render_template("viewer/gone.html", texts=texts), status=410)
    return _public(response, PAGE_CACHE)
