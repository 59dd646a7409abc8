"""Whole numbers from the address: ids and page numbers within their columns' range, or 404.

Werkzeug's ``int`` converter and ``request.args.get(type=int)`` accept any length of digits;
a number beyond the database's INTEGER (PostgreSQL's is 32-bit, SQLite's 64-bit) then fails
inside the driver as an OverflowError, a 500. Every id column is an INTEGER, so every id in
an address is checked against the smaller range here, before any query.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id and edition number


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: 0 to MAX_ID, anything longer matches no route (404)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs["max"] = MAX_ID if kwargs.get("max") is None else min(kwargs["max"], MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Make ``<int:...>`` stop at the id columns' range; call before routes are registered."""
    app.url_map.converters["int"] = IdConverter


def id_arg(name: str) -> int | None:
    """Return ?name= as an id, None when absent or not a number; 404 when out of range."""
    raw = request.args.get(name, "").strip()
    if not raw.isdigit() or not raw.isascii():
        return None
    value = int(raw[:20])
    if len(raw) > 10 or value > MAX_ID:
        abort(404)
    return value


def page_arg(page_size: int) -> int:
    """Return ?page= (1 when absent or not a number); 404 when its offset leaves the range."""
    page = id_arg("page") or 1
    if (page - 1) * page_size > MAX_ID:
        abort(404)
    return page
