"""A Russian walk of every organiser page: no English word outside names, codes and file names.

A site is filled with everything the pages show (photos in every state, a report, groups,
accounts, an audit entry of every kind, exports done, drafted, failed, stopped, running and
interrupted); then each page is read in Russian as a browser shows it: its text, and the
words a browser shows from attributes (titles, labels for screen readers, placeholders,
confirm questions, button values). After the site's own data (first names, captions, group
and city names, e-mails, codes, file names, addresses) and text marked as code (<code>:
checksums, addresses, a server's raw error) are taken out, the page is compared with the
English catalogue's msgids: no phrase of a msgid may be there, and no Latin word at all but
the few abbreviations Russian print shops use too.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from helpers import SMALL, add_photos, csrf_token
from sqlalchemy import select

import tablecloth
from tablecloth import context, db
from tablecloth.models import Export, Organiser, utcnow
from tablecloth.services import accounts, groups, moderation, reports
from tablecloth.services.cloth import design, editions, export_notes, exports, swatches
from tablecloth.verify import VerifyReport
from tablecloth.verify.report import UNREADABLE, Failure

PACKAGE = Path(tablecloth.__file__).parent
RU = {"Accept-Language": "ru-RU,ru;q=0.9"}
# Abbreviations Russian print shops and organisers write in Latin letters too.
ABBREVIATIONS = {"PDF", "SVG", "PNG", "TIFF", "TIF", "JPEG", "JPG", "JSON", "CSV", "SHA-256",
                 "QR", "UTC", "ppi", "DRAFT", "https", "A4", "A3",
                 "README",  # a file name
                 "Ctrl",  # the key, as Russian keyboards label it
                 "dresden"}  # the example city code: a city's short name is Latin by rule
# Where a browser shows an attribute's words to a person.
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-confirm")
HIDDEN_TAGS = {"script", "style", "code", "template"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
             "source", "track", "wbr"}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'’]*(?:[.-][A-Za-z0-9_]+)*")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")
# Data the pages show that is the site's own: the walk adds these names and words.
NAMES = ("Anya", "Tom", "Masha", "Priya", "Ivan", "Chloe", "Dima", "Sam")
GROUP_EN = "Year 10 photo club"
CAPTION_EN = "Our street in spring"
REJECT_REASON = "blurred"
CRASH = "disk full while writing the raster"


class _ShownText(HTMLParser):
    """Collect the words of a page a person sees: text, and the shown attributes.

    Text marked as being in another language (lang="en": the language switcher, a caption
    in English, the live wall's call in both languages) is meant to be there and is left out.
    """

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, whether its words are left out)

    def _leaving_out(self) -> bool:
        return any(left_out for _tag, left_out in self._open)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        foreign = values.get("lang") not in (None, "", self.language) and tag != "html"
        if tag not in VOID_TAGS:
            self._open.append((tag, tag in HIDDEN_TAGS or foreign))
        if self._leaving_out() or foreign:
            return
        shown = [values.get(name) for name in SHOWN_ATTRIBUTES]
        if tag == "input" and values.get("type") in ("submit", "button"):
            shown.append(values.get("value"))
        self.parts += [value for value in shown if value]

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if not self._leaving_out():
            self.parts.append(data)


def shown_text(html: str, language: str = "ru") -> str:
    """Return the words of an HTML page a person sees, one space between pieces."""
    parser = _ShownText(language)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def _english_phrases() -> set[str]:
    """Return every run of two or more words between the placeholders of an English msgid."""
    phrases = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), [("**.py", "python"), ("**/templates/**.html", "jinja2")],
        keywords={"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None,
                  "_l": None, "N_": None},
    ):
        for msgid in message if isinstance(message, tuple) else (message,):
            for piece in PLACEHOLDER.split(msgid or ""):
                words = " ".join(piece.split()).strip(" .,:;—-")
                if len(words.split()) >= 2 and re.search(r"[a-z]{2}", words):
                    phrases.add(words)
    return phrases


def english_left(text: str, own_data: list[str], phrases: set[str]) -> list[str]:
    """Return the English a Russian page still shows: msgid phrases, then Latin words."""
    found = [f"msgid phrase: {phrase!r}" for phrase in phrases if phrase in text]
    for value in sorted(own_data, key=len, reverse=True):
        text = text.replace(value, " ")
    # E-mail addresses, web addresses (with or without their scheme) and file names.
    text = re.sub(r"\S+@\S+|\S*[.:]\S*/\S*|\S+\.(?:pdf|png|svg|tif|tiff|csv|json)\b", " ",
                  text)
    for word in LATIN_WORD.findall(text):
        if len(word) > 1 and word not in ABBREVIATIONS and "_" not in word:
            at = text.find(word)
            found.append(f"{word!r} in …{text[max(0, at - 40):at + 40]}…")
    return found


def _failed_preflight(export: Export) -> None:
    """Record a PDF preflight that failed on two codes, exactly as verify reports one."""
    plan = exports.export_plan(export)
    first, second = plan.cells[0], plan.cells[1]
    report = VerifyReport.for_plan("pdf", plan, checked=len(plan.cells),
                                   passed=len(plan.cells) - 2, px_per_module=6.0, failures=[
                                       Failure(first.spec.code, first.position, UNREADABLE),
                                       Failure(second.spec.code, second.position,
                                               "wrong url: HTTPS://ELSEWHERE.ORG/P/000000")])
    export.report = {**(export.report or {}), "ok": False, "cells": len(plan.cells),
                     "formats": {"pdf": report.to_dict()}}
    export.status = "failed"
    export_notes.note(export, "export_failed_preflight",
                  cells=", ".join(report.failing_cells))
    export.finished_at = utcnow()


def _seed(app, corpus) -> dict:
    """Fill the site with everything the organiser pages show; return its own data."""
    with app.app_context():
        site = context.site()
        admin = db.session().scalars(select(Organiser)).one()
        cov = groups.city_by_slug(site, "coventry")
        school = groups.create_group(site, "Школа №5, фотокружок", groups.city_by_slug(
            site, "volgograd"), by=admin)
        club = groups.create_group(site, GROUP_EN, cov, by=admin)
        groups.set_active(site, club.invite_code, False, by=admin)
        groups.set_active(site, club.invite_code, True, by=admin)
        groups.set_quota(site, club.invite_code, 50, 200)
        helper, _token = accounts.create_invitation(site, by=admin)
        accounts.revoke_invitation(site, helper, by=admin)
        accounts.create_invitation(site, note="для волонтёра", by=admin)
        other = accounts.create_organiser(site, "helper@example.org", "a long enough password")
        accounts.set_active(site, other, False, by=admin)
        accounts.set_active(site, other, True, by=admin)

        printed = add_photos(corpus, 6)
        design.save_settings(site, editions.current_cloth(site), SMALL)
        done = exports.new_export(site, editions.current_cloth(site), ["pdf", "proof"],
                                  by=admin)
        exports.run_export(site, done)
        draft = exports.new_export(site, editions.current_cloth(site), ["svg", "sheets"],
                                   draft=True, by=admin)
        exports.run_export(site, draft)
        swatch = swatches.create_swatch(site, editions.current_cloth(site), note="хлопок",
                                        by=admin)
        swatches.record_read(site, swatch.samples[0].code)
        failed = exports.new_export(site, editions.current_cloth(site), ["pdf"], by=admin)
        _failed_preflight(failed)
        refused = exports.new_export(site, editions.current_cloth(site), ["pdf"], by=admin)
        refused.settings = {**refused.settings,
                            "layout": {**refused.settings["layout"], "module_mm": 0.5}}
        crashed = exports.new_export(site, editions.current_cloth(site), ["png"], by=admin)
        site.db.commit()
        exports.run_export(site, refused)  # the layout refuses 0.5 mm modules: a Refusal
        crashed.settings = {**crashed.settings, "formats": ["png"], "cells": [{CRASH: 1}]}
        site.db.commit()
        exports.run_export(site, crashed)  # CellSpec() refuses the cell: a plain error
        running = exports.new_export(site, editions.current_cloth(site), ["png"], by=admin)
        running.status, running.progress = "running", 0.4
        export_notes.note(running, "export_rendering", "drawing strips", format="PNG")
        stalled = exports.new_export(site, editions.current_cloth(site), ["pdf"], by=admin)
        stalled.status = "running"
        stalled.updated_at = utcnow() - timedelta(hours=1)
        site.db.commit()
        editions.freeze(site, editions.current_cloth(site), by=admin)

        photos = add_photos(corpus, 6, approve=False)
        photos[0].caption, photos[0].caption_language = CAPTION_EN, "en"
        photos[1].caption, photos[1].caption_language = "Закат над Волгой", "ru"
        photos[0].group = club
        photos[1].group = school
        site.db.commit()
        moderation.approve(site, photos[0], by=admin)
        moderation.approve(site, photos[1], by=admin)
        moderation.edit_caption_translation(site, photos[1], "Sunset over the Volga",
                                            by=admin)
        moderation.edit_caption(site, photos[1], "Закат над Волгой, вечер", by=admin)
        moderation.reject(site, photos[2], REJECT_REASON, by=admin)
        moderation.withdraw(site, photos[3], by=admin)
        reports.report(site, photos[0], "personal", "мой адрес виден")
        reports.report(site, photos[1], "unkind")
        reports.hide(site, photos[1], by=admin)
        reports.restore(site, photos[1], by=admin)
        reports.report(site, photos[1], "other")
        reports.dismiss(site, reports.open_reports(site)[-1].id, by=admin)
        reports.hide(site, photos[1], by=admin)
        own = ([p.code for p in printed + photos] + [school.invite_code, club.invite_code]
               + [p.first_name for p in printed + photos] + [p.caption for p in printed + photos])
        return {"own": own + list(NAMES) + [GROUP_EN, CAPTION_EN, "Sunset over the Volga",
                                            REJECT_REASON, "Coventry", "Volgograd", CRASH],
                "group": club.invite_code,
                "exports": [done.id, draft.id, failed.id, refused.id, crashed.id, running.id,
                            stalled.id]}


@pytest.fixture
def walked(app, logged_in, corpus):
    """Return the filled site's own data, with the admin logged in."""
    return _seed(app, corpus)


def organiser_pages(walked) -> list[str]:
    """Return every organiser page of the filled site."""
    pages = ["/organiser/", "/organiser/moderation?state=all", "/organiser/moderation",
             "/organiser/reports", "/organiser/groups", "/organiser/cities",
             "/organiser/cloth", "/organiser/cloth?edition=1", "/organiser/audit",
             "/organiser/accounts", "/organiser/wall",
             f"/organiser/wall/show?group={walked['group']}"]
    return pages + [f"/organiser/cloth/exports/{n}" for n in walked["exports"]]


def test_every_organiser_page_speaks_russian(app, logged_in, walked):
    app.config["PUBLIC_BASE_URL"] = "http://localhost:8000"  # as on a server not set up yet
    phrases = _english_phrases()
    left = {}
    for path in organiser_pages(walked):
        response = logged_in.get(path, headers=RU)
        assert response.status_code == 200, path
        found = english_left(shown_text(response.get_data(as_text=True)), walked["own"],
                             phrases)
        if found:
            left[path] = found
    assert not left, "English on Russian pages:\n" + "\n".join(
        f"{path}:\n  " + "\n  ".join(found) for path, found in left.items())


def test_what_the_export_pages_poll_and_flash_speaks_russian(app, logged_in, walked):
    app.config["PUBLIC_BASE_URL"] = "http://localhost:8000"
    phrases = _english_phrases()
    left = []
    for number in walked["exports"]:
        status = logged_in.get(f"/organiser/cloth/exports/{number}/status", headers=RU)
        body = status.get_json()
        left += english_left(body["message"] + " " + body["summary"], walked["own"], phrases)
    # An export asked for while the site's address is not set: the refusal the page flashes.
    refused = logged_in.post("/organiser/cloth/export?lang=ru", data={
        "csrf_token": csrf_token(logged_in, "/organiser/cloth"), "format": "pdf"},
        follow_redirects=True)
    page = shown_text(refused.get_data(as_text=True))
    assert "Публичный адрес сайта ещё не задан" in page
    left += english_left(page, walked["own"], phrases)
    assert not left, "\n".join(left)


def test_the_log_in_page_speaks_russian(client):
    page = client.get("/organiser/login", headers=RU)
    assert english_left(shown_text(page.get_data(as_text=True)), ["Coventry", "Volgograd"],
                        _english_phrases()) == []


def test_the_walk_finds_english_where_there_is_some():
    # The check itself: an English sentence, a code and a stray word are all caught.
    phrases = {"codes in the", "lead to their photos"}
    text = shown_text("<p>Все коды ведут. 6 codes in the PDF</p><p title='Close'>ок</p>"
                      "<code>photo.approve</code><p>teacher@example.org cloth-edition1.pdf</p>")
    found = english_left(text, [], phrases)
    assert any("codes in the" in line for line in found)
    assert any("'Close'" in line for line in found) and any("'codes'" in line for line in found)
    assert not any("photo.approve" in line or "teacher" in line or "cloth" in line
                   for line in found)
