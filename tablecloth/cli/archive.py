"""The archive that outlives the app: write a bag, restore a site from one."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .. import context
from ..services import archive
from .common import clear_errors, english


@click.command("archive")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder to write the BagIt bag to; must not exist yet or be empty.")
@with_appcontext
@english
def archive_command(out: str) -> None:
    """Write every photo, city, group, cloth and export to a BagIt bag (SHA-256 manifests)."""
    with clear_errors(archive.ArchiveError):
        summary = archive.write_bag(context.site(), Path(out))
    click.echo(summary.sentence())
    for problem in summary.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if summary.problems:
        raise click.ClickException(
            f"{len(summary.problems)} files could not be archived intact; "
            "run `tablecloth check` to see why")


@click.command("restore")
@click.argument("bag", type=click.Path(exists=True))
@with_appcontext
@english
def restore_command(bag: str) -> None:
    """Recreate a site from an archive (a bag folder or its .zip) in an empty instance."""
    with clear_errors(archive.ArchiveError):
        summary = archive.restore(context.site(), Path(bag))
    click.echo(summary.sentence())
