"""Participant pages: the form, sending photos, receipts, thumbnails and withdrawal."""

from __future__ import annotations

import uuid

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
from ...models import Group, Photo, PhotoState, Visit
from ...services import uploads, visits, withdrawals
from ..limits import address, limiter
from .blueprint import bp
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
from .receipts import mine_url, private, receipt, receipts_of
from .trouble import RETRY_AFTER_S, TROUBLE, unavailable

UPLOAD_WINDOW_S = 60 * 60


def _accept(participant: Participant, file: FileStorage, caption: str, visit: Visit
            ) -> uploads.UploadResult:
    """Store one file of the plain form for a checked participant; return its receipt."""
    site = context.site()
    if not limiter().hit(f"upload-photo:{address()}", site.settings["UPLOAD_RATE_LIMIT"],
                         UPLOAD_WINDOW_S):
        raise uploads.UploadRefused("upload_limited")
    caption_language = uploads.guess_language(caption, fallback=language())
    return uploads.accept_upload(
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
        # The plain form has no page script to name each photo; the server does, so its
        # receipt can be shown again from the visit.
        upload_key=str(uuid.uuid4()),
        visit=visit,
    )


def _files() -> list[FileStorage]:
    return [f for f in request.files.getlist("photos") if f and (f.filename or f.content_length)]


def _form_page(values: dict, errors: dict[str, str], file_errors=(), status: int = 200,
               group: Group | None = None):
    site = context.site()
    return render_template(
        "upload/form.html", values=values, errors=errors, file_errors=file_errors,
        group_label=_group_label(group) if group is not None else "",
        age_bands=AGE_BANDS,
        max_files=site.settings["MAX_FILES_PER_UPLOAD"],
        max_bytes=site.settings["MAX_UPLOAD_BYTES"],
        chunk_bytes=site.settings["UPLOAD_CHUNK_BYTES"],
        max_mb=format_decimal(size_limit(site), format="#,##0.#"),
        js_messages=_js_messages(),
    ), status


def _group_label(group: Group) -> str:
    return _("Group: %(group)s, %(city)s", group=group.name,
             city=group.city.name(language()))


