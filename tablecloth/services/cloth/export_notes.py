"""What an export says about itself: a reason code and its detail on its row, worded by readers.

What an export is doing is stored on its row as a reason code with its detail (beside the
English text), so each reader sees it in their own language: ``message`` and ``summary``
take the caller's ``say(reason, detail)``; the CLI's is the English default.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ... import messages
from ...models import Export

Say = Callable[[str, dict[str, Any]], str]  # reason, detail -> words for the reader
STATUS_KEY = "status_message"  # in Export.report: {"reason", "detail", "step"}


def note(export: Export, reason: str, step: str = "", **detail: Any) -> None:
    """Record what the export is doing: a reason for readers, English text for the record."""
    export.message = words(messages.text, reason, detail, step)
    export.report = {**(export.report or {}),
                     STATUS_KEY: {"reason": reason, "detail": jsonable(detail), "step": step}}


def words(say: Say, reason: str, detail: dict[str, Any], step: str) -> str:
    """Return a reason in the words of say, with the renderer's step after it if any."""
    text = say(reason, detail)
    return f"{text}: {step}" if step else text


def message(export: Export, say: Say = messages.text, steps: bool = True) -> str:
    """Return what the export is doing or how it ended, in the words of say.

    ``steps=False`` leaves out the renderer's own step ("panel 1 of 2"), which is English.
    """
    note = (export.report or {}).get(STATUS_KEY)
    if not note:
        return export.message or ""  # a row written before reasons were stored
    step = (note.get("step") or "") if steps else ""
    return words(say, note["reason"], note.get("detail") or {}, step)


def status_note(export: Export) -> dict[str, Any]:
    """Return what the export last said: {"reason", "detail", "step"}, or {}."""
    return dict((export.report or {}).get(STATUS_KEY) or {})


def status_reason(export: Export) -> str:
    """Return the reason code of what the export last said ("" for a row without one)."""
    return status_note(export).get("reason", "")


def summary(export: Export, say: Say = messages.text) -> str:
    """Return the preflight report of a finished export as a few lines."""
    report = export.report or {}
    if "cells" not in report:
        return report.get("summary") or message(export, say)
    lines = [say("export_summary", {"n": export.cloth.edition, "count": report["cells"],
                                    "url": export.settings["base_url"]})]
    if export.draft:
        lines.append(say("export_draft", {}))
    for name, result in (report.get("formats") or {}).items():
        reason = "export_format_passed" if result.get("ok") else "export_format_failed"
        lines.append(say(reason, {"format": name.upper(), "summary": result.get("summary", "")}))
    # The plan's warnings once for the whole export, not once per file.
    for warning in report.get("warnings") or []:
        lines.append(say("export_warning", {"warning": say(warning["reason"],
                                                             warning.get("detail") or {})}))
    return "\n".join(lines)


def jsonable(value: Any) -> Any:
    """Return value as JSON would give it back (dates and other objects as strings)."""
    return json.loads(json.dumps(value, default=str))
