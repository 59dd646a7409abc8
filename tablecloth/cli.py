"""The `tablecloth` command: the same services as the web pages, for organisers and scripts."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def _create_app(*_args) -> Flask:
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, set_debug_flag=False)
def main() -> None:
    """Run and manage a tablecloth site."""


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema and add the default cities."""
    from . import db

    db.upgrade()
    click.echo("Database ready.")


def init_app(app: Flask) -> None:
    """Register the commands on the app, so tests and `tablecloth` both see them."""
    app.cli.add_command(init_db_command)
    app.cli.add_command(serve_command)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes.")
def serve_command(host: str, port: int, workers: int) -> None:
    """Serve the site with gunicorn, a production WSGI server."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("graceful_timeout", 30)
            self.cfg.set("accesslog", "-")

        def load(self):
            from . import create_app

            return create_app()

    click.echo(f"Serving tablecloth on http://{host}:{port}/")
    Server().run()
