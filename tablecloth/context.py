"""The Flask side of services: build the Site of the current app context.

The one place below web/ and cli/ (with ``db.init_app``) that knows about Flask: it reads
what ``create_app`` attached to the app (the store, the session factory, the settings) and
hands services a plain ``Site``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g

from . import db, versions
from .services.cloth.refresh import Refresher
from .services.site import Site
from .storage import Storage

STORE = "tablecloth.storage"  # the app.extensions key create_app attaches the store under
REFRESHER = "tablecloth.refresher"


def store(app: Flask | None = None) -> Storage:
    """Return the app's storage backend (the current app's when none is given)."""
    return (app or current_app).extensions[STORE]


def site() -> Site:
    """Return the Site of this app context (a request, a CLI command), made on first use."""
    if "site" not in g:
        g.site = Site(db=db.session(), store=store(), settings=current_app.config)
    return g.site


@contextmanager
def site_for(app: Flask) -> Iterator[Site]:
    """Yield a Site of its own for work outside a request (a background thread, a script)."""
    with app.app_context():
        yield site()


def refresh_in_background(app: Flask) -> Refresher | None:
    """Recompute the cloth's stored view in a thread after each commit that changes the cloth.

    Off (None) when REFRESH_CLOTH_IN_BACKGROUND is false: the first view after a change
    computes it then.
    """
    if not app.config["REFRESH_CLOTH_IN_BACKGROUND"]:
        return None
    refresher = Refresher(lambda: site_for(app))
    versions.on_cloth_change(app.extensions["tablecloth.sessions"], refresher.schedule)
    app.extensions[REFRESHER] = refresher
    return refresher
