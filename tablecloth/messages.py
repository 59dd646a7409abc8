"""The one message catalogue: every refusal's reason code and its words, in English.

Messages are marked with ``N_`` so the translation catalogues pick them up; ``text`` formats
one in English (CLI, logs) or, given a gettext, in the reader's language (web). Placeholders
are all ``%(name)s``: numbers arrive already formatted for the reader's locale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def N_(message: str) -> str:  # noqa: N802  (the name the extractors know)
    """Mark message for translation without translating it here."""
    return message


Gettext = Callable[..., str]

# One block per area, so work on one area never touches another's lines.
_GENERAL: dict[str, str] = {
    "refused": N_("This cannot be done."),
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

# Print: layout/, services/cloth/, exports and preflight.
_PRINT: dict[str, str] = {
    # Settings that cannot print (layout.settings).
    "setting_not_a_number": N_("The setting %(setting)s must be a number, not %(value)s."),
    "setting_negative": N_("The setting %(setting)s must be zero or more, not %(value)s."),
    "cloth_size_not_positive": N_("The cloth's width and height must be more than 0 mm."),
    "cloth_too_large": N_("A cloth larger than 20 m is not a tablecloth."),
    "hem_too_wide": N_("A hem of %(mm)s mm leaves no room on the cloth."),
    "bleed_too_wide": N_("A bleed of %(mm)s mm is too much: fabric shops ask for 5–20 mm."),
    "shrink_out_of_range": N_(
        "The shrinkage allowance must be between 0 and %(most)s%%; fabric usually shrinks "
        "2–5%%."),
    "module_too_small": N_(
        "A module of %(mm)s mm is too small to print on fabric: the weave blurs it and phones "
        "cannot read the code. Use 1.0 mm or more (2.0 mm is recommended)."),
    "quiet_zone_too_small": N_(
        "The quiet zone around each code is 4 modules and is never shrunk."),
    "codes_too_close": N_("Keep at least 8 modules of light between neighbouring codes."),
    "error_correction_unknown": N_("Error correction %(level)s is not L, M, Q or H."),
    "colour_not_hex": N_("Colours must be written as #rrggbb."),
    "colours_inverted": N_(
        "The code colour must be darker than the background: phone scanners expect dark "
        "modules on a light ground, never the reverse."),
    "contrast_too_low": N_(
        "The two colours have a contrast of %(ratio)s:1; codes need at least %(minimum)s:1 "
        "to scan reliably on fabric."),
    "roll_too_narrow": N_("A printer roll of %(mm)s mm is too narrow."),
    "roll_too_narrow_for_join": N_(
        "A %(roll_mm)s mm roll cannot hold one %(cell_mm)s mm code beside a join."),
    "roll_too_narrow_for_codes": N_("A %(roll_mm)s mm roll is too narrow for these codes."),
    "code_twice": N_("The same code appears twice on the cloth."),
    "too_many_codes": N_(
        "%(needed)s codes do not fit: this cloth holds %(fits)s at %(mm)s mm modules."),
    "too_many_codes_bigger": N_(
        "%(needed)s codes do not fit: this cloth holds %(fits)s at %(mm)s mm modules. "
        "Would fit: a %(width)s × %(height)s mm cloth."),
    "too_many_codes_smaller": N_(
        "%(needed)s codes do not fit: this cloth holds %(fits)s at %(mm)s mm modules. "
        "Would fit: %(module)s mm modules."),
    "too_many_codes_either": N_(
        "%(needed)s codes do not fit: this cloth holds %(fits)s at %(mm)s mm modules. "
        "Would fit: a %(width)s × %(height)s mm cloth or %(module)s mm modules."),
    "too_many_codes_smaller_risky": N_(
        "%(needed)s codes do not fit: this cloth holds %(fits)s at %(mm)s mm modules. "
        "Would fit: %(module)s mm modules, which is below 1.5 mm: codes that small may not "
        "scan on fabric, so print a test swatch first."),
    "too_many_codes_either_risky": N_(
        "%(needed)s codes do not fit: this cloth holds %(fits)s at %(mm)s mm modules. "
        "Would fit: a %(width)s × %(height)s mm cloth, or %(module)s mm modules, which is "
        "below 1.5 mm: codes that small may not scan on fabric, so print a test swatch first."),
    "panel_style_unknown": N_(
        "Panels must be “auto”, “equal” or “centre”, not %(style)s."),
    "accent_contrast_too_low": N_(
        "The colour that tells the second city's codes apart has a contrast of %(ratio)s:1 "
        "with the background; it needs at least %(minimum)s:1 and must be darker than the "
        "background."),
    # Settings that print but risk codes that do not scan (layout.LayoutWarning).
    "module_small": N_(
        "Modules of %(mm)s mm are below 1.5 mm: codes may not scan on textured or stretched "
        "fabric. Order a test swatch and scan it before printing."),
    "error_correction_low": N_(
        "Error correction below H: stains and folds in the fabric will cost codes."),
    "pdf_page_too_long": N_(
        "Each panel is %(m)s m long: PDF pages above 5.08 m (200 in) are refused by some "
        "print software. Ask the shop, or use PNG or TIFF."),
    "labels_small": N_(
        "%(count)s labels are too long for their codes and print with capitals only "
        "%(mm)s mm tall (2.5 mm is the least a visitor reads from a chair): choose larger "
        "modules or shorter names."),
    "legend_small": N_(
        "The title block is too small for the visitors' legend: its letters would stand "
        "only %(mm)s mm tall. Choose a larger cloth or shorten the legend."),
    "title_crosses_join": N_(
        "With equal panels a join runs through the title: the seamstress must match the "
        "letters across the seam. Choose “a full centre panel and equal sides” to keep the "
        "seam off the title."),
    "names_emoji_left_out": N_(
        "Emoji cannot be printed on the cloth and are left out of these names: %(names)s."),
    "names_unprintable": N_(
        "No font on this server has these characters, so they are left out of the names "
        "on the cloth: %(names)s. Check the spelling with the participants."),
    "cloth_sparse": N_(
        "Only %(count)s codes on a cloth that holds %(fits)s: most of it stays empty. "
        "A %(width)s × %(height)s mm cloth would hold them all."),
    # Formats (render.formats) and exports (services.cloth).
    "unknown_format": N_("Unknown format %(name)s; choose from %(choices)s."),
    "format_not_checked": N_("%(format)s files are not checked by preflight."),
    "ppi_not_offered": N_("Raster resolution must be 150 or 300 ppi."),
    "no_format_chosen": N_("Choose at least one file format."),
    "no_photos": N_("No approved photos yet: there is nothing to print."),
    "number_expected": N_("“%(value)s” is not a number."),
    "edition_frozen": N_(
        "Edition %(n)s is frozen: its photos and settings can no longer change."),
    "base_url_not_https": N_(
        "PUBLIC_BASE_URL is %(url)s: printed codes must use https. Set "
        "TABLECLOTH_PUBLIC_BASE_URL to the site's public https address, or export a draft."),
    "base_url_not_public": N_(
        "PUBLIC_BASE_URL is %(url)s, which phones outside your network cannot reach: every "
        "code on the cloth would lead nowhere. Set TABLECLOTH_PUBLIC_BASE_URL to the site's "
        "public https address, or export a draft."),
    "raster_unreadable": N_(
        "This file cannot be read as a picture (%(problem)s). Send the PNG, TIFF or JPEG as "
        "it came from the printer."),
    "raster_too_large": N_(
        "This picture is %(megapixels)s megapixels, too large to check unless it is a PNG or "
        "TIFF exactly as exported."),
    # The same refusals in an organiser's words (services.cloth.base_url.plain_reason).
    "address_not_set": N_(
        "The site's public address is not set yet, so the codes would lead nowhere: ask "
        "whoever runs the server to set it. Meanwhile you can make a draft to check the "
        "layout; a draft is not for printing."),
    "address_not_https": N_(
        "The site's public address, %(url)s, is not a secure (https) one, and printed codes "
        "must use a secure address: ask whoever runs the server to set one up. Meanwhile you "
        "can make a draft to check the layout; a draft is not for printing."),
    "address_not_public": N_(
        "The site's public address, %(url)s, only works inside your own network: phones "
        "that scan the cloth anywhere else could not open it. Ask whoever runs the server to "
        "set the public address. Meanwhile you can make a draft to check the layout; a "
        "draft is not for printing."),
    # What an export is doing, stored as a reason and shown in the reader's language.
    "export_waiting": N_("Waiting to start"),
    "export_laying_out": N_("Laying out the cloth"),
    "export_rendering": N_("Rendering %(format)s"),
    "export_checking": N_("Checking %(format)s"),
    "export_done": N_("Done: every code in every file decodes to its photo's address."),
    "export_done_unchecked": N_("Done."),
    "export_failed_preflight": N_(
        "PREFLIGHT FAILED — do not print these files. Codes that do not decode correctly: "
        "%(cells)s"),
    "export_stopped": N_("The export stopped: %(error)s"),
    "export_broke": N_("The export stopped because of an error on the server."),
    "export_failed_codes": N_(
        "Preflight failed: do not print these files. Some codes do not lead to their "
        "photos; they are listed below."),
    "export_interrupted": N_(
        "This export was interrupted (the server stopped while it ran). Start the export "
        "again."),
    "export_summary": N_("Edition %(n)s, %(count)s codes, base address %(url)s."),
    "export_draft": N_("DRAFT: not for printing."),
    "export_format_passed": N_("%(format)s — passed: %(summary)s"),
    "export_format_failed": N_("%(format)s — FAILED: %(summary)s"),
    "export_warning": N_("Warning: %(warning)s"),
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

# From file to fabric: printer presets, pieces, the test swatch, names in both scripts.
_FABRIC: dict[str, str] = {
    "jpeg_too_large": N_(
        "A JPEG of %(width)s × %(height)s pixels is too large (JPEG stops at %(most)s pixels a "
        "side, and we stop at 400 megapixels): send PNG or TIFF, or split the cloth into "
        "panels."),
    "unknown_printer": N_("Unknown printer preset %(name)s; choose from %(choices)s."),
    "printer_format": N_(
        "This printer takes %(choices)s files, not %(format)s: choose one of those formats, "
        "or another printer preset."),
    "printer_ppi": N_("This printer takes files at %(choices)s ppi, not %(ppi)s ppi."),
    "printer_roll_too_wide": N_(
        "The roll width is set to %(mm)s mm, but this kind of printer prints at most "
        "%(most)s mm wide: set the roll width to your shop's printable width."),
    "printer_roll_too_narrow": N_(
        "The roll width is set to %(mm)s mm, narrower than this kind of printer's "
        "%(least)s mm: set the roll width to your shop's printable width."),
    "printer_bleed": N_(
        "The bleed is %(mm)s mm; wide-format fabric shops ask for %(least)s to %(most)s mm, "
        "because fabric moves on the press: set the bleed in the print settings."),
    "printer_page_too_long": N_(
        "Each panel would be %(m)s m long, and PDF pages stop at %(most)s m: choose a shorter "
        "cloth, or the online roll printer preset, which splits long panels."),
    "printer_too_many_pixels": N_(
        "A panel would be %(px)s pixels wide, more than this printer's %(most)s: choose "
        "150 ppi or a narrower roll."),
    "printer_file_too_large": N_(
        "%(file)s is %(mb)s MB, and this kind of printer takes files of at most %(most)s MB: "
        "choose PNG instead of JPEG or TIFF, 150 ppi, or a narrower roll."),
    "paper_not_offered": N_("Sheets can be %(choices)s, not %(paper)s."),
    "swatch_too_full": N_(
        "%(count)s sample codes do not fit on a 300 mm swatch: choose a smaller module size."),
    "swatch_failed_preflight": N_(
        "The test swatch did not pass its check, so it was not kept: %(summary)s"),
    "name_other_too_long": N_("A name in the other script can have at most %(count)s "
                              "characters."),
    "piece_too_small": N_(
        "The cloth cannot be cut into pieces of %(mm)s mm: one code with its label is larger. "
        "Choose a larger sheet or roll, or smaller modules."),
}

# The cloth's designs: layout/designs.py, layout/border.py.
_DESIGNS: dict[str, str] = {
    "design_unknown": N_("There is no design called %(design)s; choose one of %(choices)s."),
    "design_contrast_too_low": N_(
        "The colour of the %(role)s (%(ink)s) has a contrast of %(ratio)s:1 with the "
        "background; every colour the cloth prints needs at least %(minimum)s:1 and must be "
        "darker than the background."),
    "border_small": N_(
        "The border's dedication is too long for the cloth's sides and prints with capitals "
        "only %(mm)s mm tall: shorten it."),
}

CATALOGUE: dict[str, str] = {**_GENERAL, **_UPLOADS, **_PEOPLE, **_PRINT, **_SITE, **_FABRIC,
                             **_DESIGNS}
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
