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
