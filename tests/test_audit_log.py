"""The audit log in the reader's language: every action and detail the services record has words.

Mirrors services/audit.py (ACTION_LABELS, DETAIL_LABELS) and web/organiser/audit.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers import add_photos
from sqlalchemy import select

import tablecloth
from tablecloth import context, db
from tablecloth.models import Organiser
from tablecloth.services import accounts, audit, groups, moderation, reports
from tablecloth.services.cloth import design, editions, exports

PACKAGE = Path(tablecloth.__file__).parent
RU = {"Accept-Language": "ru"}
EN = {"Accept-Language": "en"}


def _strings(node: ast.AST) -> list[str]:
    """Return the string constants a node can be: one, or both arms of an if-expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def recorded() -> tuple[set[str], set[str]]:
    """Return the actions and detail keys written anywhere: audit.record(...) and _audit(...)."""
    actions, keys = set(), set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(func.value, "id", "") if isinstance(func, ast.Attribute) else ""
            if not ((name == "record" and owner == "audit") or name == "_audit"):
                continue
            if len(node.args) > 1:
                actions.update(_strings(node.args[1]))
            details = [a for a in node.args[3:4] if name == "record"]
            details += [a for a in node.args[4:5] if name == "_audit"]
            details += [k.value for k in node.keywords if k.arg == "detail"]
            for detail in details:
                if isinstance(detail, ast.Dict):
                    keys.update(k.value for k in detail.keys if isinstance(k, ast.Constant))
    return actions, keys


def test_every_recorded_action_and_detail_has_words():
    from tablecloth.services import photo_states

    actions, keys = recorded()
    # The state machine names its actions in its table of transitions.
    actions |= {move.action for move in photo_states.TRANSITIONS.values()}
    assert {"photo.approve", "consent.recorded", "account.reactivate", "photo.hide",
            "photo.report_dismissed", "cloth.export"} <= actions  # the scan finds them
    assert {"from", "consent_self", "formats", "role"} <= keys
    assert actions <= set(audit.ACTION_LABELS), sorted(actions - set(audit.ACTION_LABELS))
    assert keys <= set(audit.DETAIL_LABELS), sorted(keys - set(audit.DETAIL_LABELS))


def _entries(app, corpus) -> None:
    with app.app_context():
        site = context.site()
        admin = db.session().scalars(select(Organiser)).one()
        group = groups.create_group(site, "Year 10 photo club",
                                    groups.city_by_slug(site, "volgograd"), by=admin)
        groups.set_active(site, group.invite_code, False, by=admin)
        photos = add_photos(corpus, 3, approve=False)
        moderation.approve(site, photos[0], by=admin)
        moderation.reject(site, photos[1], "blurred", by=admin)
        moderation.edit_caption(site, photos[0], "Новая подпись", by=admin)
        reports.report(site, photos[0], "unkind")
        reports.dismiss(site, reports.open_reports(site)[0].id, by=admin)
        design.save_settings(site, editions.current_cloth(site), {"width_mm": 600.0,
                                                                  "height_mm": 600.0})
        exports.new_export(site, editions.current_cloth(site), ["pdf", "proof"], draft=True,
                           by=admin)
        accounts.create_invitation(site, by=admin)


def _cells(page: str) -> list[list[str]]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [[re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_audit_log_reads_in_russian(app, logged_in, corpus):
    _entries(app, corpus)
    page = logged_in.get("/organiser/audit", headers=RU).get_data(as_text=True)
    rows = {(row[2], row[3]): row[4] for row in _cells(page)}
    by_action = {action: detail for (action, _target), detail in rows.items()}
    assert by_action["Фотография одобрена"] == "было: Ждут проверки"
    assert by_action["Фотография отклонена"] == "было: Ждут проверки; причина: blurred"
    assert by_action["Подпись изменена"] == "длина: 13 символов"
    assert by_action["Жалоба отклонена"] == "причина: Она обидная или может навредить"
    assert by_action["Фотография получена, согласие записано"] == (
        "своё согласие: да; согласие родителей: нет; возраст: 18 и старше; "
        "прислал организатор: нет")
    assert by_action["Группа создана"] == "город: Волгоград"
    assert by_action["Код приглашения отключён"] == ""
    assert by_action["Организатор приглашён"] == "роль: модератор"
    assert rows[("Файлы для печати выгружены", "выпуск 1")].startswith(
        "экспорт: 1; файлы: PDF, Контрольный лист; черновик: да; фото: ")
    assert "photo.approve" not in page.split("<tbody>", 1)[1]
    # The filter offers the actions by name; the codes stay in the form's values.
    assert '<option value="photo.approve" >Фотография одобрена</option>' in page


def test_the_audit_log_reads_in_english_and_filters_by_code(app, logged_in, corpus):
    _entries(app, corpus)
    page = logged_in.get("/organiser/audit?action=photo.reject", headers=EN).get_data(
        as_text=True)
    assert _cells(page) == [[_cells(page)[0][0], "admin@example.org", "Photo rejected",
                             _cells(page)[0][3], "before: Waiting for review; reason: blurred"]]
    csv = logged_in.get("/organiser/audit.csv?action=photo.reject").get_data(as_text=True)
    assert "photo.reject" in csv  # the CSV keeps the codes, for machines
