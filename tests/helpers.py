"""Helpers several test files share (fixtures live in conftest.py)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from tablecloth.cli import main


class CliRunner(FlaskCliRunner):
    """Invoke the `tablecloth` command group against one app, as the installed command does."""

    def invoke(self, cli=None, args=None, **kwargs):
        return super().invoke(cli or main, args, **kwargs)


def cli_runner(app: Flask) -> CliRunner:
    """Return a runner whose commands run against app."""
    return CliRunner(app)
