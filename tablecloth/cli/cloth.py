"""Exporting the cloth to print files and preflighting files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
from flask.cli import with_appcontext

from .. import context, printers
from ..errors import Refusal
from ..layout import DESIGNS
from ..render import FORMATS, PPI_CHOICES, format_for_file, format_named
from ..services.cloth import editions, export_notes, exports
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


class PrinterName(click.ParamType):
    """A printer preset, looked up in ``printers.PRINTERS`` when the command runs."""

    name = "printer"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "|".join(printers.PRINTERS)

    def convert(self, value, param, ctx):
        try:
            return printers.printer_named(value).name
        except Refusal as refusal:
            self.fail(str(refusal), param, ctx)


@click.command("export")
@click.option("--printer", type=PrinterName(),
              help="A printer preset (see `tablecloth printers`): its formats, settings and "
              "limits; long panels are split to fit.")
@click.option("--size", callback=_size, metavar="WxH",
              help="Finished cloth size in millimetres, e.g. 1800x1800 (default: the cloth's).")
@click.option("--module-mm", type=float, help="Size of one QR module in millimetres.")
@click.option("--design", type=click.Choice(list(DESIGNS)),
              help="The cloth's design and its colours (default: the cloth's).")
@click.option("--format", "formats", multiple=True, type=FormatName(several=True),
              help="File format; repeat or separate with commas.  [default: pdf]")
@click.option("--ppi", type=click.Choice([str(ppi) for ppi in PPI_CHOICES]),
              help=f"Resolution of PNG, TIFF and JPEG files.  [default: {PPI_CHOICES[0]}, "
              "or the printer preset's]")
@click.option("--out", type=click.Path(), help="Write the file(s) here: a folder, or a file "
              "name when exporting one format.")
@click.option("--draft", is_flag=True, help="Allow a non-public base URL; files say DRAFT.")
@with_appcontext
def export_command(printer, size, module_mm, design, formats, ppi, out, draft) -> None:
    """Export the current cloth to print files and preflight every code in them."""
    site = context.site()
    # A preset's settings (roll width, bleed, shrink) apply to this export; options win.
    overrides = dict(printers.printer_named(printer).defaults) if printer else {}
    if size is not None:
        overrides["width_mm"], overrides["height_mm"] = size
    if module_mm is not None:
        overrides["module_mm"] = module_mm
    if design is not None:
        overrides.update({**DESIGNS[design].defaults, "design": design})
    chosen = [name for names in formats for name in names] or ([] if printer else ["pdf"])
    with clear_errors(Refusal):
        cloth = editions.current_cloth(site)
        export = exports.new_export(site, cloth, chosen, ppi=ppi, draft=draft,
                                    overrides=overrides, printer=printer)
    # Warnings are said once, in the summary after the export.
    with Bar(f"Edition {cloth.edition}") as bar:
        export = exports.run_export(site, export, progress=bar)
    click.echo(export_notes.summary(export))
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
        click.echo(f"{entry['format']:5} {entry['size']:>11,} bytes  sha256 {entry['sha256']}  "
                   f"{where}")
    click.echo(f"Export {export.id}: {export.status}")
    if export.status != "done":
        raise click.ClickException(export_notes.message(export))


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
        if panel is not None:  # a panel's own raster that is not, byte for byte, as exported
            entry = {**(entry or {}), "options": {"panel": panel - 1}}
        report = exports.verify_file(data, fmt, export, progress=bar, entry=entry)
    click.echo(f"Export {export.id}, edition {export.cloth.edition}, {fmt.upper()}, "
               f"sha256 {digest}")
    click.echo(report.summary())
    if not report.ok:
        raise click.ClickException("Preflight FAILED: do not print this file.")
    click.echo("Preflight passed.")


@click.command("printers")
def printers_command() -> None:
    """List the printer presets: what each takes, its settings and limits."""
    for preset in printers.PRINTERS.values():
        click.echo(f"{preset.name}\t{preset.label}")
        click.echo(f"  {preset.summary}")
        facts = [f"formats {', '.join(f.upper() for f in preset.formats)}"]
        if preset.ppi:
            facts.append(f"{'/'.join(str(p) for p in preset.ppi)} ppi, sRGB")
        if preset.max_roll_mm:
            facts.append(f"roll {preset.min_roll_mm:g}-{preset.max_roll_mm:g} mm")
        if preset.min_bleed_mm is not None:
            facts.append(f"bleed {preset.min_bleed_mm:g}-{preset.max_bleed_mm:g} mm")
        if preset.max_length_mm:
            facts.append(f"a file at most {preset.max_length_mm / 1000:g} m long")
        if preset.max_side_px:
            facts.append(f"at most {preset.max_side_px:,} px a side")
        if preset.max_file_bytes:
            facts.append(f"at most {preset.max_file_bytes / 1e6:g} MB a file")
        if preset.pdfx:
            facts.append("PDF/X-4, sRGB output intent")
        if preset.paper:
            facts.append(f"{preset.paper.upper()} sheets at 1:1")
        if preset.defaults:
            facts.append("sets " + ", ".join(f"{k} {v:g}" for k, v in preset.defaults.items()))
        click.echo("  " + "; ".join(facts))
