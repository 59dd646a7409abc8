"""The check page behind each code of a test swatch: opening it records that the code read."""

from __future__ import annotations

from flask import Response, render_template
from flask_babel import force_locale, get_locale, gettext

from ... import context
from ...i18n import LANGUAGES
from ...services.cloth import swatches
from .blueprint import bp


def _both(build) -> list[dict]:
    current = str(get_locale())
    texts = []
    for language in sorted(LANGUAGES, key=lambda lang: lang != current):
        with force_locale(language):
            texts.append({"lang": language, **build()})
    return texts


@bp.get("/S/<code>")
@bp.get("/s/<code>")
def swatch_check(code: str):
    """Record that a phone read this swatch code, and say so in both languages."""
    sample = swatches.record_read(context.site(), code)
    if sample is None:
        texts = _both(lambda: {
            "title": gettext("Not a test swatch code"),
            "body": gettext("This code is not on any test swatch of this site."),
            "home": gettext("About the digital tablecloth")})
        status = 404
    else:
        size = f"{sample.module_mm:g}"
        texts = _both(lambda: {
            "title": gettext("Read: this code works on your fabric"),
            "body": gettext(
                "The %(mm)s mm code (%(dark)s on %(light)s) of test swatch %(n)s opened on "
                "this phone, and that is now recorded. Scan the other codes too; the cloth "
                "designer then recommends the smallest size that read.",
                mm=size, dark=sample.dark, light=sample.light,
                n=sample.swatch_id),
            "home": gettext("About the digital tablecloth")})
        status = 200
    response = Response(render_template("viewer/swatch.html", texts=texts), status=status)
    # Every opening counts, so nothing may answer from a cache; and no search engine.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
