"""The catalogue's words for printing: layout, exports and preflight, printers, designs."""

from __future__ import annotations

from .marking import N_

# Print: layout/, services/cloth/, exports and preflight.
PRINT: dict[str, str] = {
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

# From file to fabric: printer presets, pieces, the test swatch, names in both scripts.
FABRIC: dict[str, str] = {
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
DESIGNS: dict[str, str] = {
    "design_unknown": N_("There is no design called %(design)s; choose one of %(choices)s."),
    "design_contrast_too_low": N_(
        "The colour of the %(role)s (%(ink)s) has a contrast of %(ratio)s:1 with the "
        "background; every colour the cloth prints needs at least %(minimum)s:1 and must be "
        "darker than the background."),
    "border_small": N_(
        "The border's dedication is too long for the cloth's sides and prints with capitals "
        "only %(mm)s mm tall: shorten it."),
}
