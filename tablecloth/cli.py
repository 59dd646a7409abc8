"""The `tablecloth` command: the same services as the web pages, for organisers and scripts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


@contextmanager
def _clear_errors(*exception_types: type[Exception]) -> Iterator[None]:
    """Show these errors as click's one-line "Error: ..." (exit status 1), without a traceback."""
    try:
        yield
    except exception_types as exc:
        raise click.ClickException(str(exc)) from None


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
    app.cli.add_command(migrate_storage_command)
    for command in (create_organiser_command, invite_command, groups_command, cities_command,
                    import_command, approve_command, withdraw_command):
        app.cli.add_command(command)
    app.cli.add_command(export_command)
    app.cli.add_command(verify_command)
    for command in (archive_command, restore_command, check_command):
        app.cli.add_command(command)
    app.cli.add_command(purge_command)


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
    from . import create_app, server

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
    from pathlib import Path

    from . import db
    from .config import ConfigError
    from .services import migrate_storage
    from .storage import StorageError, storage

    with _clear_errors(ConfigError, StorageError, migrate_storage.MigrationError):
        target = migrate_storage.target_config(
            Path(target_file) if target_file else None,
            {"DATABASE_URL": to_database_url, "STORAGE": to_storage,
             "UPLOADS_DIR": to_uploads_dir, "S3_BUCKET": to_s3_bucket,
             "S3_ENDPOINT_URL": to_s3_endpoint_url, "S3_REGION": to_s3_region},
        )
        report = migrate_storage.migrate(db.engine(), storage(), target, resume=resume,
                                         jobs=jobs, echo=click.echo)
    click.echo(f"Files: {report.files_copied} copied, {report.files_present} already there. "
               f"Rows: {sum(report.rows_copied.values())} copied, "
               f"{sum(report.rows_present.values())} already there.")
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if report.problems:
        raise click.ClickException(
            f"{len(report.problems)} problems; fix them and run again with --resume")
    click.echo("Done. Point TABLECLOTH_DATABASE_URL and the storage settings at the target.")


class _Bar:
    """Progress on a terminal: a bar when stdout is a tty, nothing in scripts and logs."""

    def __init__(self, label: str) -> None:
        import sys

        self.tty = sys.stdout.isatty()
        self.bar = click.progressbar(length=1000, label=label, width=30) if self.tty else None
        self.done = 0

    def __enter__(self):
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def __call__(self, fraction: float, message: str = "") -> None:
        if self.bar is None:
            return
        target = int(max(0.0, min(1.0, fraction)) * 1000)
        self.bar.label = (message or "")[:40].ljust(40)
        if target > self.done:
            self.bar.update(target - self.done)
            self.done = target


