"""Exporting the cloth to print files and preflighting files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
from flask.cli import with_appcontext

from .. import context
from ..errors import Refusal
from ..render import FORMATS, PPI_CHOICES, format_for_file, format_named
from ..services.cloth import editions, exports
from .common import Bar, clear_errors


class FormatName(click.ParamType):
    """A print format, looked up in the registry when the command runs; several with commas."""

    name = "format"

    def __init__(self, several: bool = False) -> None:
        self.several = several

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "|".join(FORMATS)

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        names = [n for n in str(value).split(",") if n.strip()] if self.several else [value]
        try:
            found = [format_named(name).name for name in names]
        except Refusal as refusal:
            self.fail(str(refusal), param, ctx)
        return found if self.several else found[0]

    def shell_complete(self, ctx, param, incomplete):
        from click.shell_completion import CompletionItem

        return [CompletionItem(name) for name in FORMATS if name.startswith(incomplete)]


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
@click.option("--format", "formats", multiple=True, type=FormatName(several=True),
              help="File format; repeat or separate with commas.  [default: pdf]")
@click.option("--ppi", type=click.Choice([str(ppi) for ppi in PPI_CHOICES]),
              default=str(PPI_CHOICES[0]), show_default=True,
              help="Resolution of PNG and TIFF files.")
@click.option("--out", type=click.Path(), help="Write the file(s) here: a folder, or a file "
              "name when exporting one format.")
@click.option("--draft", is_flag=True, help="Allow a non-public base URL; files say DRAFT.")
@with_appcontext
def export_command(size, module_mm, formats, ppi, out, draft) -> None:
    """Export the current cloth to print files and preflight every code in them."""
    site = context.site()
    overrides = {}
    if size is not None:
        overrides["width_mm"], overrides["height_mm"] = size
    if module_mm is not None:
        overrides["module_mm"] = module_mm
    chosen = [name for names in formats for name in names] or ["pdf"]
    with clear_errors(Refusal):
        cloth = editions.current_cloth(site)
        export = exports.new_export(site, cloth, chosen, ppi=int(ppi), draft=draft,
                                    overrides=overrides)
    # Warnings are said once, in the summary after the export.
    with Bar(f"Edition {cloth.edition}") as bar:
        export = exports.run_export(site, export, progress=bar)
    click.echo(exports.summary(export))
    targets = []
    if out:
        target = Path(out)
        single = len(export.files) == 1 and not target.is_dir() and target.suffix
        for entry in export.files:
            path = target if single else target / entry["name"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(site.store.get(entry["key"]))
            targets.append((entry, str(path)))
    else:
        targets = [(entry, f"storage:{entry['key']}") for entry in export.files]
    for entry, where in targets:
        shown = entry["format"] + (f" {entry['panel']}" if entry.get("panel") else "")
        click.echo(f"{shown:7} {entry['size']:>11,} bytes  sha256 {entry['sha256']}  {where}")
    click.echo(f"Export {export.id}: {export.status}")
    if export.status != "done":
        raise click.ClickException(exports.message(export))


@click.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--export", "export_id", type=int,
              help="The export that made the file (default: found by the file's SHA-256).")
@click.option("--format", "fmt", type=FormatName(),
              help="The file's format (default: from its extension).")
@click.option("--panel", type=click.IntRange(min=1),
              help="The file is one panel's raster, counted from 1 (default: as exported).")
@with_appcontext
def verify_command(file, export_id, fmt, panel) -> None:
    """Preflight an exported file: decode every code and compare it with the cloth's plan."""
    site = context.site()
    data = Path(file).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if export_id is not None:
        export = exports.export_by_id(site, export_id)
        if export is None:
            raise click.ClickException(f"No export {export_id}.")
        entry = next((e for e in export.files or [] if e.get("sha256") == digest), None)
    else:
        found = exports.export_for_sha256(site, digest)
        if found is None:
            raise click.ClickException(
                f"No export produced a file with SHA-256 {digest}; it was changed after "
                "export or comes from elsewhere. Name its export with --export ID.")
        export, entry = found
    fmt = fmt or (entry or {}).get("format") or getattr(format_for_file(file), "name", None)
    if fmt is None:
        raise click.ClickException("Cannot tell the file's format; give --format.")
    if entry is None:
        click.echo(f"Note: this file's SHA-256 {digest} is not one export {export.id} "
                   "produced; checking it against that export's plan anyway.", err=True)
    with clear_errors(Refusal), Bar("Checking") as bar:
        report = exports.verify_file(data, fmt, export, progress=bar,
                                     panel=panel or (entry or {}).get("panel"))
    click.echo(f"Export {export.id}, edition {export.cloth.edition}, {fmt.upper()}, "
               f"sha256 {digest}")
    click.echo(report.summary())
    if not report.ok:
        raise click.ClickException("Preflight FAILED: do not print this file.")
    click.echo("Preflight passed.")
