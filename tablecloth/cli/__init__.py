"""The `tablecloth` command: the same services as the web pages, for organisers and scripts."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup

from .. import create_app
from . import archive, cloth, people, photos, site


def _create_app(*_args) -> Flask:
    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, set_debug_flag=False)
def main() -> None:
    """Run and manage a tablecloth site."""


COMMANDS = (
    site.init_db_command, site.serve_command, site.migrate_storage_command,
    people.create_organiser_command, people.invite_command, people.groups_command,
    people.cities_command,
    photos.import_command, photos.approve_command, photos.withdraw_command,
    cloth.export_command, cloth.verify_command, cloth.printers_command,
    archive.archive_command, archive.restore_command, site.check_command, site.purge_command,
)
for _command in COMMANDS:
    main.add_command(_command)
