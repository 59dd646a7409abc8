"""Organisers, groups and cities."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..context import site
from ..services import accounts
from ..services import groups as service
from .common import city_or_fail, clear_errors, english


@click.command("create-organiser")
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="admin",
              show_default=True, help="admin: everything; moderator: cannot add cities.")
@with_appcontext
@english
def create_organiser_command(email: str, password_stdin: bool, role: str) -> None:
    """Create an organiser account that can log in at /organiser/login."""
    with clear_errors(accounts.AccountError):
        email = accounts.check_email_free(site(), email)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with clear_errors(accounts.AccountError):
        person = accounts.create_organiser(site(), email, password, role)
    click.echo(f"Organiser {person.email} ({person.role.value}) created.")


@click.command("invite")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="moderator",
              show_default=True, help="Role of the account the link creates.")
@click.option("--note", default="", help="A note for admins (who the link is for).")
@with_appcontext
@english
def invite_command(role: str, note: str) -> None:
    """Print a one-time invitation link (valid 7 days) for a new organiser account."""
    with clear_errors(accounts.AccountError):
        _invitation, token = accounts.create_invitation(site(), role, note)
    base = (site().settings.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    click.echo(f"{base}/organiser/invite/{token}")
    click.echo(f"Give this link to the new {role}: it works once, for "
               f"{accounts.INVITATION_DAYS} days, and is not shown again.", err=True)


@click.group("groups")
def groups_command() -> None:
    """Create, list and switch off groups and their invite codes."""


@groups_command.command("create")
@click.argument("name")
@click.option("--city", "city_slug", required=True, metavar="SLUG", help="The group's city.")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Last day the invite code works (until the end of that day, UTC).")
@with_appcontext
@english
def groups_create_command(name: str, city_slug: str, expires) -> None:
    """Create a group; print only its new invite code."""
    city = city_or_fail(city_slug)
    with clear_errors(service.GroupError):
        group = service.create_group(site(), name, city, expires.date() if expires else None)
    click.echo(group.invite_code)


@groups_command.command("list")
@with_appcontext
@english
def groups_list_command() -> None:
    """List groups, one a line: code, city, status, last day, photos, name (tab-separated)."""
    for group, photos in service.list_groups(site()):
        if not group.active:
            status = "off"
        elif not group.accepts_uploads():
            status = "expired"
        else:
            status = "open"
        day = service.last_day(group)
        click.echo("\t".join([group.invite_code, group.city.slug, status,
                              day.isoformat() if day else "-", str(photos), group.name]))


def _switch_group(code: str, active: bool) -> None:
    with clear_errors(service.GroupError):
        group = service.set_active(site(), code, active)
    click.echo(f"{group.invite_code}\t{'on' if active else 'off'}")


@groups_command.command("disable")
@click.argument("code")
@with_appcontext
@english
def groups_disable_command(code: str) -> None:
    """Switch a group's invite code off: it accepts no more photos."""
    _switch_group(code, False)


@groups_command.command("enable")
@click.argument("code")
@with_appcontext
@english
def groups_enable_command(code: str) -> None:
    """Switch a group's invite code on again."""
    _switch_group(code, True)


@click.group("cities")
def cities_command() -> None:
    """List and add cities."""


@cities_command.command("add")
@click.argument("slug")
@click.option("--en", "name_en", required=True, metavar="NAME", help="Name in English.")
@click.option("--ru", "name_ru", required=True, metavar="NAME", help="Name in Russian.")
@click.option("--home", type=click.Choice(["en", "ru"]), default="en", show_default=True,
              help="Language of the city's own script; its name comes first on labels.")
@with_appcontext
@english
def cities_add_command(slug: str, name_en: str, name_ru: str, home: str) -> None:
    """Add a city with its names in English and Russian."""
    with clear_errors(service.GroupError):
        city = service.add_city(site(), slug, name_en, name_ru, home)
    click.echo(f"{city.slug}\t{city.bilingual()}")


@cities_command.command("list")
@with_appcontext
@english
def cities_list_command() -> None:
    """List cities, one a line: slug, English, Russian, home language (tab-separated)."""
    for city in service.list_cities(site()):
        click.echo("\t".join([city.slug, city.name_en, city.name_ru, city.home_language]))
