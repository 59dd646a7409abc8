"""Shared fixtures: a fresh app and database per test, a client, a CLI runner, the corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tablecloth import create_app, db

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def pytest_configure(config):
    # The real sample photos are part of the test suite's inputs: fail loudly, never skip.
    if not CORPUS.is_dir() or not any(CORPUS.iterdir()):
        raise pytest.UsageError(
            f"The sample photo corpus is missing: expected it at {CORPUS}. "
            "Check out the shared/ folder beside the project."
        )


@pytest.fixture
def corpus() -> Path:
    """Return the folder of real sample photos."""
    return CORPUS


@pytest.fixture
def app(tmp_path):
    """Return an app on a fresh SQLite database and uploads folder."""
    instance = tmp_path / "instance"
    instance.mkdir()
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": os.environ.get("TABLECLOTH_TEST_DATABASE_URL")
            or f"sqlite:///{tmp_path / 'test.sqlite3'}",
            "UPLOADS_DIR": str(tmp_path / "uploads"),
            "PUBLIC_BASE_URL": "https://tablecloth.example.org",
        }
    )
    with application.app_context():
        db.upgrade()
    yield application
    application.extensions["tablecloth.engine"].dispose()


@pytest.fixture
def client(app):
    """Return a test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a runner for the app's CLI commands."""
    return app.test_cli_runner()


ORGANISER_PASSWORD = "correct horse battery staple"


@pytest.fixture
def organiser(app):
    """Create an admin organiser and return its id."""
    from werkzeug.security import generate_password_hash

    from tablecloth.models import Organiser, Role

    with app.app_context():
        session = db.session()
        person = Organiser(email="admin@example.org", role=Role.ADMIN,
                           password_hash=generate_password_hash(ORGANISER_PASSWORD))
        session.add(person)
        session.commit()
        return person.id


@pytest.fixture
def logged_in(client, organiser):
    """Return a client logged in as the admin organiser (session set directly)."""
    with client.session_transaction() as flask_session:
        flask_session["organiser_id"] = organiser
    return client


@pytest.fixture
def group(app):
    """Create an active Coventry group and return its invite code."""
    from sqlalchemy import select

    from tablecloth.models import City, Group

    with app.app_context():
        session = db.session()
        city = session.scalars(select(City).where(City.slug == "coventry")).one()
        session.add(Group(name="Coventry Youth Club", city=city, invite_code="COV-TEST-1"))
        session.commit()
    return "COV-TEST-1"