def _js_messages() -> dict[str, str]:
    site = context.site()
    most = site.settings["MAX_FILES_PER_UPLOAD"]
    return {
        "photo": _("Photo"),
        "waiting": _("Waiting to send"),
        "sending": _("Sending…"),
        "processing": _("Checking the photo…"),
        "sent": _("Sent"),
        "retry": _("Try again"),
        "remove": _("Remove"),
        "no_preview": _("No preview on this phone, but the photo can still be sent."),
        "caption": _("Caption for this photo (optional)"),
        "network": _("The connection was lost. Check your signal, then try again."),
        "server": _("Something went wrong on our side. Try again in a minute."),
        "too_large": refusal_text("too_large", {"limit": size_limit(site)}),
        # The page fills in how many were chosen.
        "too_many": refusal_text("too_many_files", {"count": "%(count)s", "limit": most}),
        "no_files": refusal_text("no_files"),
        "waiting_signal": _("Waiting for a signal… %(sent)s of %(total)s sent. Sending goes "
                            "on by itself when the connection is back.",
                            sent="%(sent)s", total="%(total)s"),
        "waiting_signal_short": _("Waiting for a signal…"),
        "waiting_server": _("Something is wrong on our side, not with your photos. %(sent)s of "
                            "%(total)s sent; sending goes on by itself in a moment.",
                            sent="%(sent)s", total="%(total)s"),
        "waiting_server_short": _("Waiting for our server…"),
        "progress": _("Sending your photos: %(sent)s of %(total)s sent.",
                      sent="%(sent)s", total="%(total)s"),
        "all_sent": _("All your photos have arrived."),
        "some_refused": _("The other photos have arrived. Photos that could not be sent: "
                          "%(count)s. Each says why beside it.", count="%(count)s"),
        "resume": _("Photos chosen earlier and not sent yet: %(count)s.",
                    count="%(count)s"),
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


@bp.get("/group")
def group_lookup():
    """Say whose group an invite code opens (JSON for the page), or why it opens none."""
    site = context.site()
    group, reason = open_group_limited(site, request.args.get("code", "")[:64])
    if reason:
        return jsonify(ok=False, reason=reason, message=refusal_text(reason)), \
            429 if reason == "invite_limited" else 200
    return jsonify(ok=True, label=_group_label(group), home_language=group.city.home_language)


def _visit_for(adding: int) -> Visit:
    """Return this browser's visit if it has room for adding photos, else start a new one.

    The session keeps only the visit's opaque reference: no token, no receipt.
    """
    site = context.site()
    visit = visits.by_ref(site, session.get("visit_ref"))
    if visit is None or not visits.has_room(site, visit, adding):
        visit = visits.start(site)
        session["visit_ref"] = visit.ref
    return visit


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
    visit = _visit_for(len(files))
    stored: list[uploads.UploadResult] = []
    failures: list[tuple[str, str]] = []
    trouble = None
    for file in files:
        name = (file.filename or "")[-80:]
        if trouble is not None:
            failures.append((name, refusal_text("unavailable")))
            continue
        try:
            stored.append(_accept(check.participant, file, caption, visit))
        except uploads.UploadRefused as exc:
            failures.append((name, refusal_text(exc.reason, exc.detail)))
        except TROUBLE as exc:
            # Our side failed (a full disk, the database away): what was stored keeps its
            # receipt, this photo and the rest are listed as not sent, to send again later.
            site.db.rollback()
            trouble = exc
            failures.append((name, refusal_text("unavailable")))
    if not stored:
        if trouble is not None:
            return unavailable(trouble)
        return _form_page(values, {}, file_errors=failures, status=400, group=check.group)
    if not failures:
        return redirect(url_for("upload.receipts"), code=303)
    page = _receipts_page([receipt(site, r) for r in stored], failures, visit)
    if trouble is not None:
        page.status_code = 503
        page.headers["Retry-After"] = str(RETRY_AFTER_S)
    return page


def _receipts_page(items: list[dict], failures, visit: Visit) -> Response:
    page = render_template("upload/receipts.html", receipts=items, failures=failures,
                           mine_url=mine_url(context.site(), visit))
    return private(Response(page))


@bp.get("/receipts")
def receipts():
    """Show the receipts of every photo this browser's visit has sent."""
    site = context.site()
    # Older versions kept withdrawal tokens in the cookie itself: drop them.
    session.pop("upload_receipts", None)
    session.pop("upload_failures", None)
    visit = visits.by_ref(site, session.get("visit_ref"))
    photos = visits.photos(site, visit) if visit is not None else []
    if not photos:
        return redirect(url_for("upload.form"))
    return _receipts_page(receipts_of(site, photos), [], visit)


@bp.get("/terms")
def terms():
    """Show the terms in the current language and the other."""
    return render_template("upload/terms.html")


@bp.get("/receipt/<token>/thumb")
def thumb(token: str):
    """Serve a photo's thumbnail to the holder of its private link only."""
    found = withdrawals.thumbnail(context.site(), token)
    if found is None:
        abort(404)
    data, content_type = found
    return private(Response(data, mimetype=content_type))


@bp.route("/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token: str):
    """Ask to confirm, then withdraw the photo behind a private link at once."""
    site = context.site()
    photo: Photo | None = withdrawals.find_by_token(site, token)
    if photo is None:
        return private(Response(render_template("upload/not_found.html"), status=404))
    already = photo.state is PhotoState.WITHDRAWN
    done = False
    if request.method == "POST" and not already:
        withdrawals.withdraw_by_token(site, token)
        done = True
    page = render_template("upload/withdraw.html", photo=photo, already=already, done=done,
                           thumb_url=url_for("upload.thumb", token=token),
                           action=url_for("upload.withdraw", token=token), back_url=None)
    return private(Response(page))


@bp.errorhandler(CSRFError)
def csrf_refused(_error):
    """Answer a missing or stale form token in the participant's language."""
    message = refusal_text("session_expired")
    return render_template("upload/problem.html", message=message), 400
