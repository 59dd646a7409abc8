"""CSRF protection for every form; the tus endpoint opts out (it carries no cookie form)."""

from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
