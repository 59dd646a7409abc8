"""Real servers for tests on 127.0.0.1 and free ports: a throwaway PostgreSQL cluster, moto S3."""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

# Debian's postgresql package; the version-specific folder, not wrappers elsewhere on PATH.
PG_BIN = Path(os.environ.get("TABLECLOTH_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
_names = itertools.count(1)


def free_port() -> int:
    """Return a port on 127.0.0.1 that the OS just reported free."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unique_name(prefix: str) -> str:
    """Return a name unique in this test run, usable for databases and buckets."""
    return f"{prefix}{os.getpid()}x{next(_names)}"


def wait_for_http(url: str, timeout_s: float = 30.0, process: subprocess.Popen | None = None):
    """Poll url until it answers at all (any status); raise if the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer within {timeout_s:g} s") from None
            time.sleep(0.05)


def postgres_missing() -> str | None:
    """Say why a PostgreSQL cluster cannot be started here, or None when it can."""
    for name in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / name).is_file():
            return f"{PG_BIN / name} is missing (install Debian's postgresql package)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run the server as"
    return None


def moto_missing() -> str | None:
    """Say why a moto S3 server cannot be started here, or None when it can."""
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as exc:
        return f"moto[server] or boto3 is not installed ({exc})"
    return None


def _die_with_parent() -> None:
    """In a child before exec: get SIGQUIT when the test process dies, even by SIGKILL."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGQUIT)


class PostgresCluster:
    """A private PostgreSQL cluster in a temporary folder, for one test session."""

    def __init__(self) -> None:
        self.port = 0
        self.dir: Path | None = None
        self.process: subprocess.Popen | None = None

    def _as_postgres(self, command: list[str], pdeathsig: bool = False) -> list[str]:
        # PostgreSQL refuses to run as root; drop to the postgres user Debian's package creates.
        # setpriv execs in place (no fork), so the server stays our direct child.
        if os.geteuid() != 0:
            return command
        death = ["--pdeathsig", "QUIT"] if pdeathsig else []
        return ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", *death,
                "--", *command]

    def start(self) -> PostgresCluster:
        """Create the cluster and start the server on a free loopback port."""
        # Not under pytest's tmp folders: the postgres user must be able to reach the folder.
        self.dir = Path(tempfile.mkdtemp(prefix="tablecloth-pg-"))
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        data = self.dir / "data"
        subprocess.run(
            self._as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust",
                               "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
            check=True, capture_output=True, text=True,
        )
        last_error = ""
        for _attempt in range(5):  # the port may be taken between choosing and binding
            self.port = free_port()
            self._launch()
            if self._wait_ready():
                return self
            last_error = self.log()
            self._halt()
        raise RuntimeError(f"PostgreSQL did not start:\n{last_error}")

    def restart(self) -> None:
        """Stop the server (ending every session) and start it again on the same port."""
        self._halt()
        self._launch()
        if not self._wait_ready():
            raise RuntimeError(f"PostgreSQL did not start again:\n{self.log()}")

    def _launch(self) -> None:
        # A direct child rather than pg_ctl's daemon: it dies with the test process, so an
        # interrupted run leaves no server behind. fsync off: the data is thrown away.
        with (self.dir / "log").open("ab") as log:
            self.process = subprocess.Popen(
                self._as_postgres(
                    [str(PG_BIN / "postgres"), "-D", str(self.dir / "data"), "-k",
                     str(self.dir), "-p", str(self.port), "-h", "127.0.0.1", "-F",
                     "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
                     "-c", "max_connections=200"],
                    pdeathsig=True,
                ),
                stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=None if os.geteuid() == 0 else _die_with_parent,
            )

    def _wait_ready(self, timeout_s: float = 60.0) -> bool:
        import psycopg

        deadline = time.monotonic() + timeout_s
        while self.process.poll() is None and time.monotonic() < deadline:
            try:
                psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                                dbname="postgres", connect_timeout=2).close()
                return True
            except psycopg.OperationalError:
                time.sleep(0.05)
        return False

    def _halt(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: ends open sessions
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log(self) -> str:
        """Return the server log, for error messages."""
        path = self.dir / "log" if self.dir else None
        return path.read_text(errors="replace") if path and path.exists() else ""

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of a database in this cluster."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create a database, optionally copied from a template, and return its URL."""
        suffix = f" TEMPLATE {template}" if template else ""
        self.execute(f"CREATE DATABASE {name}{suffix}")
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any connection still open to it."""
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        self._halt()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


class MotoServer:
    """moto's S3 server as a separate process on a free loopback port."""

    ACCESS_KEY = "testing"
    SECRET_KEY = "testing"
    REGION = "us-east-1"

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._log = None
        self._client = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        """Start the server and wait until it answers."""
        last_error = ""
        for _attempt in range(5):
            self.port = free_port()
            # A file, not a pipe: the server logs every request and a full pipe would stall it.
            self._log = tempfile.TemporaryFile()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
            )
            try:
                wait_for_http(self.endpoint + "/moto-api/", process=self.process)
                return self
            except RuntimeError as exc:
                self.process.kill()
                self.process.wait()
                self._log.seek(0)
                last_error = f"{exc}\n{self._log.read().decode(errors='replace')}"
                self._log.close()
        raise RuntimeError(f"moto server did not start:\n{last_error}")

    def config(self, bucket: str) -> dict:
        """Return tablecloth settings that point at bucket on this server."""
        return {
            "STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_REGION": self.REGION,
            "S3_ACCESS_KEY_ID": self.ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": self.SECRET_KEY,
        }

    def client(self):
        """Return a boto3 client for this server, for setting up and checking tests."""
        if self._client is None:
            import boto3

            self._client = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint, region_name=self.REGION,
                aws_access_key_id=self.ACCESS_KEY, aws_secret_access_key=self.SECRET_KEY,
            )
        return self._client

    def create_bucket(self, name: str) -> str:
        """Create an empty bucket and return its name."""
        self.client().create_bucket(Bucket=name)
        return name

    def delete_bucket(self, name: str) -> None:
        """Empty and remove a bucket."""
        client = self.client()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", ())]
            if keys:
                client.delete_objects(Bucket=name, Delete={"Objects": keys})
        client.delete_bucket(Bucket=name)

    def stop(self) -> None:
        """Stop the server process."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self._log.close()
            self.process = None


TABLECLOTH = Path(sys.executable).with_name("tablecloth")


def default_workers() -> int:
    """Return how many workers `tablecloth serve` starts here without --workers."""
    from tablecloth.server import default_workers as workers

    return workers()


def tablecloth_environ(settings: dict) -> dict:
    """Return this process's environment without TABLECLOTH_*, plus settings as TABLECLOTH_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TABLECLOTH_")}
    env.update({f"TABLECLOTH_{k}": str(v) for k, v in settings.items()})
    env.setdefault("TABLECLOTH_SECRET_KEY", "serve-test-secret")
    env.setdefault("TABLECLOTH_PUBLIC_BASE_URL", "https://tablecloth.example.org")
    return env


class LiveSite:
    """`tablecloth serve` with its defaults (or the given options) on a free loopback port."""

    def __init__(self, settings: dict, log_path: Path, *options: str) -> None:
        self.env = tablecloth_environ(settings)
        self.log_path = log_path
        self.options = options
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        """Run another `tablecloth` command against the same settings."""
        return subprocess.run([str(TABLECLOTH), *args], env=self.env, input=stdin, text=True,
                              check=True, capture_output=True)

    def start(self) -> LiveSite:
        """Start the server and wait until /healthz answers."""
        self.port = free_port()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(TABLECLOTH), "serve", "--port", str(self.port), *self.options],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        wait_for_http(self.base + "/healthz", timeout_s=60, process=self.process)
        return self

    def stop(self) -> int:
        """Stop the server gracefully (SIGTERM); return its exit status."""
        if self.process is None:
            return 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
        finally:
            self.process = None

    def log(self) -> str:
        """Return what the server wrote so far (access log and errors)."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> LiveSite:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()
