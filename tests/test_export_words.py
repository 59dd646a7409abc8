"""An export in the organiser's words: what preflight found, what to do next, in both languages.

Mirrors services/cloth/preflight.py (the stored report read back into facts) and
web/organiser/export_words.py with the export page (those facts in the reader's language).
"""

from __future__ import annotations

import html
import re

import pytest
from helpers import SMALL, add_photos, csrf_token

from tablecloth import context
from tablecloth.layout import ClothSettings, plan_cloth
from tablecloth.layout.plan import CellSpec
from tablecloth.services.cloth import (
    BaseUrlRefused,
    design,
    editions,
    export_notes,
    exports,
    preflight,
)
from tablecloth.services.cloth.base_url import check_base_url, plain_reason
from tablecloth.verify.report import MISSING, UNREADABLE

RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}


def _cell_position() -> str:
    """Return how verify names a cell's place: a real plan's second cell of a 2-panel cloth."""
    specs = [CellSpec(code=f"ABC{n:03d}", url=f"HTTPS://X.ORG/P/ABC{n:03d}", name="A",
                      city_label="C", city_slug="c") for n in range(40)]
    plan = plan_cloth(specs, ClothSettings(width_mm=1800, height_mm=900, roll_width_mm=1000))
    cell = next(c for c in plan.cells if c.panel == 1)
    # The square counts the codes of its row in its panel, as a reader at the table would.
    square = 1 + sum(1 for c in plan.cells
                     if (c.row, c.panel) == (cell.row, cell.panel) and c.col < cell.col)
    return cell.position, (cell.row + 1, square, cell.panel + 1)


@pytest.mark.parametrize(("problem", "code", "value"), [
    (MISSING, "missing", ""),
    (UNREADABLE, "unreadable", ""),
    ("wrong url: HTTPS://ELSEWHERE.ORG/P/7K3QZ9", "wrong_url", "HTTPS://ELSEWHERE.ORG/P/7K3QZ9"),
    ("2 codes in one cell", "several", "2"),
    ("not on the cloth", "not_planned", ""),
    ("listed 3 times", "listed", "3"),
    ("something verify learns to say later", "other", "something verify learns to say later"),
])
def test_a_stored_failure_is_read_back_into_codes_and_numbers(problem, code, value):
    position, (row, square, panel) = _cell_position()
    failure = preflight.failure({"code": "7K3QZ9", "position": position, "problem": problem})
    assert (failure.code, failure.problem, failure.value) == ("7K3QZ9", code, value)
    assert (failure.row, failure.square, failure.panel) == (row, square, panel)
    assert panel == 2  # the cell chosen is on the second panel
    assert preflight.failure({"code": "X", "position": "", "problem": "x"}).row is None


@pytest.mark.parametrize(("url", "reason"), [
    ("http://localhost:8000", "address_not_set"),
    ("http://127.0.0.1:5000", "address_not_set"),
    ("https://localhost", "address_not_set"),
    ("http://tablecloth.example.org", "address_not_https"),
    ("https://192.168.1.10", "address_not_public"),
    ("https://tablecloth.lan", "address_not_public"),
])
def test_a_refused_address_has_words_for_the_organiser(url, reason):
    with pytest.raises(BaseUrlRefused) as refused:
        check_base_url(url)
    assert plain_reason(refused.value) == reason


@pytest.mark.parametrize(("url", "english", "russian"), [
    ("http://localhost:8000", "The site's public address is not set yet",
     "Публичный адрес сайта ещё не задан"),
    ("https://192.168.1.10", "only works inside your own network",
     "работает только внутри вашей сети"),
    ("http://tablecloth.example.org", "is not a secure (https) one",
     "не защищённый (не https)"),
])
def test_designer_and_refused_export_say_what_the_address_means(app, logged_in, corpus, url,
                                                                 english, russian):
    app.config["PUBLIC_BASE_URL"] = url
    with app.app_context():
        add_photos(corpus, 2)
    page = html.unescape(logged_in.get("/organiser/cloth", headers=EN).get_data(as_text=True))
    assert english in page and "whoever runs the server to set" in page
    # The setting's own name is still there, folded away, for whoever runs the server.
    assert "TABLECLOTH_PUBLIC_BASE_URL" in page.split("For whoever runs the server", 1)[1]
    refused = logged_in.post("/organiser/cloth/export?lang=ru", data={
        "csrf_token": csrf_token(logged_in, "/organiser/cloth"), "format": "pdf"},
        follow_redirects=True).get_data(as_text=True)
    flashed = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', refused, re.S).group(1)
    assert russian in flashed and "TABLECLOTH_PUBLIC_BASE_URL" not in flashed


