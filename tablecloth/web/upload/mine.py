"""The visit's private "my photos" page: every photo sent in one sitting, each withdrawable."""

from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for

from ... import context
from ...models import Photo, PhotoState, Visit
from ...services import visits, withdrawals
from ...services.cloth import places
from .blueprint import bp
from .receipts import mine_url, private


def _visit_or_404(token: str) -> Visit | None:
    return visits.by_token(context.site(), token)


def _not_found() -> Response:
    return private(Response(render_template("upload/not_found.html"), status=404))


def state_of(photo: Photo) -> str:
    """Return the photo's state in the words the page uses: a key of the template's texts."""
    if photo.state is PhotoState.APPROVED:
        return "hidden" if photo.hidden_at is not None else "public"
    return photo.state.value


@bp.get("/mine/<token>")
def mine(token: str):
    """List every photo of the visit with its state and a withdraw button each."""
    site = context.site()
    visit = _visit_or_404(token)
    if visit is None:
        return _not_found()
    photos = visits.photos(site, visit)
    public = [p.code for p in photos if state_of(p) == "public"]
    page = render_template(
        "upload/mine.html", token=token, photos=photos, state_of=state_of,
        places=places.places_of(site, public) if public else {},
        mine_url=mine_url(site, visit), withdrawn=request.args.get("withdrawn", "")[:6])
    return private(Response(page))


@bp.get("/mine/<token>/thumb/<code>")
def mine_thumb(token: str, code: str):
    """Serve the thumbnail of one of the visit's photos to the holder of its link."""
    site = context.site()
    visit = _visit_or_404(token)
    found = visits.thumbnail(site, visit, code) if visit is not None else None
    if found is None:
        abort(404)
    data, content_type = found
    return private(Response(data, mimetype=content_type))


@bp.route("/mine/<token>/withdraw/<code>", methods=["GET", "POST"])
def mine_withdraw(token: str, code: str):
    """Ask to confirm, then withdraw one of the visit's photos at once."""
    site = context.site()
    visit = _visit_or_404(token)
    photo = visits.photo(site, visit, code) if visit is not None else None
    if photo is None:
        return _not_found()
    if request.method == "POST":
        withdrawals.withdraw(site, photo)
        return redirect(url_for("upload.mine", token=token, withdrawn=photo.code), 303)
    page = render_template(
        "upload/withdraw.html", photo=photo, already=photo.state is PhotoState.WITHDRAWN,
        done=False, thumb_url=url_for("upload.mine_thumb", token=token, code=photo.code),
        action=url_for("upload.mine_withdraw", token=token, code=photo.code),
        back_url=url_for("upload.mine", token=token))
    return private(Response(page))
