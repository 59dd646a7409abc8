"""Refusals in the visitor's language: the catalogue's words through Flask-Babel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import format_decimal, gettext

from .. import messages
from ..errors import Refusal


def _number(value: Any) -> str:
    return format_decimal(value, format="#,##0.##")


def say(reason: str, detail: dict[str, Any] | None = None) -> str:
    """Return the message for a reason code in the current language."""
    return messages.text(reason, detail, gettext=gettext, number=_number)


def say_refusal(refusal: Refusal) -> str:
    """Return a refusal's message in the current language."""
    return say(refusal.reason, refusal.detail)


def labels(english: Mapping[str, str]) -> dict[str, str]:
    """Return a mapping of keys to English labels (marked with N_) in the current language."""
    return {key: gettext(label) for key, label in english.items()}
