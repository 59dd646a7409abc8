"""The live wall: a full-screen page for a projector at an event.

It shows newly approved photos one by one, with the first name and the city, beside a large
QR code to the upload page of the group the organiser chose. Its script asks photos.json for
the newest photos every few seconds, so an approval appears without a reload, and a photo
withdrawn or hidden meanwhile leaves the wall at the next ask.
"""

from __future__ import annotations

from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, gettext
from markupsafe import Markup

from ... import context, qr
from ...services import groups as group_service
from ...services import wall
from ...services.cloth import BaseUrlRefused
from ...services.cloth.base_url import check_base_url, plain_reason
from .auth import login_required
from .blueprint import bp

POLL_S = 5  # how often the wall asks for new photos
SHOW_S = 8  # how long each photo stays when nothing new arrives
QUIET_MODULES = 4


def _choice():
    """Return the group named by ?group= (or None) and whether to show every group's photos."""
    group = group_service.find_group(context.site(), request.args.get("group", ""))
    return group, request.args.get("photos") == "all"


def qr_svg(url: str) -> Markup:
    """Return an SVG of a QR code for url, black on white, scaled by its container."""
    matrix = qr.encode(url, "M")
    side = matrix.size + 2 * QUIET_MODULES
    path = "".join(f"M{x + QUIET_MODULES} {y + QUIET_MODULES}h{length}v1h-{length}z"
                   for x, y, length in matrix.runs())
    return Markup(
        f'<svg class="qr" viewBox="0 0 {side} {side}" role="img" '
        f'shape-rendering="crispEdges" xmlns="http://www.w3.org/2000/svg">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>')


def _address_warning() -> bool:
    """Say whether phones cannot open the site's address (not set yet, or private)."""
    try:
        check_base_url(context.site().base_url)
    except BaseUrlRefused as refused:
        return plain_reason(refused) != "address_not_https"  # plain http still opens
    return False


@bp.get("/wall")
@login_required
def wall_choose():
    """Let the organiser choose the group whose upload page the wall invites to."""
    site = context.site()
    rows = [group for group, _count in group_service.list_groups(site)]
    rows.sort(key=lambda group: not group.accepts_uploads())
    return render_template("organiser/wall_choose.html", groups=rows,
                           address_warning=_address_warning(), base_url=site.base_url)


@bp.get("/wall/show")
@login_required
def wall_show():
    """Show the wall full-screen: the newest photos one by one, and the group's QR code."""
    group, everyone = _choice()
    if group is None:
        return redirect(url_for("organiser.wall_choose"))
    link = group_service.upload_link(context.site(), group.invite_code)
    return render_template(
        "organiser/wall.html", group=group, everyone=everyone, qr=qr_svg(link),
        link=link.split("://", 1)[-1], poll_s=POLL_S, show_s=SHOW_S,
        feed_url=url_for("organiser.wall_photos", group=group.invite_code,
                         photos="all" if everyone else None),
        other=_in_the_other_language())


def _in_the_other_language() -> dict[str, str]:
    """Return the wall's call to take part in the other language, for guests from the twin."""
    language = "ru" if str(get_locale()) == "en" else "en"
    with force_locale(language):
        return {"lang": language, "call": gettext("Send your photos!"),
                "how": gettext("Scan the code with your phone's camera.")}


@bp.get("/wall/photos.json")
@login_required
def wall_photos():
    """Return the newest photos the wall takes turns showing, newest approval first."""
    group, everyone = _choice()
    photos = [] if group is None and not everyone else wall.recent_photos(
        context.site(), None if everyone else group)
    response = jsonify({"photos": [{
        "code": photo.code,
        "name": photo.first_name,
        "city": photo.city.bilingual(),
        "caption": photo.caption or "",
        "lang": photo.caption_language,
        "image": url_for("viewer.image", code=photo.code, kind="web"),
    } for photo in photos]})
    response.headers["Cache-Control"] = "no-store"
    return response