def _size(_ctx, _param, value: str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        width, height = (float(part) for part in value.lower().replace("×", "x").split("x"))
    except ValueError:
        raise click.BadParameter("expected WIDTHxHEIGHT in millimetres, e.g. 1800x1800") from None
    if width <= 0 or height <= 0:
        raise click.BadParameter("width and height must be more than 0 mm")
    return width, height


@click.command("export")
@click.option("--size", callback=_size, metavar="WxH",
              help="Finished cloth size in millimetres, e.g. 1800x1800 (default: the cloth's).")
@click.option("--module-mm", type=float, help="Size of one QR module in millimetres.")
@click.option("--format", "formats", multiple=True, metavar="pdf|svg|png|tiff|proof",
              help="File format; repeat or separate with commas.  [default: pdf]")
@click.option("--ppi", type=click.Choice(["150", "300"]), default="150", show_default=True,
              help="Resolution of PNG and TIFF files.")
@click.option("--out", type=click.Path(), help="Write the file(s) here: a folder, or a file "
              "name when exporting one format.")
@click.option("--draft", is_flag=True, help="Allow a non-public base URL; files say DRAFT.")
@with_appcontext
def export_command(size, module_mm, formats, ppi, out, draft) -> None:
    """Export the current cloth to print files and preflight every code in them."""
    import dataclasses
    from pathlib import Path

    from flask_babel import force_locale

    from .services import cloth as service
    from .storage import storage

    overrides = {}
    if size is not None:
        overrides["width_mm"], overrides["height_mm"] = size
    if module_mm is not None:
        overrides["module_mm"] = module_mm
    with force_locale("en"):
        with _clear_errors(service.ClothError):
            cloth = service.current_cloth()
            warnings = service.check_settings(
                dataclasses.asdict(service.settings_of(cloth, **overrides)))
            export = service.new_export(cloth, formats or ["pdf"], ppi=int(ppi), draft=draft,
                                        overrides=overrides)
        for warning in warnings:
            click.echo(f"Warning: {warning}", err=True)
        with _Bar(f"Edition {cloth.edition}") as bar:
            export = service.run_export(export, progress=bar)
    click.echo(export.report.get("summary") or export.message)
    targets = []
    if out:
        target = Path(out)
        single = len(export.files) == 1 and not target.is_dir() and target.suffix
        for entry in export.files:
            path = target if single else target / entry["name"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(storage().get(entry["key"]))
            targets.append((entry, str(path)))
    else:
        targets = [(entry, f"storage:{entry['key']}") for entry in export.files]
    for entry, where in targets:
        click.echo(f"{entry['format']:5} {entry['size']:>11,} bytes  sha256 {entry['sha256']}  "
                   f"{where}")
    click.echo(f"Export {export.id}: {export.status}")
    if export.status != "done":
        raise click.ClickException(export.message)


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--export", "export_id", type=int,
              help="The export that made the file (default: found by the file's SHA-256).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "svg", "png", "tiff", "proof"]),
              help="The file's format (default: from its extension).")
@with_appcontext
def verify_command(file, export_id, fmt) -> None:
    """Preflight an exported file: decode every code and compare it with the cloth's plan."""
    import hashlib
    from pathlib import Path

    from flask_babel import force_locale

    from .services import cloth as service

    data = Path(file).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with force_locale("en"):
        if export_id is not None:
            export = service.export_by_id(export_id)
            if export is None:
                raise click.ClickException(f"No export {export_id}.")
            entry = next((e for e in export.files or [] if e.get("sha256") == digest), None)
        else:
            found = service.export_for_sha256(digest)
            if found is None:
                raise click.ClickException(
                    f"No export produced a file with SHA-256 {digest}; it was changed after "
                    "export or comes from elsewhere. Name its export with --export ID.")
            export, entry = found
        fmt = fmt or (entry or {}).get("format") or service.guess_format(file)
        if fmt not in (*service.VERIFIED_FORMATS, "proof"):
            raise click.ClickException("Cannot tell the file's format; give --format.")
        if entry is None:
            click.echo(f"Note: this file's SHA-256 {digest} is not one export {export.id} "
                       "produced; checking it against that export's plan anyway.", err=True)
        if fmt == "proof":
            checked = service.check_proof(data, service.export_plan(export))
            ok, summary = checked["ok"], "\n".join([checked["summary"],
                                                     *checked["failing_cells"]])
        else:
            with _Bar("Checking") as bar:
                result = service.verify_file(data, fmt, export, progress=bar)
            ok, summary = result.ok, result.summary()
    click.echo(f"Export {export.id}, edition {export.cloth.edition}, {fmt.upper()}, "
               f"sha256 {digest}")
    click.echo(summary)
    if not ok:
        raise click.ClickException("Preflight FAILED: do not print this file.")
    click.echo("Preflight passed.")


# Organiser commands: accounts, groups, cities, importing and moderating photos.


def _english(command):
    """Run a command's messages in English: a terminal has no browser to ask."""
    import functools

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        from flask_babel import force_locale

        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapped


def _city_or_fail(slug: str, param: str = "--city"):
    """Return the city with this slug, or stop with a usage error listing the known ones."""
    from .services import groups as service

    city = service.city_by_slug(slug)
    if city is None:
        known = ", ".join(c.slug for c in service.list_cities()) or "none yet"
        raise click.BadParameter(f"unknown city {slug!r}; known cities: {known}.",
                                 ctx=click.get_current_context(), param_hint=param)
    return city


@click.command("create-organiser")
@click.argument("email")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts).")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="admin",
              show_default=True, help="admin: everything; moderator: cannot add cities.")
