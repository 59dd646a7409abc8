"""A first name in both scripts: Cyrillic to Latin and Latin to Cyrillic, for the labels.

A visitor from the other city reads the other script, so each label on the cloth carries
the name as written and its other form ("Аня / Anya", "Priya / Прия"). Cyrillic becomes
Latin by the Wikipedia system (``iuliia``: Наталья → Natalya, Дмитрий → Dmitry, the forms
English readers know); Latin becomes Cyrillic letter by letter (``cyrtranslit``, Russian),
which serves names spelled as they sound (Priya → Прия, Oliver → Оливер) and is rough for
English spellings (James → Жамес): an organiser corrects any name on its photo, and that
form is printed instead. Names in other scripts get no automatic form.
"""

from __future__ import annotations

import re
import unicodedata

import cyrtranslit
import iuliia

MAX_LENGTH = 60
_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")


def script_of(name: str) -> str | None:
    """Return "cyrillic" or "latin" for the script of a name's letters, or None if neither."""
    letters = [ch for ch in name if ch.isalpha()]
    if not letters:
        return None
    if all(_CYRILLIC.match(ch) for ch in letters):
        return "cyrillic"
    if all(_LATIN.match(ch) for ch in letters):
        return "latin"
    return None


def _recase(word: str, model: str) -> str:
    """Return word cased like model: capitalised, upper or lower."""
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def transliterate(name: str) -> str | None:
    """Return the name in the other script (Cyrillic <-> Latin), or None for other scripts."""
    name = unicodedata.normalize("NFC", name.strip())
    script = script_of(name)
    if script == "cyrillic":
        return iuliia.WIKIPEDIA.translate(name)
    if script == "latin":
        # Letter by letter on lower case (the library maps "ch" but not "Ch"), then each
        # word cased as written; accents are dropped first (Zoë -> Zoe -> Зое).
        plain = "".join(ch for ch in unicodedata.normalize("NFD", name)
                        if unicodedata.category(ch) != "Mn")
        parts = re.split(r"([\s\-']+)", plain)
        return "".join(
            _recase(cyrtranslit.to_cyrillic(part.lower(), "ru"), part) if part.strip(" -'")
            else part for part in parts)
    return None


def other_script(name: str, corrected: str | None = None) -> str:
    """Return the name's other form: the organiser's correction if any, else automatic."""
    if corrected is not None:
        return corrected.strip()
    return transliterate(name) or ""


def both_scripts(name: str, corrected: str | None = None) -> str:
    """Return "name / other" for a label, or the name alone when there is no other form."""
    other = other_script(name, corrected)
    return f"{name} / {other}" if other and other != name else name
