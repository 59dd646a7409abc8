"""Private tokens out of logs: the secret part of a private link never reaches a log line.

Withdrawal links, receipts' thumbnails, "my photos" pages, invitations and password reset
links carry their secret in the path. Anyone who reads a log could otherwise withdraw a
photo or take an account; the access log and the error log show `[private]` instead.
"""

from __future__ import annotations

import re

# The path segment after each of these prefixes is a secret token.
PRIVATE_PREFIXES = ("/upload/withdraw/", "/upload/receipt/", "/upload/mine/",
                    "/organiser/invite/", "/organiser/reset/")
_PRIVATE = re.compile(
    "(" + "|".join(re.escape(prefix) for prefix in PRIVATE_PREFIXES) + r")[^/?#\s\"]+")
MARK = "[private]"


def redact(text: str | None) -> str | None:
    """Return text (a path, a request line, a URL) with every private token replaced."""
    if not text:
        return text
    return _PRIVATE.sub(lambda match: match.group(1) + MARK, text)
