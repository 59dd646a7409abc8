"""Shared fixtures: a fresh app and database per test, a client, a CLI runner, an organiser
and the `auth` helper that logs in through the real form, the corpus."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import servers
from helpers import (
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    TEST_CONFIG,
    AuthActions,
    cli_runner,
    make_app,
    quick_hash,
    unavailable,
)
from werkzeug.routing import Rule

from tablecloth import db

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def pytest_addoption(parser):
    group = parser.getgroup("tablecloth", "tablecloth backends")
    group.addoption(
        "--db", choices=("sqlite", "postgresql"),
        default=os.environ.get("TABLECLOTH_TEST_DB", "sqlite"),
        help="database behind the app fixture: sqlite (default) or postgresql (a throwaway "
        "cluster started for the session); env TABLECLOTH_TEST_DB",
    )
    group.addoption(
        "--storage", choices=("local", "s3"),
        default=os.environ.get("TABLECLOTH_TEST_STORAGE", "local"),
        help="storage behind the app fixture: local (default) or s3 (a moto server started "
        "for the session); env TABLECLOTH_TEST_STORAGE",
    )


# Tests that use one of these run against the chosen database and storage.
BACKEND_FIXTURES = {"app", "backend_settings"}


def _default_backends(config) -> bool:
    return config.getoption("--db") == "sqlite" and config.getoption("--storage") == "local"


def pytest_report_header(config):
    return (f"tablecloth backends: database={config.getoption('--db')} "
            f"storage={config.getoption('--storage')}")


def pytest_collection_modifyitems(config, items):
    # A pass on other backends reruns only the tests that touch a backend; the pure ones
    # (images, QR, layout, rendering) already ran in the default pass and would only repeat.
    if _default_backends(config):
        return
    keep, drop = [], []
    for item in items:
        uses_backend = BACKEND_FIXTURES & set(getattr(item, "fixturenames", ()))
        (keep if uses_backend else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session", autouse=True)
def _no_background_refresh_in_this_process():
    """Let apps a test builds itself (create_app reading the environment) not refresh the cloth
    in a background thread, which could outlive the test's database; the app fixture's
    settings say so too (helpers.TEST_CONFIG). Live servers a test starts drop TABLECLOTH_*
    variables, so they refresh as in production."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TABLECLOTH_REFRESH_CLOTH_IN_BACKGROUND", "false")
        yield


