"""Accept a participant's photo: process it, store its files, record it, all or nothing."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import codes, images
from ..errors import Refusal
from ..models import AgeBand, City, Group, Photo, PhotoState, StoredFile, Visit, utcnow
from . import audit, decode_slots, groups, tiles
from .site import Site

log = logging.getLogger(__name__)

NAME_MAX = 40
CAPTION_MAX = 280
CODE_ATTEMPTS = 20
KINDS = ("master", "web", "thumb")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}

# Zero-width joiner and non-joiner are format characters that emoji and some scripts need.
_KEEP_FORMAT = {"\u200c", "\u200d"}
_EMAIL_OR_HANDLE = re.compile(r"@")
_LINK = re.compile(r"(https?://|www\.|\.(com|org|net|ru|uk)\b)", re.IGNORECASE)
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")


class UploadRefused(Refusal):
    """The upload was refused: the photo (images.ImageError's reasons), the participant's
    details, the group's quota or its invite code (messages._UPLOADS)."""


class InviteRefused(UploadRefused):
    """The invite code opens no group for uploads; ``group`` is set when the code is known."""

    group: Group | None = None

    def __init__(self, reason: str, group: Group | None = None, **detail) -> None:
        super().__init__(reason, **detail)
        self.group = group


@dataclass(frozen=True)
class UploadResult:
    photo: Photo
    # The private withdrawal link's token; only its hash is stored. A photo with an upload key
    # has a token derived from it (photo_token), so the same receipt can be shown again.
    withdraw_token: str | None


def photo_token(site: Site, upload_key: str) -> str:
    """Return the withdrawal token of the photo sent under upload_key."""
    return codes.derive_token(site.settings["SECRET_KEY"], "photo", upload_key)


def result_for(site: Site, photo: Photo) -> UploadResult:
    """Return the receipt of a photo already stored (a retry of the same photo)."""
    token = photo_token(site, photo.upload_key) if photo.upload_key else None
    return UploadResult(photo=photo, withdraw_token=token)


def clean_text(raw: str, *, keep_newlines: bool = False) -> str:
    """Return raw in NFC with control and invisible formatting characters removed, trimmed."""
    text = unicodedata.normalize("NFC", raw or "").replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n" and keep_newlines:
            kept.append(ch)
        elif ch in "\t\n":
            kept.append(" ")
        elif category == "Cc" or (category == "Cf" and ch not in _KEEP_FORMAT):
            continue  # bidi overrides and the like can disguise text for moderators
        else:
            kept.append(ch)
    text = "".join(kept)
    if keep_newlines:
        lines = [re.sub(r"[^\S\n]+", " ", line).strip() for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return re.sub(r"\s+", " ", text).strip()


def clean_first_name(raw: str) -> str:
    """Return the cleaned first name or nickname; refuse empty, long or contact details."""
    name = clean_text(raw)
    if not name or len(name) > NAME_MAX:
        raise UploadRefused("bad_name", limit=NAME_MAX)
    digits = sum(ch.isdigit() for ch in name)
    if _EMAIL_OR_HANDLE.search(name) or _LINK.search(name) or digits >= 6:
        raise UploadRefused("contact_in_name")
    return name


def clean_caption(raw: str) -> str:
    """Return the cleaned caption; refuse one longer than CAPTION_MAX characters."""
    caption = clean_text(raw, keep_newlines=True)
    if len(caption) > CAPTION_MAX:
        raise UploadRefused("caption_too_long", limit=CAPTION_MAX, length=len(caption))
    return caption


def guess_language(text: str, fallback: str = "en") -> str:
    """Return 'ru' for text mostly in Cyrillic, 'en' for Latin text, else fallback."""
    cyrillic, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if cyrillic == latin == 0:
        return fallback if fallback in ("en", "ru") else "en"
    return "ru" if cyrillic >= latin else "en"


def guardian_consent_needed(city: City, age_band: AgeBand | str | None) -> bool:
    """Say whether a guardian must agree: under 13 anywhere, under 18 in a Russian city."""
    if age_band is None or age_band == "":
        return False
    band = AgeBand(age_band)
    if band is AgeBand.UNDER_13:
        return True
    return city.home_language == "ru" and band is not AgeBand.ADULT


def check_consent(city: City, age_band: AgeBand | str | None, consent_self: bool,
                  consent_guardian: bool) -> None:
    """Refuse unless the age band is given and every consent the rules ask for is present."""
    if age_band is None or age_band == "":
        raise UploadRefused("age_band_missing")
    if not consent_self:
        raise UploadRefused("consent_missing")
    if guardian_consent_needed(city, age_band) and not consent_guardian:
        raise UploadRefused("guardian_consent_missing")


def check_open(group: Group, now: datetime | None = None) -> None:
    """Refuse when the group's invite code is switched off or past its last day."""
    if not group.active:
        raise InviteRefused("invite_off", group)
    if not group.accepts_uploads(now or utcnow()):
        raise InviteRefused("invite_expired", group)


def open_group(site: Site, raw_code: str, now: datetime | None = None) -> Group:
    """Return the group whose invite code (typed in any case) accepts uploads now, or refuse."""
    code = groups.normalise_invite(raw_code)
    if not code:
        raise InviteRefused("invite_missing")
    group = groups.find_group(site, code) if len(code) <= 64 else None
    if group is None:
        raise InviteRefused("invite_unknown")
    check_open(group, now)
    return group


def group_usage(site: Site, group: Group) -> tuple[int, int]:
    """Return how many photos a group has pending or approved, and their stored bytes."""
    live = (Photo.group_id == group.id,
            Photo.state.in_((PhotoState.PENDING, PhotoState.APPROVED)))
    photos = site.db.scalar(select(func.count(Photo.id)).where(*live)) or 0
    size = site.db.scalar(select(func.coalesce(func.sum(StoredFile.size), 0))
                          .join(Photo, StoredFile.photo_id == Photo.id).where(*live)) or 0
    return photos, int(size)


def check_quota(site: Site, group: Group | None, new_bytes: int = 0) -> None:
    """Refuse when one more photo of new_bytes would take the group beyond its quota."""
    if group is None or (group.quota_photos is None and group.quota_mb is None):
        return
    photos, size = group_usage(site, group)
    if group.quota_photos is not None and photos + 1 > group.quota_photos:
        raise UploadRefused("quota_reached", limit=group.quota_photos, unit="photos")
    if group.quota_mb is not None and size + new_bytes > group.quota_mb * 1024 * 1024:
        raise UploadRefused("quota_reached", limit=group.quota_mb, unit="MB")


def accept_upload(
    site: Site,
    data: bytes,
    *,
    city: City,
    first_name: str,
    caption: str = "",
    caption_language: str = "en",
    group: Group | None = None,
    age_band: AgeBand | None = None,
    consent_self: bool = False,
    consent_guardian: bool = False,
    approve: bool = False,
    upload_key: str | None = None,
    visit: Visit | None = None,
) -> UploadResult:
    """Store one photo with a new code, pending review unless approve is set.

    Participants' uploads (approve=False) must carry an age band and the consents the rules
    ask for. approve=True is for organisers adding photos they already hold consent for.
    Files are written first and the row committed last; any failure removes the files.

    upload_key names the photo before its first byte: a retry with the same key returns the
    stored photo's receipt. The same bytes again from the same visit also return that photo's
    receipt; from anyone else they are refused as a duplicate.
    """
    source_sha256 = hashlib.sha256(data).hexdigest()
    # Retries first: whatever changed since (a full quota, a closed group), a photo already
    # stored keeps its receipt.
    earlier = _already_sent(site, upload_key, source_sha256, visit)
    if earlier is not None:
        return result_for(site, earlier)
    first_name = clean_first_name(first_name)
    caption = clean_caption(caption)
    if caption_language not in ("en", "ru"):
        caption_language = guess_language(caption)
    if age_band is not None and age_band != "":
        age_band = AgeBand(age_band)
    else:
        age_band = None
    if not approve:
        check_consent(city, age_band, consent_self, consent_guardian)
    if group is not None:
        check_open(group)
    check_quota(site, group)

    session = site.db
    # The cheap check first: hashing is far faster than decoding a 12-megapixel photo.
    if _is_duplicate(site, source_sha256):
        raise UploadRefused("duplicate")
    config = site.settings
    try:
        with decode_slots.slot(site):
            processed = images.process(
                data,
                max_bytes=config["MAX_UPLOAD_BYTES"],
                max_pixels=config["MAX_UPLOAD_PIXELS"],
                web_px=config["WEB_SIZE_PX"],
                thumb_px=config["THUMB_SIZE_PX"],
            )
    except images.ImageError as exc:
        raise UploadRefused(exc.reason, **exc.detail) from exc
    # Now the real size of what would be stored is known.
    check_quota(site, group, sum(len(getattr(processed, kind).data) for kind in KINDS))
    renditions = {kind: getattr(processed, kind) for kind in KINDS}
    renditions[tiles.KIND] = tiles.make(processed.thumb.data)  # for the zoomable /cloth

    token = photo_token(site, upload_key) if upload_key else codes.new_token()
    now = utcnow()
    for _attempt in range(CODE_ATTEMPTS):
        code = _unused_code(site)
        written = _store_files(site, code, renditions)
        photo = Photo(
            code=code,
            state=PhotoState.APPROVED if approve else PhotoState.PENDING,
            group_id=group.id if group is not None else None,
            city_id=city.id,
            first_name=first_name,
            caption=caption,
            caption_language=caption_language,
            age_band=age_band,
            consent_self=bool(consent_self),
            consent_guardian=bool(consent_guardian),
            consent_at=now if consent_self else None,
            source_sha256=processed.source_sha256,
            withdraw_token_hash=codes.hash_token(token),
            width=processed.master.width,
            height=processed.master.height,
            taken_on=processed.taken_on,
            created_at=now,
            reviewed_at=now if approve else None,
            upload_key=upload_key,
            visit_id=visit.id if visit is not None else None,
        )
        for kind, key in written.items():
            rendition = renditions[kind]
            photo.files.append(StoredFile(
                kind=kind, key=key, sha256=rendition.sha256, size=len(rendition.data),
                content_type=rendition.content_type, width=rendition.width,
                height=rendition.height,
            ))
        try:
            session.add(photo)
            session.flush()
            _recheck_quota(site, group)
            audit.record(site, "consent.recorded", code, {
                "consent_self": bool(consent_self), "consent_guardian": bool(consent_guardian),
                "age_band": age_band.value if age_band is not None else None,
                "by_organiser": bool(approve)})
            session.commit()
        except IntegrityError:
            session.rollback()
            _delete(site, written)
            # Another request stored this photo a moment before: a retry racing its original.
            earlier = _already_sent(site, upload_key, processed.source_sha256, visit)
            if earlier is not None:
                return result_for(site, earlier)
            if _is_duplicate(site, processed.source_sha256):
                # Another request stored the same bytes a moment before this one.
                raise UploadRefused("duplicate") from None
            if _code_taken(site, code):
                continue  # another upload took the same code between check and commit
            raise
        except BaseException:
            session.rollback()
            _delete(site, written)
            raise
        return UploadResult(photo=photo, withdraw_token=token)
    raise RuntimeError(f"no unused photo code found in {CODE_ATTEMPTS} attempts")


def _recheck_quota(site: Site, group: Group | None) -> None:
    """Count the group's photos again, this one included, with uploads to it in single file.

    The check before processing lets two uploads racing for the last place both pass; here
    the group's row is locked (PostgreSQL; SQLite's write lock, taken by the insert, already
    orders every writer), so each upload counts every one committed before it.
    """
    if group is None or (group.quota_photos is None and group.quota_mb is None):
        return
    # NO KEY UPDATE: the insert above holds KEY SHARE on the row (its foreign key), which a
    # plain FOR UPDATE would wait on in every racing upload at once: a deadlock.
    site.db.execute(select(Group.id).where(Group.id == group.id)
                    .with_for_update(key_share=True))
    photos, size = group_usage(site, group)
    if group.quota_photos is not None and photos > group.quota_photos:
        raise UploadRefused("quota_reached", limit=group.quota_photos, unit="photos")
    if group.quota_mb is not None and size > group.quota_mb * 1024 * 1024:
        raise UploadRefused("quota_reached", limit=group.quota_mb, unit="MB")


def _already_sent(site: Site, upload_key: str | None, source_sha256: str,
                  visit: Visit | None) -> Photo | None:
    """Return the photo this upload repeats (same key, or same bytes in the same visit)."""
    if upload_key:
        photo = site.db.scalars(select(Photo).where(Photo.upload_key == upload_key)).first()
        if photo is not None:
            if visit is None or photo.visit_id != visit.id:
                raise UploadRefused("upload_key_taken")
            return photo
    if visit is not None:
        return site.db.scalars(select(Photo).where(Photo.source_sha256 == source_sha256,
                                                   Photo.visit_id == visit.id)).first()
    return None


def _is_duplicate(site: Site, source_sha256: str) -> bool:
    return site.db.scalar(
        select(func.count()).select_from(Photo).where(Photo.source_sha256 == source_sha256)
    ) > 0


def _code_taken(site: Site, code: str) -> bool:
    return site.db.scalar(
        select(func.count()).select_from(Photo).where(Photo.code == code)
    ) > 0


def _unused_code(site: Site) -> str:
    """Return a code never issued to any photo and with no files left under it."""
    store = site.store
    for _attempt in range(CODE_ATTEMPTS):
        code = codes.new_code()
        # Files without a row (after a crash) must not be overwritten and then deleted by us
        # while another request is still writing them, so their codes are skipped too.
        leftovers = (f"photos/{code}/{kind}.{ext}" for kind in KINDS for ext in EXTENSIONS.values())
        if not _code_taken(site, code) and not any(store.exists(key) for key in leftovers):
            return code
    raise RuntimeError(f"no unused photo code found in {CODE_ATTEMPTS} attempts")


def _store_files(site: Site, code: str,
                 renditions: dict[str, images.Derivative]) -> dict[str, str]:
    """Put the renditions under the code's folder; on failure remove what was put."""
    store = site.store
    written: dict[str, str] = {}
    try:
        for kind, rendition in renditions.items():
            extension = EXTENSIONS.get(rendition.content_type, "bin")
            key = f"photos/{code}/{kind}.{extension}"
            written[kind] = key
            store.put(key, rendition.data, rendition.content_type)
    except BaseException:
        _delete(site, written)
        raise
    return written


def _delete(site: Site, written: dict[str, str]) -> None:
    for key in written.values():
        try:
            site.store.delete(key)
        except Exception:  # best effort: `tablecloth check --repair` finds what is left
            log.exception("could not remove %s after a failed upload", key)
