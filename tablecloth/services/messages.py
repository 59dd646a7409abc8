"""Messages of the services: translated in a web request, English in scripts and the CLI."""

from __future__ import annotations

import flask_babel
from flask import has_request_context


def gettext(message: str, **values) -> str:
    """Translate message for the current request, or give it in English outside one."""
    if has_request_context():
        return flask_babel.gettext(message, **values)
    # Outside a request there is no browser to ask for a language, and the locale
    # selector needs one.
    return message % values if values else message