@pytest.fixture(scope="session", autouse=True)
def _url_builders_compiled_once():
    """Let Werkzeug compile each route's URL builder once a session, not once for every app."""
    # Registering a route turns it into generated Python code: about 15 ms for our routes, for
    # each test's new app. The code depends only on the rule's parts, never on the app (the
    # rule is passed in when the builder is called), so every app can share it. A rule with
    # defaults bakes their values in: it compiles as usual. _compile_builder is Werkzeug's
    # private method: if a release renames it, the suite runs as before, only slower.
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        yield
        return
    compiled: dict = {}

    def compile_once(rule: Rule, append_unknown: bool = True):
        if rule.defaults:
            return compile_builder(rule, append_unknown)
        key = (rule.rule, tuple(rule._trace), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(rule, append_unknown)
        return compiled[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rule, "_compile_builder", compile_once)
        yield


@pytest.fixture(scope="session")
def pg_cluster():
    """Start a throwaway PostgreSQL cluster on a free loopback port for the session."""
    reason = servers.postgres_missing()
    if reason:
        unavailable(f"PostgreSQL tests need a server: {reason}")
    cluster = servers.PostgresCluster().start()
    yield cluster
    cluster.stop()


def _migrate_and_seed(url: str, folder: Path) -> None:
    """Bring the database at url to the newest schema with the default cities."""
    template_app = make_app({"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": url,
                             "UPLOADS_DIR": str(folder / "uploads")}, folder / "instance")
    with template_app.app_context():
        db.upgrade()
    template_app.extensions["tablecloth.engine"].dispose()


@pytest.fixture(scope="session")
def pg_template(pg_cluster, tmp_path_factory):
    """Create a migrated, seeded database once; each test copies it (much faster than migrating)."""
    name = "tablecloth_template"
    url = pg_cluster.create_database(name)
    _migrate_and_seed(url, tmp_path_factory.mktemp("pg-template"))
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """Create a migrated, seeded SQLite file once; each test copies it, as with PostgreSQL."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite3"
    _migrate_and_seed(f"sqlite:///{path}", folder)
    # Fold the write-ahead log into the file, so that copying the one file copies everything.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the template's log was not folded in"
    return path


@pytest.fixture(scope="session")
def external_database(tmp_path_factory) -> str:
    """Migrate the database named by $TABLECLOTH_TEST_DATABASE_URL once; every test shares it."""
    url = os.environ["TABLECLOTH_TEST_DATABASE_URL"]
    _migrate_and_seed(url, tmp_path_factory.mktemp("external-database"))
    return url


@pytest.fixture(scope="session")
def s3_server():
    """Start moto's S3 server as a separate process on a free loopback port for the session."""
    reason = servers.moto_missing()
    if reason:
        unavailable(f"S3 tests need a server: {reason}")
    server = servers.MotoServer().start()
    yield server
    server.stop()


@pytest.fixture
def backend_settings(request, tmp_path):
    """Return DATABASE_URL and storage settings for a fresh database and store for this test."""
    settings = {"UPLOADS_DIR": str(tmp_path / "uploads")}
    if os.environ.get("TABLECLOTH_TEST_DATABASE_URL"):
        settings["DATABASE_URL"] = request.getfixturevalue("external_database")
    elif request.config.getoption("--db") == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        template = request.getfixturevalue("pg_template")
        name = servers.unique_name("t_")
        settings["DATABASE_URL"] = cluster.create_database(name, template=template)
        request.addfinalizer(lambda: cluster.drop_database(name))
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        settings["DATABASE_URL"] = f"sqlite:///{path}"
    if request.config.getoption("--storage") == "s3":
        server = request.getfixturevalue("s3_server")
        bucket = server.create_bucket(servers.unique_name("t-"))
        request.addfinalizer(lambda: server.delete_bucket(bucket))
        settings.update(server.config(bucket))
    return settings


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
def app(tmp_path, backend_settings):
    """Return an app on a fresh, migrated database and store (SQLite and uploads by default).

    Its instance folder is a temporary one and its environment empty: the developer's
    instance/settings.toml and TABLECLOTH_* variables never reach a test.
    """
    application = make_app({**TEST_CONFIG, **backend_settings}, tmp_path / "instance")
    yield application
    application.extensions["tablecloth.engine"].dispose()


@pytest.fixture
def client(app):
    """Return a test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Return a runner for the app's CLI commands."""
    return cli_runner(app)


@pytest.fixture
def organiser(app):
    """Create an admin organiser (helpers.ORGANISER_EMAIL, ORGANISER_PASSWORD); return its id."""
    from tablecloth.models import Organiser, Role

    with app.app_context():
        session = db.session()
        person = Organiser(email=ORGANISER_EMAIL, role=Role.ADMIN,
                           password_hash=quick_hash(ORGANISER_PASSWORD))
        session.add(person)
        session.commit()
        return person.id


@pytest.fixture
def auth(client, organiser):
    """Return log-in and log-out actions for the client, through the real organiser forms."""
    return AuthActions(client)


@pytest.fixture
def logged_in(client, organiser):
    """Return a client logged in as the admin organiser.

    The server-side session is opened directly, for the many tests about what an organiser
    does once in; tests about logging in use `auth`.
    """
    with client.application.app_context():
        from tablecloth.context import site
        from tablecloth.models import Organiser
        from tablecloth.services import sessions

        token = sessions.start(site(), db.session().get(Organiser, organiser))
    with client.session_transaction() as flask_session:
        flask_session["sid"] = token
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
