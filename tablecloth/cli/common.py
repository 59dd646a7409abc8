"""Helpers shared by the commands: clear errors, progress bars, English output."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask_babel import force_locale

from ..context import site
from ..services import groups as service


@contextmanager
def clear_errors(*exception_types: type[Exception]) -> Iterator[None]:
    """Show these errors as click's one-line "Error: ..." (exit status 1), without a traceback."""
    try:
        yield
    except exception_types as exc:
        raise click.ClickException(str(exc)) from None


class Bar:
    """Progress on a terminal: a bar when stdout is a tty, nothing in scripts and logs."""

    def __init__(self, label: str) -> None:
        self.tty = sys.stdout.isatty()
        self.bar = click.progressbar(length=1000, label=label, width=30) if self.tty else None
        self.done = 0

    def __enter__(self):
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, fraction: float, message: str = "") -> None:
        if self.bar is None:
            return
        target = int(max(0.0, min(1.0, fraction)) * 1000)
        self.bar.label = (message or "")[:40].ljust(40)
        if target > self.done:
            self.bar.update(target - self.done)
            self.done = target


def english(command):
    """Run a command's messages in English: a terminal has no browser to ask."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapped


def city_or_fail(slug: str, param: str = "--city"):
    """Return the city with this slug, or stop with a usage error listing the known ones."""
    city = service.city_by_slug(site(), slug)
    if city is None:
        known = ", ".join(c.slug for c in service.list_cities(site())) or "none yet"
        raise click.BadParameter(f"unknown city {slug!r}; known cities: {known}.",
                                 ctx=click.get_current_context(), param_hint=param)
    return city
