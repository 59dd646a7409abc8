"""The tus 1.0 endpoint (tus.io): photos arrive in pieces and resume after a cut.

Core protocol with the creation, termination and expiration extensions, at /upload/tus/.
A creation carries the participant's answers as Upload-Metadata and is checked exactly as the
form is; the finished file goes through uploads.accept_upload like every other photo. Our own
addition is GET on an upload: its receipt (or refusal) as JSON, asked again and again with the
same answer, so a reply lost on the way costs nothing.

No cookie, no session, no CSRF token: a tus client holds only the upload's URL and the visit
token the first creation returned (Upload-Visit). Every request except OPTIONS must carry
Tus-Resumable, a header no cross-site form can send, so another site cannot post here either.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid

from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import ClientDisconnected
from werkzeug.http import http_date

from ... import context
from ...errors import Refusal
from ...models import PartialUpload
from ...services import resumable, uploads, visits
from ..csrf import csrf
from ..limits import address, limiter
from .blueprint import bp
from .form import check_form, language, refusal_text, size_limit
from .receipts import answer, private

VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
CONTENT_TYPE = "application/offset+octet-stream"
READ_BYTES = 64 * 1024
# Finished uploads swept away on each creation, at most: the rest wait for the next one or for
# `tablecloth check --repair`.
SWEEP_LIMIT = 20
_KEY = re.compile(r"[A-Za-z0-9-]{8,36}")
# Refusals with a status of their own; the rest are 400.
STATUS = {"duplicate": 409, "upload_key_taken": 409, "upload_offset_mismatch": 409,
          "too_large": 413, "request_too_large": 413, "upload_limited": 429,
          "invite_limited": 429, "upload_gone": 410}
UPLOAD_WINDOW_S = 60 * 60


def tus_headers() -> dict[str, str]:
    """Return the headers every tus answer carries."""
    return {"Tus-Resumable": VERSION, "Cache-Control": "no-store"}


def _tus(response: Response, status: int | None = None, **headers: str) -> Response:
    if status is not None:
        response.status_code = status
    response.headers.update(tus_headers())
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def _empty(status: int, **headers: str) -> Response:
    return _tus(Response(status=status), **headers)


def _refused(reason: str, detail: dict | None = None, *, fields: dict | None = None,
             status: int | None = None, **headers: str) -> Response:
    """Answer a refusal as JSON in the visitor's language: what is wrong and what to do."""
    if fields:  # the participant's answers: each bad field has its own message
        message = _("Some answers need your attention; see the messages in red.")
    else:
        message = refusal_text(reason, detail)
    body = {"ok": False, "state": "refused", "reason": reason, "message": message}
    if fields:
        body["fields"] = fields
    return _tus(jsonify(body), status or STATUS.get(reason, 400), **headers)


def _refusal(exc: Refusal, **headers: str) -> Response:
    return _refused(exc.reason, exc.detail, **headers)


def _expires(upload: PartialUpload) -> str:
    return http_date(upload.expires_at)


def _metadata(raw: str) -> dict[str, str]:
    """Decode Upload-Metadata: comma-separated "key base64value" pairs (value optional)."""
    found = {}
    for pair in raw.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        found[key] = base64.b64decode(value.strip(), validate=True).decode() if value else ""
    return found


@bp.route("/tus/", methods=["OPTIONS"], provide_automatic_options=False)
def tus_options():
    """Say which tus version, extensions and size this server offers."""
    site = context.site()
    return _empty(204, Tus_Version=VERSION, Tus_Extension=EXTENSIONS,
                  Tus_Max_Size=str(site.settings["MAX_UPLOAD_BYTES"]))


