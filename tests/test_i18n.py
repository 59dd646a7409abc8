"""Every string marked for translation has a Russian translation, and the switch works."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import tablecloth

PACKAGE = Path(tablecloth.__file__).parent
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
            "_l": None, "N_": None}


def _marked_strings() -> dict[str, str]:
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), METHODS, keywords=KEYWORDS,
        options_map={"**/templates/**.html": {"extensions": "jinja2.ext.do"}},
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault(msgid, f"{filename}:{lineno}")
    return found


def _russian() -> dict[str, object]:
    merged = {}
    for po in (PACKAGE / "translations").glob("*/ru/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            for message in read_po(source):
                if message.id:
                    key = message.id[0] if isinstance(message.id, tuple) else message.id
                    merged[key] = message.string
    return merged


def test_every_marked_string_has_a_russian_translation():
    russian = _russian()
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in _marked_strings().items()
        if not russian.get(msgid) or (isinstance(russian[msgid], tuple)
                                      and not all(russian[msgid]))
    ]
    assert not missing, "Untranslated strings:\n" + "\n".join(sorted(missing))


def test_language_switch_is_remembered(client):
    first = client.get("/?lang=ru", headers={"Accept-Language": "en"})
    assert "Цифровая скатерть" in first.get_data(as_text=True)
    again = client.get("/", headers={"Accept-Language": "en"})
    assert "Цифровая скатерть" in again.get_data(as_text=True)


def test_browser_language_is_used(client):
    page = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in page.get_data(as_text=True)


def test_language_outside_a_request_is_the_default(app):
    from flask_babel import gettext, refresh

    with app.app_context():
        refresh()
        assert gettext("Digital tablecloth") == "Digital tablecloth"
