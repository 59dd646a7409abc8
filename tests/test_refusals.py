"""Refusals of photos and people: reason codes in one catalogue, words in the reader's language."""

from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

import tablecloth
from tablecloth import messages
from tablecloth.errors import Refusal
from tablecloth.images import ImageError
from tablecloth.services.accounts import AccountError
from tablecloth.services.groups import GroupError
from tablecloth.services.moderation import ModerationError
from tablecloth.services.reports import ReportError
from tablecloth.services.uploads import InviteRefused, UploadRefused
from tablecloth.web.messages import say, say_refusal

PACKAGE = Path(tablecloth.__file__).parent
# The modules whose refusals live in messages._UPLOADS and messages._PEOPLE.
MODULES = ["images.py", "ratelimit.py"] + [f"services/{name}.py" for name in (
    "uploads", "groups", "moderation", "accounts", "reports", "page_views", "public", "stats",
    "audit", "retention", "visits", "resumable")]
WEB = ["web/upload/form.py", "web/upload/views.py", "web/upload/tus.py", "web/__init__.py",
       "web/organiser/moderation.py", "web/organiser/groups.py", "web/organiser/accounts.py",
       "web/viewer/photo.py"]
REFUSALS = (ImageError, UploadRefused, InviteRefused, GroupError, AccountError,
            ModerationError, ReportError)


def _reasons_named_in(path: Path) -> set[str]:
    """Return the string literals passed first to a refusal class or say()/refusal_text()."""
    names = {kind.__name__ for kind in REFUSALS} | {"say", "refusal_text"}
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if name in names and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
    return found


def test_every_reason_raised_or_said_is_in_the_catalogue():
    reasons = set()
    for name in MODULES + WEB:
        reasons |= _reasons_named_in(PACKAGE / name)
    assert {"empty", "duplicate", "invite_off", "group_unknown", "report_too_long",
            "request_too_large", "photo_unknown"} <= reasons  # the scan finds them
    assert reasons <= set(messages.CATALOGUE), sorted(reasons - set(messages.CATALOGUE))


@pytest.mark.parametrize("name", MODULES)
def test_services_and_core_import_no_flask(name):
    tree = ast.parse((PACKAGE / name).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom)}
    assert not {m for m in imported if re.match(r"(flask|flask_babel|flask_wtf)\b", m)}


@pytest.mark.parametrize("kind", REFUSALS)
def test_each_error_is_a_refusal_with_english_words(kind):
    assert issubclass(kind, Refusal)


def test_english_words_are_the_catalogue_filled_in():
    refusal = GroupError("expiry_passed", day="2020-01-01")
    assert str(refusal) == "The expiry date 2020-01-01 has already passed."
    assert str(ModerationError("reject_reason_too_long", count=280)) == (
        "The reason is too long (at most 280 characters).")


def test_an_invite_refusal_keeps_its_group_but_pickles_without_it():
    refusal = InviteRefused("invite_off", group="a group")
    assert refusal.group == "a group" and refusal.detail == {}
    again = pickle.loads(pickle.dumps(refusal))
    assert type(again) is InviteRefused and again.reason == "invite_off" and again.group is None


def test_the_web_says_a_refusal_in_the_visitors_language(app):
    refusal = AccountError("password_too_short", count=1000)
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert say_refusal(refusal) == "The password must have at least 1,000 characters."
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        russian = say_refusal(refusal)
        assert "Пароль" in russian and "1\xa0000" in russian
        assert "0,1 МБ" in say("too_large", {"limit": 0.1})
