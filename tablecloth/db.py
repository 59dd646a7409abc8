"""The database: engines, schema migrations and seed data, and each app context's session.

Everything down to "Flask glue" works on a URL or a Session and needs no app (the migration
of a site to another database uses it with no app at all). The glue gives each app context
(a request, a CLI command) one session, closed when the context ends; services receive it
as ``site.db`` (``context.site()``).
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from . import versions
from .models import City

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 30_000

DEFAULT_CITIES = (
    ("coventry", "Coventry", "Ковентри", "en"),
    ("volgograd", "Volgograd", "Волгоград", "ru"),
)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout so concurrent uploads wait."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def free_bytes(engine: Engine) -> int | None:
    """Return the free space beside a SQLite database file, or None for a server database."""
    import shutil

    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return shutil.disk_usage(Path(url.database).resolve().parent).free


@contextmanager
def short_wait(connection, milliseconds: int):
    """Let a SQLite connection wait at most this long for the write lock (a health probe)."""
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql(f"PRAGMA busy_timeout={int(milliseconds)}")
    connection.commit()
    try:
        yield
    finally:
        connection.rollback()
        connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.commit()


def make_sessions(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory whose objects stay readable after a commit.

    Every change made through its sessions bumps the change versions (tablecloth.versions).
    """
    sessions = sessionmaker(engine, expire_on_commit=False)
    versions.install(sessions)
    return sessions


def alembic_config(url: str):
    """Return an Alembic configuration pointing at our migrations and the given database."""
    # Alembic is imported here, not above: only schema work needs it, and every app process
    # would otherwise pay for loading it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the schema at url up to the newest migration and add the default cities.

    Without url, upgrade the current app's database (for callers inside an app context).
    """
    from alembic import command

    url = url or current_app.config["DATABASE_URL"]
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        with make_sessions(engine)() as session:
            seed_cities(session)
    finally:
        engine.dispose()


def seed_cities(session: Session) -> None:
    """Add Coventry and Volgograd when no city exists yet."""
    if session.scalars(select(City).limit(1)).first() is None:
        for position, (slug, name_en, name_ru, language) in enumerate(DEFAULT_CITIES):
            session.add(City(slug=slug, name_en=name_en, name_ru=name_ru,
                             home_language=language, position=position))
        session.commit()


class ThreadConnections:
    """One autocommit connection per thread, outside the pool, for one-row reads on a hot path.

    A checkout from SQLAlchemy's pool on PostgreSQL costs two round trips besides the query
    (``pool_pre_ping``'s ping, the rollback on return); a thread's own connection in
    autocommit mode costs none. A connection that fails (the server restarted, a network
    cut) is closed and the statement run once more on a new one: use it for reads only.
    Every connection is closed when the engine is disposed.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set = set()
        self._pid = os.getpid()
        event.listen(engine, "engine_disposed", self._close_all)
        # Outside the pool, nothing else closes them when this goes (an app dropped unclosed).
        weakref.finalize(self, _close_each, self._open)

    def fetchone(self, sql: str, params) -> tuple | None:
        """Run one statement and return its first row (a reconnection and retry on failure)."""
        error = self.engine.dialect.loaded_dbapi.Error
        for attempt in (1, 2):
            connection = self._connection()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(sql, params)
                    return cursor.fetchone()
            except error:
                self._discard(connection)
                if attempt == 2:
                    raise
        return None  # not reached

    def _connection(self):
        if self._pid != os.getpid():  # forked: the parent's connections are not ours to use
            self._forget()
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            pooled = self.engine.raw_connection()  # the engine's connect hooks, then our own
            pooled.detach()
            connection = pooled.dbapi_connection
            connection.rollback()  # the pool's ping may have begun a transaction
            connection.autocommit = True
            self._local.connection = connection
            with self._lock:
                self._open.add(connection)
        return connection

    def _discard(self, connection) -> None:
        self._local.connection = None
        with self._lock:
            self._open.discard(connection)
        with contextlib.suppress(Exception):  # already broken: closing is a courtesy
            connection.close()

    def _forget(self) -> None:
        # After a fork the sockets are shared with the parent: never close them here, nor
        # let them be collected (that closes them too); keep them and open our own.
        self._local = threading.local()
        with self._lock:
            _INHERITED.extend(self._open)
            self._open.clear()
        self._pid = os.getpid()

    def _close_all(self, _engine: Engine) -> None:
        if self._pid != os.getpid():
            self._forget()
            return
        with self._lock:
            connections = set(self._open)
            self._open.clear()
        _close_each(connections)


def _close_each(connections) -> None:
    for connection in list(connections):
        with contextlib.suppress(Exception):
            connection.close()


_INHERITED: list = []  # connections a forked process must keep open and unused


# ---------------------------------------------------------------- Flask glue


def init_app(app: Flask) -> None:
    """Attach an engine and session factory to the app; close sessions after each context."""
    url = app.config["DATABASE_URL"]
    if not url:
        url = "sqlite:///" + str(Path(app.instance_path) / "tablecloth.sqlite3")
        app.config["DATABASE_URL"] = url
    engine = make_engine(url)
    app.extensions["tablecloth.engine"] = engine
    app.extensions["tablecloth.sessions"] = make_sessions(engine)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """Return the current app's engine."""
    return current_app.extensions["tablecloth.engine"]


def session() -> Session:
    """Return the session for this app context, opening it on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["tablecloth.sessions"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
