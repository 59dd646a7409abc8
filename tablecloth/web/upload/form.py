"""The participant's form: its texts, and checking the fields every photo of a visit shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ... import images, messages
from ...models import AgeBand, City, Group
from ...services import uploads
from ...services.site import Site
from ..limits import address, limiter
from ..messages import say

INVITE_WINDOW_S = 15 * 60

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


def refusal_text(reason: str, detail: Mapping[str, Any] | None = None) -> str:
    """Return a refusal's message in the visitor's language, saying what to do next."""
    if reason not in messages.CATALOGUE:  # e.g. a receipt cookie from an older version
        reason = "photo_failed"
    return say(reason, dict(detail or {}))


def size_limit(site: Site) -> float:
    """Return the largest photo accepted, in megabytes as messages show it."""
    return images.in_megabytes(site.settings["MAX_UPLOAD_BYTES"])


def language() -> str:
    """Return the visitor's language code."""
    return str(get_locale() or "en")


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


def open_group_limited(site: Site, raw: str) -> tuple[Group | None, str | None]:
    """Return the group an invite code opens, or the reason it is refused (and the group
    when the code is known), counting unknown codes per address against guessing."""
    key = f"upload-invite:{address()}"
    limit = site.settings["INVITE_RATE_LIMIT"]
    if limiter().retry_after(key, limit, INVITE_WINDOW_S) > 0:
        return None, "invite_limited"
    # Counted before the look-up and given back unless the code was unknown, so guesses
    # racing in several workers cannot all pass the check above: at most `limit` are tried.
    if not limiter().hit(key, limit, INVITE_WINDOW_S):
        return None, "invite_limited"
    try:
        group = uploads.open_group(site, raw)
    except uploads.InviteRefused as refused:
        if refused.reason != "invite_unknown":
            limiter().cancel(key)
        return refused.group, refused.reason
    limiter().cancel(key)
    return group, None


def check_form(site: Site, form: Mapping[str, str]) -> FormCheck:
    """Check the fields every photo shares; collect a translated message per bad field.

    The city is the invite code's: a group belongs to one city, so nobody is asked for it
    (and a city sent by an older page is ignored).
    """
    check = FormCheck()
    errors = check.errors
    group, reason = open_group_limited(site, form.get("code", ""))
    check.group, check.limited = group, reason == "invite_limited"
    if reason:
        errors["code"] = refusal_text(reason)
    city = group.city if group is not None and not reason else None
    first_name = ""
    try:
        first_name = uploads.clean_first_name(form.get("first_name", ""))
    except uploads.UploadRefused as exc:
        errors["first_name"] = refusal_text(exc.reason, exc.detail)
    band = form.get("age_band", "")
    age_band = AgeBand(band) if band in {b.value for b in AgeBand} else None
    if age_band is None:
        errors["age_band"] = refusal_text("age_band_missing")
    consent_self = form.get("consent_self") == "yes"
    consent_guardian = form.get("consent_guardian") == "yes"
    if not consent_self:
        errors["consent_self"] = refusal_text("consent_missing")
    if (city is not None and age_band is not None and not consent_guardian
            and uploads.guardian_consent_needed(city, age_band)):
        errors["consent_guardian"] = refusal_text("guardian_consent_missing")
    if form.get("terms") != "yes":
        errors["terms"] = refusal_text("terms_missing")
    if not errors:
        check.participant = Participant(group, city, first_name, age_band, consent_self,
                                        consent_guardian)
    return check
