"""Participant pages: send photos with a group's invite code, receipts, withdrawal."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from .. import db, images, ratelimit
from ..context import store as storage
from ..models import AgeBand, City, Group, Photo, PhotoState, utcnow
from ..services import groups, uploads

bp = Blueprint("upload", __name__, url_prefix="/upload")

MB = 1024 * 1024
# Reasons the web layer adds to those of images and services.uploads.
INVITE_MISSING = "invite_missing"
INVITE_UNKNOWN = "invite_unknown"
INVITE_OFF = "invite_off"
INVITE_EXPIRED = "invite_expired"
CITY_MISSING = "city_missing"
NO_FILES = "no_files"
TOO_MANY_FILES = "too_many_files"
REQUEST_TOO_LARGE = "request_too_large"
TERMS_MISSING = "terms_missing"
SESSION_EXPIRED = "session_expired"
INVITE_LIMITED = "invite_limited"  # too many wrong invite codes from one address
UPLOAD_LIMITED = "upload_limited"  # too many photos from one address
INVITE_WINDOW_S = 15 * 60
UPLOAD_WINDOW_S = 60 * 60

AGE_BANDS = (
    (AgeBand.UNDER_13, _l("under 13")),
    (AgeBand.FROM_13_TO_15, _l("13 to 15")),
    (AgeBand.FROM_16_TO_17, _l("16 or 17")),
    (AgeBand.ADULT, _l("18 or over")),
)
NAME_WHY = _l(
    "Only your first name or a nickname, never your full name: it is shown with your photo "
    "and printed on the cloth, and nobody should be able to find you from it."
)
AGE_WHY = _l("We ask only to know whether a parent or guardian has to agree too.")
GUARDIAN_WHY = _l(
    "If you are under 13, or under 18 and live in Russia, a parent or guardian must agree "
    "before your photos can be used. Show them this page and tick the box together."
)
TERMS_TITLE = _l("Terms of taking part")
GUARDIAN_CONSENT = _l("My parent or guardian has read this page and agrees.")
TERMS = (
    _l("Send only photos you took yourself. If people can be recognised in a photo, ask them "
       "first."),
    _l("Organisers look at every photo before anyone else can see it. They may decline a photo "
       "without giving a reason."),
    _l("An approved photo gets its own page on this website with its caption, your first name "
       "or nickname and your city, and its QR code may be printed on a fabric tablecloth shown "
       "in Coventry and Volgograd."),
    _l("We remove the location and all other hidden information (EXIF) from every photo. We "
       "never ask for your full name, e-mail address or phone number."),
    _l("You can withdraw a photo at any time with the private link on your receipt. Its page "
       "disappears at once. A cloth that is already printed cannot change, but its code will "
       "then only say that the photo was withdrawn."),
    _l("If you are under 13, or under 18 and live in Russia, a parent or guardian must agree "
       "as well."),
)


def message_for(reason: str, detail: dict | None = None) -> str:
    """Return the translated message for a refusal reason, saying what to do next."""
    detail = detail or {}
    config = current_app.config
    if reason == images.TOO_LARGE or reason == REQUEST_TOO_LARGE:
        limit = format_decimal(round(detail.get("limit_bytes") or config["MAX_UPLOAD_BYTES"])
                               / MB, format="#,##0.#")
        if reason == REQUEST_TOO_LARGE:
            return _("What you sent is too large altogether. Send fewer photos at a time, each "
                     "smaller than %(limit)s MB.", limit=limit)
        return _("This file is larger than %(limit)s MB. Choose a smaller photo, or send it from "
                 "your gallery instead of the camera's RAW mode.", limit=limit)
    if reason == images.TOO_MANY_PIXELS:
        limit = format_decimal((detail.get("limit_pixels") or config["MAX_UPLOAD_PIXELS"])
                               / 1_000_000, format="#,##0.#")
        return _("This picture has too many pixels (more than %(limit)s megapixels). Send an "
                 "ordinary phone photo or a smaller copy of it.", limit=limit)
    if reason == images.UNSUPPORTED and detail.get("format"):
        return _("Files of this kind (%(format)s) cannot go on the tablecloth. Send a photo as "
                 "JPEG, PNG, HEIC or WebP.", format=str(detail["format"])[:20])
    if reason == uploads.BAD_NAME:
        return _("Write your first name or a nickname, up to %(limit)s characters.",
                 limit=format_decimal(uploads.NAME_MAX))
    if reason == uploads.CAPTION_TOO_LONG:
        return _("This caption is too long. Keep it to %(limit)s characters.",
                 limit=format_decimal(uploads.CAPTION_MAX))
    if reason == TOO_MANY_FILES:
        return _("You chose %(count)s photos, but at most %(limit)s can go at once. Send the "
                 "first %(limit)s now and the rest afterwards.",
                 count=format_decimal(detail.get("count", 0)),
                 limit=format_decimal(config["MAX_FILES_PER_UPLOAD"]))
    simple = {
        images.EMPTY: _l("This file is empty (0 bytes). Choose the photo again from your "
                         "gallery."),
        images.NOT_AN_IMAGE: _l("This file is not a photo we can read. Send a JPEG, PNG, HEIC "
                                "or WebP photo."),
        images.UNSUPPORTED: _l("Files of this kind cannot go on the tablecloth. Send a photo "
                               "as JPEG, PNG, HEIC or WebP."),
        images.ANIMATED: _l("Animated pictures cannot be printed on a cloth. Send a still photo "
                            "instead."),
        images.DAMAGED: _l("This photo is damaged or was not copied completely. Open it in your "
                           "gallery to check it, then send it again."),
        uploads.DUPLICATE: _l("This photo has already been sent. There is no need to send it "
                              "again."),
        uploads.CONTACT_IN_NAME: _l("Write only a first name or a nickname: no e-mail address, "
                                    "@name, link or phone number."),
        uploads.AGE_BAND_MISSING: _l("Choose your age group."),
        uploads.CONSENT_MISSING: _l("Tick the box to say that you agree to share your photos."),
        uploads.GUARDIAN_CONSENT_MISSING: _l("Because of your age a parent or guardian must "
                                             "agree too. Ask them, then tick their box."),
        uploads.INVITE_CLOSED: _l("This invite code no longer accepts photos. Ask your group "
                                  "leader."),
        uploads.QUOTA_REACHED: _l("Your group has sent as many photos as it can for now. Ask "
                                  "your group leader: the organisers can raise the limit."),
        INVITE_MISSING: _l("Enter the invite code your group leader gave you."),
        INVITE_UNKNOWN: _l("We do not know this invite code. Check it with your group leader: "
                           "every letter and digit must match."),
        INVITE_OFF: _l("This invite code has been switched off by the organisers. Ask your "
                       "group leader for a new one."),
        INVITE_EXPIRED: _l("This invite code has expired: the group has stopped collecting "
                           "photos. Ask your group leader whether there is a new code."),
        CITY_MISSING: _l("Choose your city."),
        NO_FILES: _l("Choose at least one photo."),
        TERMS_MISSING: _l("Tick the box to agree to the terms."),
        SESSION_EXPIRED: _l("This page was open for too long or your browser blocks cookies. "
                            "Reload the page and try again."),
        INVITE_LIMITED: _l("Too many wrong invite codes were typed on this connection. Wait a "
                           "quarter of an hour, then check the code with your group leader."),
        UPLOAD_LIMITED: _l("A great many photos came from this connection in the last hour. "
                           "Wait a while, then send the rest."),
    }
    if reason in simple:
        return str(simple[reason])
    return _("Something went wrong with this photo. Try again, or choose another photo.")


@dataclass
class Participant:
    """The checked shared fields of an upload form."""

    group: Group
    city: City
    first_name: str
    age_band: AgeBand
    consent_self: bool
    consent_guardian: bool


@dataclass
class FormCheck:
    participant: Participant | None = None
    errors: dict[str, str] = field(default_factory=dict)
    group: Group | None = None
    limited: bool = False


def find_group(raw: str) -> tuple[Group | None, str | None]:
    """Return the group of an invite code typed in any case, or the reason it is refused."""
    code = groups.normalise_invite(raw)
    if not code:
        return None, INVITE_MISSING
    group = groups.find_group(code) if len(code) <= 64 else None
    if group is None:
        return None, INVITE_UNKNOWN
    if not group.active:
        return group, INVITE_OFF
    if not group.accepts_uploads(utcnow()):
        return group, INVITE_EXPIRED
    return group, None


def _find_group_limited(raw: str) -> tuple[Group | None, str | None]:
    """Find an invite code's group, counting wrong codes per address against guessing."""
    key = f"upload-invite:{request.remote_addr}"
    limit = current_app.config["INVITE_RATE_LIMIT"]
    if ratelimit.retry_after(key, limit, INVITE_WINDOW_S) > 0:
        return None, INVITE_LIMITED
    group, reason = find_group(raw)
    if reason == INVITE_UNKNOWN:
        ratelimit.hit(key, limit, INVITE_WINDOW_S)
    return group, reason


