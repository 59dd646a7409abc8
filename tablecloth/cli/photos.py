"""Importing photos and moderating them by code."""

from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from ..codes import normalise
from ..context import site
from ..services import groups as group_service
from ..services import moderation, uploads
from .common import city_or_fail, english


def _not_importable(path: str, limit: int) -> str | None:
    """Return why a path cannot be read as a photo (reason: words), before reading it."""
    if os.path.isdir(path):
        return "not_a_file: a folder, not a file; name the files"
    if not os.path.isfile(path):
        return "not_a_file: no such file"
    if os.path.getsize(path) > limit:
        return f"too_large: larger than {limit:,} bytes"
    return None


@click.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--city", "city_slug", required=True, metavar="SLUG", help="The photos' city.")
@click.option("--name", "first_name", required=True,
              help="The author's first name or nickname (never a full name).")
@click.option("--caption", default="", help="Caption for every photo.")
@click.option("--group", "group_code", metavar="CODE", help="Invite code of the photos' group.")
@click.option("--age", "age_band", type=click.Choice(["under13", "13-15", "16-17", "18+"]),
              help="The author's age band (needed unless --approve).")
@click.option("--consent", is_flag=True, help="You hold the author's own consent.")
@click.option("--guardian-consent", is_flag=True, help="You hold a parent's or guardian's consent.")
@click.option("--approve", is_flag=True,
              help="Publish at once (you hold every consent needed); otherwise pending review.")
@with_appcontext
@english
def import_command(paths, city_slug, first_name, caption, group_code, age_band, consent,
                   guardian_consent, approve) -> None:
    """Import photo files through the upload pipeline; print CODE<TAB>PATH for each."""
    city = city_or_fail(city_slug)
    group = None
    if group_code:
        group = group_service.find_group(site(), group_code)
        if group is None:
            raise click.BadParameter(f"no group has the invite code {group_code!r}.",
                                     ctx=click.get_current_context(), param_hint="--group")
    language = uploads.guess_language(caption, city.home_language)
    limit = site().settings["MAX_UPLOAD_BYTES"]
    refused = 0
    for path in paths:
        try:
            problem = _not_importable(path, limit)
            if problem is not None:
                refused += 1
                click.echo(f"{path}: {problem}", err=True)
                continue
            with open(path, "rb") as source:
                data = source.read()
            result = uploads.accept_upload(
                site(), data, city=city, first_name=first_name, caption=caption,
                caption_language=language, group=group, age_band=age_band,
                consent_self=consent, consent_guardian=guardian_consent, approve=approve,
            )
        except uploads.UploadRefused as exc:
            refused += 1
            click.echo(f"{path}: {exc.reason}: {exc}", err=True)
        except OSError as exc:
            refused += 1
            click.echo(f"{path}: unreadable: {exc.strerror or exc}", err=True)
        else:
            click.echo(f"{result.photo.code}\t{path}")
    if refused:
        click.get_current_context().exit(1)


def _moderate_codes(raw_codes, action: str, past: str) -> None:
    failed = 0
    for raw in raw_codes:
        photo = moderation.find_photo(site(), raw)
        if photo is None:
            failed += 1
            reason = "invalid code" if normalise(raw) is None else "no such photo"
            click.echo(f"{raw}: {reason}", err=True)
            continue
        try:
            getattr(moderation, action)(site(), photo)
        except moderation.ModerationError as exc:
            failed += 1
            click.echo(f"{raw}: {exc}", err=True)
        else:
            click.echo(f"{photo.code}\t{past}")
    if failed:
        click.get_current_context().exit(1)


@click.command("approve")
@click.argument("codes", nargs=-1, required=True, metavar="CODE...")
@with_appcontext
@english
def approve_command(codes) -> None:
    """Approve photos by code (any case): they appear at /P/CODE."""
    _moderate_codes(codes, "approve", "approved")


@click.command("withdraw")
@click.argument("codes", nargs=-1, required=True, metavar="CODE...")
@with_appcontext
@english
def withdraw_command(codes) -> None:
    """Withdraw photos by code (any case): their pages then say so (410)."""
    _moderate_codes(codes, "withdraw", "withdrawn")