def _exported(app, formats, draft=False):
    with app.app_context():
        site = context.site()
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, SMALL)
        export = exports.new_export(site, cloth, formats, draft=draft)
        exports.run_export(site, export)
        return export.id, [entry["sha256"] for entry in export.files]


def test_a_finished_export_says_what_to_do_next(app, logged_in, corpus):
    with app.app_context():
        add_photos(corpus, 3)
    number, hashes = _exported(app, ["pdf", "proof"])
    page = logged_in.get(f"/organiser/cloth/exports/{number}", headers=EN).get_data(
        as_text=True)
    steps = page.split('<ol class="next">', 1)[1].split("</ol>", 1)[0]
    assert [re.sub(r"\s+", " ", s) for s in re.findall(r"<strong>(.*?)</strong>", steps)] == [
        "Check the proof sheet.", "Send the print file to the fabric printer.",
        "Order a test swatch first.", "Freeze the edition."]
    # The proof sheet opens in a new tab, in the browser; the print file downloads.
    proof = f"/organiser/cloth/exports/{number}/files/proof?view=1"
    assert f'href="{proof}"\n     target="_blank" rel="noopener"' in steps
    assert f'href="/organiser/cloth/exports/{number}/files/pdf"' in steps
    assert 'href="/organiser/cloth#freeze"' in steps
    assert 'href="/organiser/cloth?edition=1#swatch"' in steps
    # Checksums and the JSON are there, under Details only.
    details = page.split('<details class="more"', 1)[1]
    assert all(h in details for h in hashes) and not any(h in page.split("<details", 1)[0]
                                                         for h in hashes)
    assert "report.json" in details
    assert "All 3 codes in the PDF file lead to their photos." in page
    assert "All 3 codes on the proof sheet lead to their photos." in page
    russian = logged_in.get(f"/organiser/cloth/exports/{number}", headers=RU).get_data(
        as_text=True)
    assert "Готово к печати" in russian and "Сначала закажите пробный образец." in russian
    assert "Все коды в файле PDF (3) ведут к своим фотографиям." in russian
    with logged_in.get(proof) as opened:
        assert opened.headers["Content-Disposition"].startswith("inline")
    with logged_in.get(f"/organiser/cloth/exports/{number}/files/pdf?view=1") as pdf:
        assert pdf.headers["Content-Disposition"].startswith("inline")


def test_only_pdfs_open_in_the_browser(app, logged_in, corpus):
    with app.app_context():
        add_photos(corpus, 2)
    number, _hashes = _exported(app, ["svg"], draft=True)
    with logged_in.get(f"/organiser/cloth/exports/{number}/files/svg?view=1") as svg:
        assert svg.headers["Content-Disposition"].startswith("attachment")
    page = logged_in.get(f"/organiser/cloth/exports/{number}", headers=EN).get_data(
        as_text=True)
    assert "Draft ready: not for printing" in page and "Ready to print" not in page


def test_a_failed_preflight_lists_each_code_and_where_it_is(app, logged_in, corpus):
    with app.app_context():
        add_photos(corpus, 3)
        site = context.site()
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, SMALL)
        export = exports.new_export(site, cloth, ["pdf"])
        plan = exports.export_plan(export)
        cell = plan.cells[1]
        # What verify stores for a PDF in which one code could not be read.
        export.status = "failed"
        export.report = {"ok": False, "cells": 3, "formats": {"pdf": {
            "fmt": "pdf", "ok": False, "checked": 3, "expected": 3, "passed": 2,
            "failures": [{"code": cell.spec.code, "position": cell.position,
                          "problem": UNREADABLE}],
            "min_module_mm": 2.0, "contrast": 17.4, "scan_distance_mm": 660.0,
            "px_per_module": 6.0, "whole_page": False, "warnings": []}}}
        export_notes.note(export, "export_failed_preflight", cells=cell.spec.code)
        site.db.commit()
        number, code = export.id, cell.spec.code
        where = (cell.panel + 1, cell.row + 1, cell.square)
    russian = logged_in.get(f"/organiser/cloth/exports/{number}", headers=RU).get_data(
        as_text=True)
    assert "Не печатайте эти файлы" in russian
    row = russian.split(f"<code>{code}</code>", 1)[1].split("</tr>", 1)[0]
    assert "полотнище {}, ряд {}, клетка {} слева".format(*where) in row
    assert "код есть, но не читается" in row
    assert "Кодов в файле PDF, которые не ведут к своим фотографиям: 1 из 3." in russian
    status = logged_in.get(f"/organiser/cloth/exports/{number}/status", headers=EN).get_json()
    assert status["message"].startswith("Preflight failed: do not print these files.")
    assert f"{code} panel {where[0]}, row {where[1]}" in status["summary"]