@bp.post("/tus/")
@csrf.exempt
def tus_create():
    """Start a photo's upload (tus creation): check the answers, say where to send bytes."""
    if request.headers.get("Tus-Resumable") != VERSION:
        return _empty(412, Tus_Version=VERSION)
    site = context.site()
    try:
        length = int(request.headers.get("Upload-Length", ""))
        meta = _metadata(request.headers.get("Upload-Metadata", ""))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return _refused("refused")  # not something our page or a tus client sends
    if length > site.settings["MAX_UPLOAD_BYTES"]:
        return _refused("too_large", {"limit": size_limit(site)})
    if length <= 0:
        return _refused("empty")
    key = meta.get("photo_key") or str(uuid.uuid4())
    if not _KEY.fullmatch(key):
        return _refused("refused")
    visit = visits.by_token(site, meta.get("visit"))

    again = resumable.by_key(site, key)
    if again is not None and not resumable.is_expired(again):
        # The same photo asked for again (its first answer was lost): the same upload, and
        # its visit's token to a page that never heard it.
        if (visit is not None and again.visit_id == visit.id) or (
                visit is None and resumable.alone_in_its_visit(site, again)):
            return _created(again, status=201)
        return _refused("upload_key_taken")

    answers = {"code": meta.get("invite", ""), **{
        name: meta.get(name, "") for name in
        ("first_name", "age_band", "consent_self", "consent_guardian", "terms")}}
    check = check_form(site, answers)
    if check.errors:
        return _refused("form", fields=check.errors, status=429 if check.limited else 400)
    participant = check.participant
    try:
        caption = uploads.clean_caption(meta.get("caption", ""))
        if visit is not None:
            visits.check_room(site, visit)
        uploads.check_quota(site, participant.group)
    except uploads.UploadRefused as exc:
        return _refusal(exc)
    if not limiter().hit(f"upload-photo:{address()}", site.settings["UPLOAD_RATE_LIMIT"],
                         UPLOAD_WINDOW_S):
        return _refused("upload_limited")
    if visit is None:
        visit = visits.start(site)
    fallback = meta.get("language") if meta.get("language") in ("en", "ru") else language()
    details = {
        "group_id": participant.group.id,
        "first_name": participant.first_name,
        "age_band": participant.age_band.value,
        "consent_self": participant.consent_self,
        "consent_guardian": participant.consent_guardian,
        "caption": caption,
        "caption_language": uploads.guess_language(caption, fallback=fallback),
    }
    try:
        upload = resumable.create(site, visit=visit, upload_key=key, length=length,
                                  details=details)
    except Refusal as exc:
        return _refusal(exc)
    resumable.sweep(site, limit=SWEEP_LIMIT)
    return _created(upload, status=201)


def _created(upload: PartialUpload, status: int) -> Response:
    site = context.site()
    # Upload-Offset is not tus's on a creation, but saves a page asking again (after a lost
    # answer) the HEAD that would tell it.
    offset = upload.length if resumable.is_done(upload) else resumable.offset_of(site, upload)
    response = _empty(status, Location=url_for("upload.tus_upload", name=upload.name),
                      Upload_Expires=_expires(upload), Upload_Offset=str(offset),
                      Upload_Visit=visits.token(site, upload.visit))
    return private(response)


@bp.route("/tus/<name>", methods=["HEAD", "GET", "PATCH", "DELETE"])
@csrf.exempt
def tus_upload(name: str):
    """Answer one upload: HEAD its offset, PATCH more bytes, GET its receipt, DELETE it."""
    if request.headers.get("Tus-Resumable") != VERSION:
        return _empty(412, Tus_Version=VERSION)
    site = context.site()
    upload = resumable.find(site, name)
    if upload is None:
        return _empty(404)
    if resumable.is_expired(upload):
        return _refused("upload_gone")
    if request.method == "DELETE":
        resumable.discard(site, upload)
        return _empty(204)
    if request.method == "PATCH":
        return _patch(upload)
    if request.method == "GET":
        return _receipt(upload)
    offset = upload.length if resumable.is_done(upload) else resumable.offset_of(site, upload)
    return _empty(200, Upload_Offset=str(offset), Upload_Length=str(upload.length),
                  Upload_Expires=_expires(upload))


def _body():
    stream = request.stream
    while chunk := stream.read(READ_BYTES):
        yield chunk


def _patch(upload: PartialUpload) -> Response:
    """Store the bytes of one PATCH; with the last byte, put the photo through the pipeline."""
    site = context.site()
    if request.mimetype != CONTENT_TYPE:
        return _empty(415)
    try:
        offset = int(request.headers["Upload-Offset"])
    except (KeyError, ValueError):
        return _refused("refused")
    if resumable.is_done(upload):
        if upload.refused is not None:
            return _receipt(upload)
        return _empty(204, Upload_Offset=str(upload.length))
    try:
        held = resumable.append(site, upload, offset, _body())
    except ClientDisconnected:
        # The phone lost its signal mid-piece: what arrived is stored; nobody hears this.
        return _empty(400)
    except Refusal as exc:
        if exc.reason == "upload_offset_mismatch":
            return _refusal(exc, Upload_Offset=str(exc.detail["held"]))
        return _refusal(exc)
    if held < upload.length:
        return _empty(204, Upload_Offset=str(held), Upload_Expires=_expires(upload))
    try:
        resumable.finish(site, upload)
    except uploads.UploadRefused as exc:
        return _refusal(exc, Upload_Offset=str(held))
    return _empty(204, Upload_Offset=str(held))


def _receipt(upload: PartialUpload) -> Response:
    """Answer the upload's receipt as JSON, finishing it first if all its bytes are here."""
    site = context.site()
    if not resumable.is_done(upload):
        held = resumable.offset_of(site, upload)
        if held < upload.length:
            response = _refused("upload_incomplete", status=409, Upload_Offset=str(held))
            return response
    try:
        result = resumable.finish(site, upload)
    except uploads.UploadRefused as exc:
        return _refusal(exc)
    return private(_tus(jsonify(answer(site, result, upload.visit))))