@with_appcontext
@_english
def create_organiser_command(email: str, password_stdin: bool, role: str) -> None:
    """Create an organiser account that can log in at /organiser/login."""
    from .services import accounts

    with _clear_errors(accounts.AccountError):
        email = accounts.normalise_email(email)
        if accounts.find_organiser(email) is not None:
            raise accounts.AccountError(f"An organiser with the e-mail {email} already exists.")
    if password_stdin:
        import sys

        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _clear_errors(accounts.AccountError):
        person = accounts.create_organiser(email, password, role)
    click.echo(f"Organiser {person.email} ({person.role.value}) created.")


@click.command("invite")
@click.option("--role", type=click.Choice(["admin", "moderator"]), default="moderator",
              show_default=True, help="Role of the account the link creates.")
@click.option("--note", default="", help="A note for admins (who the link is for).")
@with_appcontext
@_english
def invite_command(role: str, note: str) -> None:
    """Print a one-time invitation link (valid 7 days) for a new organiser account."""
    from flask import current_app

    from .services import accounts

    with _clear_errors(accounts.AccountError):
        _invitation, token = accounts.create_invitation(role, note)
    base = (current_app.config.get("PUBLIC_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
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
@_english
def groups_create_command(name: str, city_slug: str, expires) -> None:
    """Create a group; print only its new invite code."""
    from .services import groups as service

    city = _city_or_fail(city_slug)
    with _clear_errors(service.GroupError):
        group = service.create_group(name, city, expires.date() if expires else None)
    click.echo(group.invite_code)


@groups_command.command("list")
@with_appcontext
@_english
def groups_list_command() -> None:
    """List groups, one a line: code, city, status, last day, photos, name (tab-separated)."""
    from .services import groups as service

    for group, photos in service.list_groups():
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
    from .services import groups as service

    with _clear_errors(service.GroupError):
        group = service.set_active(code, active)
    click.echo(f"{group.invite_code}\t{'on' if active else 'off'}")


@groups_command.command("disable")
@click.argument("code")
@with_appcontext
@_english
def groups_disable_command(code: str) -> None:
    """Switch a group's invite code off: it accepts no more photos."""
    _switch_group(code, False)


@groups_command.command("enable")
@click.argument("code")
@with_appcontext
@_english
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
@_english
def cities_add_command(slug: str, name_en: str, name_ru: str, home: str) -> None:
    """Add a city with its names in English and Russian."""
    from .services import groups as service

    with _clear_errors(service.GroupError):
        city = service.add_city(slug, name_en, name_ru, home)
    click.echo(f"{city.slug}\t{city.bilingual()}")


@cities_command.command("list")
@with_appcontext
@_english
def cities_list_command() -> None:
    """List cities, one a line: slug, English, Russian, home language (tab-separated)."""
    from .services import groups as service

    for city in service.list_cities():
        click.echo("\t".join([city.slug, city.name_en, city.name_ru, city.home_language]))


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
@_english
def import_command(paths, city_slug, first_name, caption, group_code, age_band, consent,
                   guardian_consent, approve) -> None:
    """Import photo files through the upload pipeline; print CODE<TAB>PATH for each."""
    import os

    from flask import current_app

    from .services import groups as group_service
    from .services import uploads

    city = _city_or_fail(city_slug)
    group = None
    if group_code:
        group = group_service.find_group(group_code)
        if group is None:
            raise click.BadParameter(f"no group has the invite code {group_code!r}.",
                                     ctx=click.get_current_context(), param_hint="--group")
    language = uploads.guess_language(caption, city.home_language)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    refused = 0
    for path in paths:
        try:
            if os.path.isdir(path):
                raise uploads.UploadRefused("not_a_file", "a folder, not a file; name the files")
            if not os.path.isfile(path):
                raise uploads.UploadRefused("not_a_file", "no such file")
            if os.path.getsize(path) > limit:
                raise uploads.UploadRefused("too_large", f"larger than {limit:,} bytes")
            with open(path, "rb") as source:
                data = source.read()
            result = uploads.accept_upload(
                data, city=city, first_name=first_name, caption=caption,
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
    from .codes import normalise
    from .services import moderation

    failed = 0
    for raw in raw_codes:
        photo = moderation.find_photo(raw)
        if photo is None:
            failed += 1
            reason = "invalid code" if normalise(raw) is None else "no such photo"
            click.echo(f"{raw}: {reason}", err=True)
            continue
        try:
            getattr(moderation, action)(photo)
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
@_english
def approve_command(codes) -> None:
    """Approve photos by code (any case): they appear at /P/CODE."""
    _moderate_codes(codes, "approve", "approved")


@click.command("withdraw")
@click.argument("codes", nargs=-1, required=True, metavar="CODE...")
@with_appcontext
@_english
def withdraw_command(codes) -> None:
    """Withdraw photos by code (any case): their pages then say so (410)."""
    _moderate_codes(codes, "withdraw", "withdrawn")


# End of organiser commands.


# Archive and fixity: the bag that outlives the app, and `check`.


@click.command("archive")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder to write the BagIt bag to; must not exist yet or be empty.")
@with_appcontext
@_english
def archive_command(out: str) -> None:
    """Write every photo, city, group, cloth and export to a BagIt bag (SHA-256 manifests)."""
    from pathlib import Path

    from .services import archive

    with _clear_errors(archive.ArchiveError):
        report = archive.write_bag(Path(out))
    click.echo(report.summary())
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if report.problems:
        raise click.ClickException(
            f"{len(report.problems)} files could not be archived intact; "
            "run `tablecloth check` to see why")


@click.command("restore")
@click.argument("bag", type=click.Path(exists=True))
@with_appcontext
@_english
def restore_command(bag: str) -> None:
    """Recreate a site from an archive (a bag folder or its .zip) in an empty instance."""
    from pathlib import Path

    from .services import archive

    with _clear_errors(archive.ArchiveError):
        report = archive.restore(Path(bag))
    click.echo(report.summary())


@click.command("check")
@click.option("--repair", is_flag=True,
              help="Quarantine stray files, remake lost or damaged web copies and thumbnails "
              "from their masters. Masters are never touched.")
@click.option("--grace", "grace_s", default=10.0, show_default=True,
              type=click.FloatRange(0, 3600),
              help="Seconds to wait before moving strays, so an upload finishing is not one.")
@with_appcontext
@_english
def check_command(repair: bool, grace_s: float) -> None:
    """Verify every stored file against its recorded SHA-256 and size; exit 1 on problems."""
    from .services import fixity

    report = fixity.check(repair=repair, grace_s=grace_s, echo=click.echo)
    for problem in report.problems:
        click.echo(problem.line())
    click.echo(report.summary())
    if report.remaining:
        click.get_current_context().exit(1)


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted.")
@click.option("--days", type=click.IntRange(0), default=None,
              help="Age in days instead of TABLECLOTH_RETENTION_DAYS.")
@with_appcontext
@_english
def purge_command(dry_run: bool, days: int | None) -> None:
    """Delete the files of photos withdrawn or rejected long ago; their codes stay reserved."""
    from flask import current_app

    from .services import retention

    days = current_app.config["RETENTION_DAYS"] if days is None else days
    purged = retention.purge(days, dry_run=dry_run)
    verb = "would purge" if dry_run else "purged"
    for entry in purged:
        click.echo(f"{verb} {entry.code} ({entry.state} {entry.since:%Y-%m-%d}): "
                   f"{len(entry.keys)} files, {entry.size} bytes")
    total = sum(e.size for e in purged)
    click.echo(f"{len(purged)} photos {verb} ({total} bytes), older than {days} days.")