def _cities() -> list[City]:
    return list(db.session().scalars(select(City).order_by(City.position, City.id)))


def _language() -> str:
    return str(get_locale() or "en")


def check_form(form) -> FormCheck:
    """Check the fields every photo shares; collect a translated message per bad field."""
    check = FormCheck()
    errors = check.errors
    group, reason = _find_group_limited(form.get("code", ""))
    check.group, check.limited = group, reason == INVITE_LIMITED
    if reason:
        errors["code"] = message_for(reason)
    city = next((c for c in _cities() if c.slug == form.get("city")), None)
    if city is None:
        errors["city"] = message_for(CITY_MISSING)
    first_name = ""
    try:
        first_name = uploads.clean_first_name(form.get("first_name", ""))
    except uploads.UploadRefused as exc:
        errors["first_name"] = message_for(exc.reason, exc.detail)
    band = form.get("age_band", "")
    age_band = AgeBand(band) if band in {b.value for b in AgeBand} else None
    if age_band is None:
        errors["age_band"] = message_for(uploads.AGE_BAND_MISSING)
    consent_self = form.get("consent_self") == "yes"
    consent_guardian = form.get("consent_guardian") == "yes"
    if not consent_self:
        errors["consent_self"] = message_for(uploads.CONSENT_MISSING)
    if (city is not None and age_band is not None and not consent_guardian
            and uploads.guardian_consent_needed(city, age_band)):
        errors["consent_guardian"] = message_for(uploads.GUARDIAN_CONSENT_MISSING)
    if form.get("terms") != "yes":
        errors["terms"] = message_for(TERMS_MISSING)
    if not errors:
        check.participant = Participant(group, city, first_name, age_band, consent_self,
                                        consent_guardian)
    return check


