"""The one base class for refusals: what was asked cannot be done, and why, as a reason code."""

from __future__ import annotations

from typing import Any


class Refusal(ValueError):
    """Refuse a request; reason names a message in messages.CATALOGUE, detail holds its values.

    ``str(refusal)`` is the English message; the web translates the same reason with the
    visitor's language (``web.messages``), so a rule's words are written once.
    """

    def __init__(self, reason: str, **detail: Any) -> None:
        from . import messages

        if reason not in messages.CATALOGUE:
            # A typo in a reason would reach a user as a blank message: fail where it is made.
            raise KeyError(f"reason {reason!r} is not in messages.CATALOGUE")
        super().__init__(reason)
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        from . import messages

        return messages.text(self.reason, self.detail)

    def __reduce__(self):
        return (_rebuild, (type(self), self.reason, self.detail))


def _rebuild(kind: type[Refusal], reason: str, detail: dict[str, Any]) -> Refusal:
    refusal = kind.__new__(kind)
    Refusal.__init__(refusal, reason, **detail)
    return refusal