def test_an_export_stopped_by_a_refusal_says_why_in_russian(app, logged_in, corpus):
    with app.app_context():
        add_photos(corpus, 2)
        site = context.site()
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, SMALL)
        export = exports.new_export(site, cloth, ["pdf"])
        export.settings = {**export.settings,
                           "layout": {**export.settings["layout"], "module_mm": 0.5}}
        site.db.commit()
        exports.run_export(site, export)  # the layout refuses 0.5 mm modules
        number = export.id
        assert "too small to print on fabric" in export.message  # the record, in English
    status = logged_in.get(f"/organiser/cloth/exports/{number}/status", headers=RU).get_json()
    assert status["message"].startswith("Модуль 0,5 мм слишком мал для печати на ткани")


def test_an_export_that_broke_keeps_the_servers_words_under_details(app, logged_in, corpus):
    with app.app_context():
        add_photos(corpus, 2)
        site = context.site()
        export = exports.new_export(site, editions.current_cloth(site), ["pdf"])
        export.settings = {**export.settings, "cells": [{"no_such_field": 1}]}
        site.db.commit()
        exports.run_export(site, export)
        number = export.id
    page = logged_in.get(f"/organiser/cloth/exports/{number}", headers=RU).get_data(
        as_text=True)
    top, details = page.split('<details class="more"', 1)
    assert "Экспорт остановился из-за ошибки на сервере." in top and "no_such_field" not in top
    assert "no_such_field" in details.split("Что сообщил сервер:", 1)[1]


@pytest.mark.parametrize(("count", "words"), [
    (1, "В этом выпуске 1 фотография."), (2, "В этом выпуске 2 фотографии."),
    (5, "В этом выпуске 5 фотографий."), (21, "В этом выпуске 21 фотография."),
])
def test_the_designer_counts_in_russian_sentences(app, logged_in, corpus, count, words):
    with app.app_context():
        add_photos(corpus, count)
    page = logged_in.get("/organiser/cloth", headers=RU).get_data(as_text=True)
    assert words in page and "На скатерти помещается" in page
    english = logged_in.get("/organiser/cloth", headers=EN).get_data(as_text=True)
    assert ("1 photo is on this edition." if count == 1
            else f"{count} photos are on this edition.") in english


def test_file_sizes_read_in_the_readers_numbers(app):
    from tablecloth.web.organiser.export_words import file_size

    with app.test_request_context(headers=RU):
        assert file_size(52_517) == "51 КБ"
        assert file_size(3 * 1024 * 1024 + 300_000) == "3,3 МБ"
    with app.test_request_context(headers=EN):
        assert file_size(300) == "1 KB" and file_size(3 * 1024 * 1024 + 300_000) == "3.3 MB"


def test_each_piece_of_a_printers_export_is_named_in_words(app):
    from tablecloth.models import Export
    from tablecloth.web.organiser.export_words import format_name, result_lines

    export = Export(report={"formats": {
        "png-panel2of2-length1of3": {"ok": True, "passed": 4, "expected": 4},
        "sheets": {"ok": True, "passed": 4, "expected": 4, "px_per_module": 6.0},
        "proof": {"ok": True, "passed": 4, "expected": 4, "whole_page": True}}})
    results = preflight.results(export)
    assert [(r.name, r.panel, r.length) for r in results] == [
        ("png", (2, 2), (1, 3)), ("sheets", None, None), ("proof", None, None)]
    with app.test_request_context(headers=RU):
        assert [format_name(r) for r in results] == [
            "PNG, полотнище 2 из 2, часть 1 из 3", "Пробная печать в офисе", "Контрольный лист"]
        assert result_lines(results[1])[0] == "Все коды в файле PDF (4) ведут к своим фотографиям."
    with app.test_request_context(headers=EN):
        assert format_name(results[0]) == "PNG, panel 2 of 2, length 1 of 3"


def test_an_export_in_pieces_asks_for_every_piece_to_be_sent(app, logged_in, corpus):
    with app.app_context():
        add_photos(corpus, 2)
        site = context.site()
        export = exports.new_export(site, editions.current_cloth(site), ["png"])
        # What run_export records for an online roll printer's two panels (printers.pieces).
        export.files = [{"format": "png", "name": f"cloth-edition1-panel{n}of2.png",
                         "key": f"exports/{export.id}/p{n}", "size": 2048, "sha256": "0" * 64,
                         "piece": f"panel {n}", "options": {"tile": {}}} for n in (1, 2)]
        export.status = "done"
        export_notes.note(export, "export_done")
        site.db.commit()
        number = export.id
    page = logged_in.get(f"/organiser/cloth/exports/{number}", headers=EN).get_data(
        as_text=True)
    assert "send all of them" in page and "Send only one of them." not in page
    assert f'href="/organiser/cloth/exports/{number}/files/cloth-edition1-panel2of2.png"' in page
