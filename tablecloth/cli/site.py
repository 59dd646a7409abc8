"""Running the site: database schema, the server, storage migration, checks, purging."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .. import context, create_app, db, server
from ..config import ConfigError
from ..services import fixity, migrate_storage, retention
from ..storage import StorageError
from .common import clear_errors, english


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema and add the default cities."""
    db.upgrade(context.site().settings["DATABASE_URL"])
    click.echo("Database ready.")


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes [default: cores + 1, at most 9].")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Threads per worker; more than 1 uses gunicorn's gthread workers "
                   "(keep-alive), 1 its sync workers.")
@click.option("--timeout", default=60, show_default=True, type=click.IntRange(5, 3600),
              help="Seconds a request may take before its worker is restarted.")
@click.option("--graceful-timeout", default=30, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds to finish open requests after SIGTERM before stopping.")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="Log each request to standard output.")
def serve_command(host, port, workers, threads, timeout, graceful_timeout, access_log) -> None:
    """Serve the site with gunicorn: several workers, graceful stop on SIGTERM, /healthz."""
    options = server.ServeOptions(
        host=host, port=port, workers=workers, threads=threads, timeout_s=timeout,
        graceful_timeout_s=graceful_timeout, access_log=access_log,
    )
    click.echo(f"Serving tablecloth on http://{host}:{port}/ with "
               f"{options.workers or server.default_workers()} workers")
    server.serve(create_app, options)


@click.command("migrate-storage")
@click.option("--to", "target_file", type=click.Path(exists=True, dir_okay=False),
              help="A settings.toml-style file with the target's database_url, storage, "
              "uploads_dir and s3_* settings (keeps secrets off the command line).")
@click.option("--to-database-url", help="Target database URL, e.g. postgresql+psycopg://...")
@click.option("--to-storage", type=click.Choice(["local", "s3"]), help="Target store kind.")
@click.option("--to-uploads-dir", help="Target folder for a local store.")
@click.option("--to-s3-bucket", help="Target bucket for an s3 store.")
@click.option("--to-s3-endpoint-url", help="Target S3 endpoint; empty for AWS.")
@click.option("--to-s3-region", help="Target S3 region.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted migration: skip rows and files already copied.")
@click.option("--jobs", default=4, show_default=True, type=click.IntRange(1, 32),
              help="Files copied at the same time.")
@with_appcontext
def migrate_storage_command(target_file, to_database_url, to_storage, to_uploads_dir,
                            to_s3_bucket, to_s3_endpoint_url, to_s3_region, resume, jobs) -> None:
    """Copy every row and stored file of this site to another database and store."""
    with clear_errors(ConfigError, StorageError, migrate_storage.MigrationError):
        target = migrate_storage.target_config(
            Path(target_file) if target_file else None,
            {"DATABASE_URL": to_database_url, "STORAGE": to_storage,
             "UPLOADS_DIR": to_uploads_dir, "S3_BUCKET": to_s3_bucket,
             "S3_ENDPOINT_URL": to_s3_endpoint_url, "S3_REGION": to_s3_region},
        )
        site = context.site()
        summary = migrate_storage.migrate(site.db.get_bind(), site.store, target, resume=resume,
                                         jobs=jobs, echo=click.echo)
    click.echo(f"Files: {summary.files_copied} copied, {summary.files_present} already there. "
               f"Rows: {sum(summary.rows_copied.values())} copied, "
               f"{sum(summary.rows_present.values())} already there.")
    for problem in summary.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if summary.problems:
        raise click.ClickException(
            f"{len(summary.problems)} problems; fix them and run again with --resume")
    click.echo("Done. Point TABLECLOTH_DATABASE_URL and the storage settings at the target.")


@click.command("check")
@click.option("--repair", is_flag=True,
              help="Quarantine stray files, remake lost or damaged web copies and thumbnails "
              "from their masters. Masters are never touched.")
@click.option("--grace", "grace_s", default=10.0, show_default=True,
              type=click.FloatRange(0, 3600),
              help="Seconds to wait before moving strays, so an upload finishing is not one.")
@with_appcontext
@english
def check_command(repair: bool, grace_s: float) -> None:
    """Verify every stored file against its recorded SHA-256 and size; exit 1 on problems."""
    summary = fixity.check(context.site(), repair=repair, grace_s=grace_s, echo=click.echo)
    for problem in summary.problems:
        click.echo(problem.line())
    click.echo(summary.sentence())
    if summary.remaining:
        click.get_current_context().exit(1)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("--days", type=click.IntRange(0), default=None,
              help="Age in days instead of TABLECLOTH_RETENTION_DAYS.")
@with_appcontext
@english
def purge_command(dry_run: bool, days: int | None) -> None:
    """Delete the files of photos withdrawn or rejected long ago; their codes stay reserved."""
    site = context.site()
    days = site.settings["RETENTION_DAYS"] if days is None else days
    purged = retention.purge(site, days, dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    for entry in purged:
        click.echo(f"{verb} {entry.code} ({entry.state} {entry.since:%Y-%m-%d}): "
                   f"{len(entry.keys)} files, {entry.size} bytes")
    total = sum(e.size for e in purged)
    click.echo(f"{len(purged)} photos {verb} ({total} bytes), older than {days} days.")