def _accept(participant: Participant, file: FileStorage, caption: str) -> dict:
    """Store one file for a checked participant; return its receipt data."""
    if not ratelimit.hit(f"upload-photo:{request.remote_addr}",
                         current_app.config["UPLOAD_RATE_LIMIT"], UPLOAD_WINDOW_S):
        raise uploads.UploadRefused(UPLOAD_LIMITED, "too many photos from this address")
    caption_language = uploads.guess_language(caption, fallback=_language())
    result = uploads.accept_upload(
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
    base = current_app.config["PUBLIC_BASE_URL"]
    return {
        "code": item["c"],
        "thumb_url": url_for("upload.thumb", token=token),
        "withdraw_url": base + url_for("upload.withdraw", token=token),
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
    cities = _cities()
    selected = values.get("city")
    if not selected:
        if group is not None:
            selected = group.city.slug
        else:
            own = [c for c in cities if c.home_language == _language()] or cities
            selected = own[0].slug if own else None
    config = current_app.config
    return render_template(
        "upload/form.html", values=values, errors=errors, file_errors=file_errors,
        cities=cities, selected_city=selected, age_bands=AGE_BANDS,
        max_files=config["MAX_FILES_PER_UPLOAD"], max_bytes=config["MAX_UPLOAD_BYTES"],
        max_mb=format_decimal(config["MAX_UPLOAD_BYTES"] / MB, format="#,##0.#"),
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
        "too_large": message_for(images.TOO_LARGE),
        "no_files": message_for(NO_FILES),
        "check_form": _("Some answers need your attention; see the messages in red."),
        "copied": _("Link copied"),
        "all_sent": _("All your photos have arrived."),
        "some_failed": _("Some photos were not sent. Use “Try again” beside each of them."),
    }


@bp.context_processor
def _helpers():
    def in_language(language: str, text) -> str:
        with force_locale(language):
            return str(text)

    other = "ru" if _language() == "en" else "en"
    return {"in_language": in_language, "other_language": other, "terms": TERMS,
            "name_why": NAME_WHY, "age_why": AGE_WHY, "guardian_why": GUARDIAN_WHY,
            "guardian_consent": GUARDIAN_CONSENT, "terms_title": TERMS_TITLE}


@bp.get("")
def form():
    """Show the form for sending photos."""
    values = {"code": request.args.get("code", "")[:64]}
    group = _find_group_limited(values["code"])[0] if values["code"].strip() else None
    return _form_page(values, {}, group=group)


@bp.post("")
def send():
    """Take every photo of a plain form post, then show the receipts."""
    values = request.form.to_dict()
    values.pop("csrf_token", None)
    check = check_form(request.form)
    files = _files()
    errors = dict(check.errors)
    if not files:
        errors["photos"] = message_for(NO_FILES)
    elif len(files) > current_app.config["MAX_FILES_PER_UPLOAD"]:
        errors["photos"] = message_for(TOO_MANY_FILES, {"count": len(files)})
    caption = request.form.get("caption", "")
    try:
        caption = uploads.clean_caption(caption)
    except uploads.UploadRefused as exc:
        errors["caption"] = message_for(exc.reason, exc.detail)
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
        file_errors = [(f["n"], message_for(f["r"], f["d"])) for f in failures]
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
    failures = [(f["n"], message_for(f["r"], f["d"]))
                for f in session.get("upload_failures") or []]
    page = render_template("upload/receipts.html", receipts=[_receipt(i) for i in items],
                           failures=failures)
    return _private(Response(page))


@bp.post("/one")
def one():
    """Take one photo sent by the page's script; answer JSON with its receipt."""
    check = check_form(request.form)
    if check.errors:
        return jsonify(ok=False, reason="form", fields=check.errors,
                       message=_("Some answers need your attention; see the messages in red.")
                       ), 429 if check.limited else 400
    file = request.files.get("photo")
    if file is None:
        return jsonify(ok=False, reason=NO_FILES, message=message_for(NO_FILES)), 400
    try:
        caption = uploads.clean_caption(request.form.get("caption", ""))
        item = _accept(check.participant, file, caption)
    except uploads.UploadRefused as exc:
        status = {uploads.DUPLICATE: 409, images.TOO_LARGE: 413,
                  UPLOAD_LIMITED: 429}.get(exc.reason, 400)
        return jsonify(ok=False, reason=exc.reason,
                       message=message_for(exc.reason, exc.detail)), status
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
    photo = uploads.find_by_token(token)
    thumb_file = photo.file("thumb") if photo is not None else None
    if thumb_file is None:
        abort(404)
    try:
        data = storage().get(thumb_file.key)
    except FileNotFoundError:
        abort(404)
    return _private(Response(data, mimetype=thumb_file.content_type))


@bp.route("/withdraw/<token>", methods=["GET", "POST"])
def withdraw(token: str):
    """Ask to confirm, then withdraw the photo behind a private link at once."""
    photo: Photo | None = uploads.find_by_token(token)
    if photo is None:
        return _private(Response(render_template("upload/not_found.html"), status=404))
    already = photo.state is PhotoState.WITHDRAWN
    done = False
    if request.method == "POST" and not already:
        uploads.withdraw_by_token(token)
        done = True
    page = render_template("upload/withdraw.html", photo=photo, token=token,
                           already=already, done=done)
    return _private(Response(page))


@bp.errorhandler(CSRFError)
def csrf_refused(_error):
    """Answer a missing or stale form token in the participant's language."""
    message = message_for(SESSION_EXPIRED)
    if request.path == url_for("upload.one"):
        return jsonify(ok=False, reason=SESSION_EXPIRED, message=message), 400
    return render_template("upload/problem.html", message=message), 400


@bp.app_errorhandler(413)
def request_too_large(_error):
    """Answer a request over the size limit with a translated message, JSON for the script."""
    message = message_for(REQUEST_TOO_LARGE)
    if request.path == url_for("upload.one"):
        return jsonify(ok=False, reason=REQUEST_TOO_LARGE, message=message), 413
    return render_template("upload/problem.html", message=message), 413
