"""Refusals in the visitor's language: the catalogue's words through Flask-Babel."""

from __future__ import annotations

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
