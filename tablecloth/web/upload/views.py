"""Participant pages: the form, sending photos, receipts, thumbnails and withdrawal."""

from __future__ import annotations

from flask import (
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import FileStorage

from ... import context
from ...models import Group, Photo, PhotoState
from ...services import groups, uploads
from ..limits import address, limiter
from . import bp
from .form import (
    AGE_BANDS,
    AGE_WHY,
    GUARDIAN_CONSENT,
    GUARDIAN_WHY,
    NAME_WHY,
    TERMS,
    TERMS_TITLE,
    Participant,
    check_form,
    language,
    open_group_limited,
    refusal_text,
    size_limit,
)

UPLOAD_WINDOW_S = 60 * 60
# Refusals that deserve their own status in the script's JSON answers; the rest are 400.
STATUS = {"duplicate": 409, "too_large": 413, "upload_limited": 429}


def _accept(participant: Participant, file: FileStorage, caption: str) -> dict:
    """Store one file for a checked participant; return its receipt data."""
    site = context.site()
    if not limiter().hit(f"upload-photo:{address()}", site.settings["UPLOAD_RATE_LIMIT"],
                         UPLOAD_WINDOW_S):
        raise uploads.UploadRefused("upload_limited")
    caption_language = uploads.guess_language(caption, fallback=language())
    result = uploads.accept_upload(
        site,
        file.read(),
        city=participant.city,
        first_name=participant.first_name,
        caption=caption,
        caption_language=caption_language,
        group=participant.group,
        age_band=participant.age_band,
        consent_self=participant.consent_self,
        consent_guardian=participant.consent_guardian,
    )
    return {"t": result.withdraw_token, "c": result.photo.code}


def _receipt(item: dict) -> dict:
    """Turn stored receipt data into what the receipt template shows."""
    token = item["t"]
    return {
        "code": item["c"],
        "thumb_url": url_for("upload.thumb", token=token),
        "withdraw_url": context.site().base_url + url_for("upload.withdraw", token=token),
    }


def _files() -> list[FileStorage]:
    return [f for f in request.files.getlist("photos") if f and (f.filename or f.content_length)]


def _private(response: Response) -> Response:
    """Keep pages that carry private links out of caches and other sites' referrer logs."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _form_page(values: dict, errors: dict[str, str], file_errors=(), status: int = 200,
               group: Group | None = None):
    site = context.site()
    cities = groups.list_cities(site)
    selected = values.get("city")
    if not selected:
        if group is not None:
            selected = group.city.slug
        else:
            own = [c for c in cities if c.home_language == language()] or cities
            selected = own[0].slug if own else None
    return render_template(
        "upload/form.html", values=values, errors=errors, file_errors=file_errors,
        cities=cities, selected_city=selected, age_bands=AGE_BANDS,
        max_files=site.settings["MAX_FILES_PER_UPLOAD"],
        max_bytes=site.settings["MAX_UPLOAD_BYTES"],
        max_mb=format_decimal(size_limit(site), format="#,##0.#"),
        js_messages=_js_messages(),
    ), status


def _js_messages() -> dict[str, str]:
    return {
        "waiting": _("Waiting to send"),
        "sending": _("Sending…"),
        "processing": _("Checking the photo…"),
        "sent": _("Sent"),
        "failed": _("Not sent"),
        "retry": _("Try again"),
        "remove": _("Remove"),
        "no_preview": _("No preview on this phone, but the photo can still be sent."),
        "caption": _("Caption for this photo (optional)"),
        "network": _("The connection was lost. Check your signal, then try again."),
        "server": _("Something went wrong on our side. Try again in a minute."),
        "too_large": refusal_text("too_large", {"limit": size_limit(context.site())}),
        "no_files": refusal_text("no_files"),
        "check_form": _("Some answers need your attention; see the messages in red."),
        "copied": _("Link copied"),
        "all_sent": _("All your photos have arrived."),
        "some_failed": _("Some photos were not sent. Use “Try again” beside each of them."),
    }


@bp.context_processor
def _helpers():
    def in_language(code: str, text) -> str:
        with force_locale(code):
            return str(text)

    other = "ru" if language() == "en" else "en"
    return {"in_language": in_language, "other_language": other, "terms": TERMS,
            "name_why": NAME_WHY, "age_why": AGE_WHY, "guardian_why": GUARDIAN_WHY,
            "guardian_consent": GUARDIAN_CONSENT, "terms_title": TERMS_TITLE}


@bp.get("")
def form():
    """Show the form for sending photos."""
    values = {"code": request.args.get("code", "")[:64]}
    group = None
    if values["code"].strip():
        group = open_group_limited(context.site(), values["code"])[0]
    return _form_page(values, {}, group=group)


@bp.post("")
def send():
    """Take every photo of a plain form post, then show the receipts."""
    site = context.site()
    values = request.form.to_dict()
    values.pop("csrf_token", None)
    check = check_form(site, request.form)
    files = _files()
    errors = dict(check.errors)
    most = site.settings["MAX_FILES_PER_UPLOAD"]
    if not files:
        errors["photos"] = refusal_text("no_files")
    elif len(files) > most:
        errors["photos"] = refusal_text("too_many_files", {"count": len(files), "limit": most})
    caption = request.form.get("caption", "")
    try:
        caption = uploads.clean_caption(caption)
    except uploads.UploadRefused as exc:
        errors["caption"] = refusal_text(exc.reason, exc.detail)
    if errors:
        return _form_page(values, errors, status=429 if check.limited else 400,
                          group=check.group)
    receipts, failures = [], []
    for file in files:
        try:
            receipts.append(_accept(check.participant, file, caption))
        except uploads.UploadRefused as exc:
            detail = {k: v for k, v in exc.detail.items() if isinstance(v, int | float | str)}
            failures.append({"n": (file.filename or "")[-80:], "r": exc.reason, "d": detail})
    if not receipts:
        file_errors = [(f["n"], refusal_text(f["r"], f["d"])) for f in failures]
        return _form_page(values, {}, file_errors=file_errors, status=400, group=check.group)
    session["upload_receipts"] = receipts
    session["upload_failures"] = failures
    return redirect(url_for("upload.receipts"), code=303)


@bp.get("/receipts")
def receipts():
    """Show the receipts of the last photos sent from this browser."""
    items = session.get("upload_receipts") or []
    if not items:
        return redirect(url_for("upload.form"))
    failures = [(f["n"], refusal_text(f["r"], f["d"]))
                for f in session.get("upload_failures") or []]
    page = render_template("upload/receipts.html", receipts=[_receipt(i) for i in items],
                           failures=failures)
    return _private(Response(page))


@bp.post("/one")
def one():
    """Take one photo sent by the page's script; answer JSON with its receipt."""
    check = check_form(context.site(), request.form)
    if check.errors:
        return jsonify(ok=False, reason="form", fields=check.errors,
                       message=_("Some answers need your attention; see the messages in red.")
                       ), 429 if check.limited else 400
    file = request.files.get("photo")
    if file is None:
        return jsonify(ok=False, reason="no_files", message=refusal_text("no_files")), 400
    try:
        caption = uploads.clean_caption(request.form.get("caption", ""))
        item = _accept(check.participant, file, caption)
    except uploads.UploadRefused as exc:
        return jsonify(ok=False, reason=exc.reason,
                       message=refusal_text(exc.reason, exc.detail)
                       ), STATUS.get(exc.reason, 400)
    receipt = _receipt(item)
    html = render_template("upload/_receipt.html", receipt=receipt)
    return _private(jsonify(ok=True, code=receipt["code"], receipt_html=html)), 201


@bp.get("/terms")
def terms():
    """Show the terms in the current language and the other."""
    return render_template("upload/terms.html")


@bp.get("/receipt/<token>/thumb")
def thumb(token: str):
    """Serve a photo's thumbnail to the holder of its private link only."""
    found = uploads.thumbnail(context.site(), token)
    if found is None:
        abort(404)
    data, content_type = found
    return _private(Response(data, mimetype=content_type))


@bp.route("/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token: str):
    """Ask to confirm, then withdraw the photo behind a private link at once."""
    site = context.site()
    photo: Photo | None = uploads.find_by_token(site, token)
    if photo is None:
        return _private(Response(render_template("upload/not_found.html"), status=404))
    already = photo.state is PhotoState.WITHDRAWN
    done = False
    if request.method == "POST" and not already:
        uploads.withdraw_by_token(site, token)
        done = True
    page = render_template("upload/withdraw.html", photo=photo, token=token,
                           already=already, done=done)
    return _private(Response(page))


@bp.errorhandler(CSRFError)
def csrf_refused(_error):
    """Answer a missing or stale form token in the participant's language."""
    message = refusal_text("session_expired")
    if request.path == url_for("upload.one"):
        return jsonify(ok=False, reason="session_expired", message=message), 400
    return render_template("upload/problem.html", message=message), 400
