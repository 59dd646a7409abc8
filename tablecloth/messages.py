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
}

# People: groups, cities, accounts, moderation, reports.
_PEOPLE: dict[str, str] = {
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
    # Settings that print but risk codes that do not scan (layout.LayoutWarning).
    "module_small": N_(
        "Modules of %(mm)s mm are below 1.5 mm: codes may not scan on textured or stretched "
        "fabric. Order a test swatch and scan it before printing."),
    "error_correction_low": N_(
        "Error correction below H: stains and folds in the fabric will cost codes."),
    "pdf_page_too_long": N_(
        "Each panel is %(m)s m long: PDF pages above 5.08 m (200 in) are refused by some "
        "print software. Ask the shop, or use PNG or TIFF."),
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
    "export_interrupted": N_(
        "This export was interrupted (the server stopped while it ran). Start the export "
        "again."),
    "export_summary": N_("Edition %(n)s, %(count)s codes, base address %(url)s."),
    "export_draft": N_("DRAFT: not for printing."),
    "export_format_passed": N_("%(format)s — passed: %(summary)s"),
    "export_format_failed": N_("%(format)s — FAILED: %(summary)s"),
}

# The site: storage, archive, fixity, configuration.
_SITE: dict[str, str] = {
}

CATALOGUE: dict[str, str] = {**_GENERAL, **_UPLOADS, **_PEOPLE, **_PRINT, **_SITE}


def text(reason: str, detail: Mapping[str, Any] | None = None,
         gettext: Gettext | None = None, number: Callable[[Any], str] | None = None) -> str:
    """Return the message for reason with detail filled in, translated when gettext is given.

    ``number`` formats numeric values (the web passes a locale-aware formatter); without it
    whole numbers print as is and others with at most two decimals.
    """
    template = CATALOGUE.get(reason, CATALOGUE["refused"])
    values = {key: _plain(value, number) for key, value in (detail or {}).items()}
    if gettext is not None:
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
