"""The viewer blueprint: the viewers' pages register their routes on it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("viewer", __name__)
