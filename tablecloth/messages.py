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
    "upload_key_taken": N_("This photo was already started from another page. Reload the page "
                           "and choose it again."),
    "upload_offset_mismatch": N_("Part of this photo went missing on the way. It will be sent "
                                 "again from where the server stopped."),
    "upload_too_long": N_("This photo is longer than the page said it would be. Choose it "
                          "again."),
    "upload_incomplete": N_("This photo has not fully arrived yet. It will be sent again from "
                            "where the server stopped."),
}

# People: groups, cities, accounts, moderation, reports.
_PEOPLE: dict[str, str] = {
}

# Print: layout/, services/cloth/, exports and preflight.
_PRINT: dict[str, str] = {
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
