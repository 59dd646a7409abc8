"""What a participant is shown after a photo arrives: its receipt and the visit's one link."""

from __future__ import annotations

from flask import Response, render_template, url_for

from ...models import Photo, PhotoState, Visit
from ...services import uploads, visits
from ...services.site import Site


def private(response: Response) -> Response:
    """Keep pages that carry private links out of caches and other sites' referrer logs."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def receipt(site: Site, result: uploads.UploadResult) -> dict:
    """Return what the receipt template shows of one stored photo."""
    photo, token = result.photo, result.withdraw_token
    return {
        "code": photo.code,
        "pending": photo.state is PhotoState.PENDING,
        "thumb_url": url_for("upload.thumb", token=token) if token else None,
        "withdraw_url": site.base_url + url_for("upload.withdraw", token=token)
        if token else None,
    }


def receipt_html(site: Site, result: uploads.UploadResult) -> str:
    """Return one photo's receipt as HTML for the page's script."""
    return render_template("upload/_receipt.html", receipt=receipt(site, result))


def mine_url(site: Site, visit: Visit) -> str:
    """Return the absolute private "my photos" link of a visit."""
    return site.base_url + url_for("upload.mine", token=visits.token(site, visit))


def mine_html(site: Site, visit: Visit) -> str:
    """Return the block that hands over the visit's "my photos" link (copy, share)."""
    return render_template("upload/_mine_link.html", mine_url=mine_url(site, visit))


def receipts_of(site: Site, photos: list[Photo]) -> list[dict]:
    """Return the receipts of photos already stored (a visit's, shown again)."""
    return [receipt(site, uploads.result_for(site, photo)) for photo in photos]


def answer(site: Site, result: uploads.UploadResult, visit: Visit) -> dict:
    """Return the JSON the page's script gets for a photo that arrived."""
    return {
        "ok": True,
        "state": "done",
        "code": result.photo.code,
        "receipt_html": receipt_html(site, result),
        "mine_url": mine_url(site, visit),
        "mine_html": mine_html(site, visit),
        "visit_photos": visits.held(site, visit),
    }
