"""The one message catalogue: every refusal's reason code and its words, in English.

Messages are marked with ``N_`` so the translation catalogues pick them up; ``text`` formats
one in English (CLI, logs) or, given a gettext, in the reader's language (web). Placeholders
are all ``%(name)s``: numbers arrive already formatted for the reader's locale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .marking import N_, Gettext
from .printing import DESIGNS, FABRIC, PRINT

# One block per area, so work on one area never touches another's lines (print's in
# printing.py).
_GENERAL: dict[str, str] = {
    "refused": N_("This cannot be done."),
    # web.errors: the site itself failed, not the request.
    "site_unavailable": N_("The site cannot store anything right now (it is full or busy). "
                           "Nothing was kept: please try again in a few minutes."),
    "server_error": N_("Something went wrong on our side. Please try again in a minute."),
}

# Photos and uploads: images.py, services/uploads.py, web/upload/.
_UPLOADS: dict[str, str] = {
    # images.process refuses the bytes (limits arrive in MB and megapixels, one decimal).
    "empty": N_("This file is empty (0 bytes). Choose the photo again from your gallery."),
    "too_large": N_("This file is larger than %(limit)s MB. Choose a smaller photo, or send it "
                    "from your gallery instead of the camera's RAW mode."),
    "too_many_pixels": N_("This picture has too many pixels (more than %(limit)s megapixels). "
                          "Send an ordinary phone photo or a smaller copy of it."),
    "not_an_image": N_("This file is not a photo we can read. Send a JPEG, PNG, HEIC or WebP "
                       "photo."),
    "unsupported": N_("Files of this kind (%(format)s) cannot go on the tablecloth. Send a "
                      "photo as JPEG, PNG, HEIC or WebP."),
    "animated": N_("Animated pictures cannot be printed on a cloth. Send a still photo "
                   "instead."),
    "damaged": N_("This photo is damaged or was not copied completely. Open it in your "
                  "gallery to check it, then send it again."),
    # services.uploads refuses the participant's details or the photo.
    "duplicate": N_("This photo has already been sent. There is no need to send it again."),
    "bad_name": N_("Write your first name or a nickname, up to %(limit)s characters."),
    "contact_in_name": N_("Write only a first name or a nickname: no e-mail address, @name, "
                          "link or phone number."),
    "caption_too_long": N_("This caption is too long. Keep it to %(limit)s characters."),
    "age_band_missing": N_("Choose your age group."),
    "consent_missing": N_("Tick the box to say that you agree to share your photos."),
    "guardian_consent_missing": N_("Because of your age a parent or guardian must agree too. "
                                   "Ask them, then tick their box."),
    "quota_reached": N_("Your group has sent as many photos as it can for now. Ask your group "
                        "leader: the organisers can raise the limit."),
    # services.uploads.open_group: the invite code typed on the form.
    "invite_missing": N_("Enter the invite code your group leader gave you."),
    "invite_unknown": N_("We do not know this invite code. Check it with your group leader: "
                         "every letter and digit must match."),
    "invite_off": N_("This invite code has been switched off by the organisers. Ask your "
                     "group leader for a new one."),
    "invite_expired": N_("This invite code has expired: the group has stopped collecting "
                         "photos. Ask your group leader whether there is a new code."),
    # web/upload/: the form as a whole, the request, and limits per connection.
    "city_missing": N_("Choose your city."),
    "no_files": N_("Choose at least one photo."),
    "too_many_files": N_("You chose %(count)s photos, but at most %(limit)s can go at once. "
                         "Send the first %(limit)s now and the rest afterwards."),
    "visit_full": N_("At most %(limit)s photos can be sent at once, and these are all sent or "
                     "on their way. When they have arrived, open the upload page again to send "
                     "the rest."),
    "request_too_large": N_("What you sent is too large altogether. Send fewer photos at a "
                            "time, each smaller than %(limit)s MB."),
    "terms_missing": N_("Tick the box to agree to the terms."),
    "session_expired": N_("This page was open for too long or your browser blocks cookies. "
                          "Reload the page and try again."),
    "invite_limited": N_("Too many wrong invite codes were typed on this connection. Wait a "
                         "quarter of an hour, then check the code with your group leader."),
    "upload_limited": N_("A great many photos came from this connection in the last hour. "
                         "Wait a while, then send the rest."),
    "photo_failed": N_("Something went wrong with this photo. Try again, or choose another "
                       "photo."),
    # services.resumable: the tus path's own troubles.
    "upload_key_taken": N_("This photo was already started from another page. Reload the page "
                           "and choose it again."),
    "upload_offset_mismatch": N_("Part of this photo went missing on the way. It will be sent "
                                 "again from where the server stopped."),
    "upload_too_long": N_("This photo is longer than the page said it would be. Choose it "
                          "again."),
    "upload_incomplete": N_("This photo has not fully arrived yet. It will be sent again from "
                            "where the server stopped."),
    "upload_gone": N_("This photo waited too long half-sent and was cleared away. It will be "
                      "sent again from the start."),
    # web/upload/: trouble on our side (disk full, database or storage away), never the photo's.
    "unavailable": N_("Something is wrong on our side just now, not with your photos. Wait a "
                      "minute, then send again: photos already sent keep their receipts."),
}

# People: groups, cities, accounts, moderation, reports.
_PEOPLE: dict[str, str] = {
    # services.groups and the organisers' group and city forms.
    "group_name_missing": N_("Give the group a name."),
    "group_name_too_long": N_("The group's name is too long (at most 120 characters)."),
    "group_city_missing": N_("Choose the group's city."),
    "group_unknown": N_("No group has the invite code %(code)s."),
    "expiry_passed": N_("The expiry date %(day)s has already passed."),
    "date_invalid": N_("%(value)s is not a date; use the form YYYY-MM-DD."),
    "quota_invalid": N_("A quota is a whole number of 0 or more, or empty for no limit."),
    "city_slug_invalid": N_("The short name must be 2 to 40 lower-case Latin letters, digits "
                            "or hyphens, starting with a letter."),
    "city_names_missing": N_("Give the city's name in both English and Russian."),
    "city_name_too_long": N_("A city's name may have at most 80 characters."),
    "home_language_invalid": N_("The home language must be en or ru."),
    "city_exists": N_("A city with the short name %(slug)s already exists."),
    # services.accounts.
    "email_invalid": N_("%(email)s is not a valid e-mail address."),
    "email_taken": N_("An organiser with the e-mail %(email)s already exists."),
    "password_too_short": N_("The password must have at least %(count)s characters."),
    "deactivate_self": N_("You cannot deactivate your own account."),
    "note_too_long": N_("The note is too long (at most %(count)s characters)."),
    "invitation_used": N_("This invitation link has expired or was already used."),
    # services.sessions: password changes and reset links.
    "password_wrong": N_("The current password is not right."),
    "reset_used": N_("This password reset link has expired or was already used."),
    # services.moderation.
    "photo_unknown": N_("No photo has the code %(code)s."),
    "approve_withdrawn": N_("%(code)s was withdrawn and cannot be approved."),
    "reject_withdrawn": N_("%(code)s was withdrawn and cannot be rejected."),
    "already_withdrawn": N_("%(code)s is already withdrawn."),
    "reject_reason_too_long": N_("The reason is too long (at most %(count)s characters)."),
    "edited_caption_too_long": N_("The caption is too long (at most %(count)s characters)."),
    "translation_too_long": N_("The translation is too long (at most %(count)s characters)."),
    # services.reports: a viewer's report of a photo.
    "report_reason_missing": N_("Choose what is wrong with the photo."),
    "report_too_long": N_("Please keep it to %(count)s characters."),
}

# The site: storage, archive, fixity, configuration.
_SITE: dict[str, str] = {
    # Writing an archive (services/archive/write.py).
    "archive_folder_not_empty": N_("%(folder)s already exists and is not an empty folder."),
    "archive_unverified": N_("the bag written to %(folder)s does not validate: %(problem)s"),
    # Restoring one (services/archive/bag.py, restore.py, records.py).
    "restore_site_has_photos": N_(
        "This site already has photos; restore only into an empty instance "
        "(a new database and an empty store)."),
    "restore_site_has_editions": N_(
        "This site already has cloth editions with photos or exports; "
        "restore only into an empty instance."),
    "archive_unreadable": N_("%(source)s is neither a bag folder nor a zip of one."),
    "archive_not_one_bag": N_("%(source)s does not hold exactly one bag."),
    "archive_damaged": N_("The archive is damaged and was not restored: %(problem)s"),
    "archive_not_a_bag": N_("%(source)s is not a valid bag: %(problem)s"),
    "archive_not_tablecloth": N_(
        "%(source)s is a bag but not a tablecloth archive "
        "(no %(field)s: %(version)s in bag-info.txt)."),
    "archive_file_changed": N_("%(name)s of %(key)s does not match its recorded SHA-256."),
    "archive_foreign_file": N_("%(folder)s: file key '%(key)s' is not the photo's own."),
    "archive_bad_code": N_("'%(code)s' is not a photo code."),
    "archive_unknown_city": N_("%(code)s: unknown city '%(city)s'."),
    "archive_edition_names_unknown_photo": N_(
        "edition %(edition)s names %(code)s, which has no photo."),
    # Moving a site to another database and store (services/migrate_storage.py).
    "migrate_target_is_source": N_("the target database is the source database"),
    "migrate_target_not_empty": N_(
        "the target database already holds data (from `tablecloth init-db`, or an earlier "
        "run): migrate into an empty database, or pass --resume to finish an interrupted "
        "migration"),
    "migrate_source_schema_old": N_(
        "the source database is at schema %(current)s, not %(head)s: "
        "run `tablecloth init-db` on the source first"),
}

CATALOGUE: dict[str, str] = {**_GENERAL, **_UPLOADS, **_PEOPLE, **PRINT, **_SITE, **FABRIC,
                             **DESIGNS}
# Detail values that are words from the catalogue (marked with N_ where they are made), not
# names or numbers: translated with the message.
WORDS_DETAIL = ("role",)


def text(reason: str, detail: Mapping[str, Any] | None = None,
         gettext: Gettext | None = None, number: Callable[[Any], str] | None = None) -> str:
    """Return the message for reason with detail filled in, translated when gettext is given.

    ``number`` formats numeric values (the web passes a locale-aware formatter); without it
    whole numbers print as is and others with at most two decimals.
    """
    template = CATALOGUE.get(reason, CATALOGUE["refused"])
    values = {key: _plain(value, number) for key, value in (detail or {}).items()}
    if gettext is not None:
        for key in WORDS_DETAIL:
            if isinstance(values.get(key), str):
                values[key] = gettext(values[key])
        return gettext(template, **values)
    try:
        return template % values if values else template
    except (KeyError, ValueError, TypeError):
        return template


def _plain(value: Any, number: Callable[[Any], str] | None) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if number is not None:
        return number(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(int(value)) if isinstance(value, float) else str(value)
