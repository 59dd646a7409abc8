"""An export in the organiser's words and language: its progress, preflight and file sizes."""

from __future__ import annotations

from flask_babel import format_decimal, gettext, ngettext
from markupsafe import Markup, escape

from ...models import Export
from ...render import FORMATS
from ...services.cloth import export_notes, preflight
from ..messages import say

KB, MB = 1024, 1024 * 1024


def file_size(size: int | None) -> str:
    """Return a file's size in kilobytes or megabytes, as the reader writes numbers."""
    size = int(size or 0)
    if size < MB:
        return gettext("%(size)s KB", size=format_decimal(max(1, round(size / KB))))
    return gettext("%(size)s MB", size=format_decimal(size / MB, format="#,##0.#"))


def status_message(export: Export) -> str:
    """Return what the export is doing, or how it ended, in one sentence."""
    reason = export_notes.status_reason(export)
    if reason == "export_failed_preflight":
        return say("export_failed_codes")  # the codes are listed on the page, in words
    if technical_error(export):
        return say("export_broke")  # the server's own words go under Details
    return export_notes.message(export, say, steps=False)


def technical_error(export: Export) -> str:
    """Return the server's own words for an error that stopped the export, if any.

    A refusal that stopped it is stored as its own reason, said in the reader's language.
    """
    note = export_notes.status_note(export)
    if note.get("reason") != "export_stopped":
        return ""
    return str((note.get("detail") or {}).get("error") or "")


def kind_name(fmt: str) -> str:
    """Return how pages name a format: its kind for sheets for people, else its name."""
    known = FORMATS.get(fmt)
    if known is not None and known.proof:
        return gettext("Proof sheet")
    if fmt == "sheets":
        return gettext("Office test print")
    return fmt.upper()


def format_name(result: preflight.FormatResult) -> str:
    """Return how the page names a checked file: its format or kind, and its piece if any."""
    name = kind_name(result.name)
    if result.panel:
        name = gettext("%(file)s, panel %(n)d of %(count)d", file=name, n=result.panel[0],
                       count=result.panel[1])
    if result.length:
        name = gettext("%(file)s, length %(n)d of %(count)d", file=name, n=result.length[0],
                       count=result.length[1])
    return name


def file_type(result: preflight.FormatResult) -> str:
    """Return the kind of file a result is about, as its type is written: PDF, PNG, TIFF."""
    known = FORMATS.get(result.name)
    extension = known.extension if known is not None else result.name
    return {"tif": "TIFF", "jpg": "JPEG"}.get(extension, extension.upper())


def result_lines(result: preflight.FormatResult) -> list[str]:
    """Return what preflight found in one file, as sentences."""
    n, name = result.expected, file_type(result)
    if result.whole_page:
        found = (ngettext("The one code on the proof sheet leads to its photo.",
                          "All %(num)d codes on the proof sheet lead to their photos.", n)
                 if result.ok else
                 ngettext("%(failed)s of %(num)d code on the proof sheet does not lead to "
                          "its photo.",
                          "%(failed)s of %(num)d codes on the proof sheet do not lead to "
                          "their photos.", n, failed=format_decimal(result.failed)))
        return [found, gettext("The proof sheet was read page by page.")]
    found = (ngettext("The one code in the %(format)s file leads to its photo.",
                      "All %(num)d codes in the %(format)s file lead to their photos.", n,
                      format=name)
             if result.ok else
             ngettext("%(failed)s of %(num)d code in the %(format)s file does not lead to "
                      "its photo.",
                      "%(failed)s of %(num)d codes in the %(format)s file do not lead to "
                      "their photos.", n, format=name, failed=format_decimal(result.failed)))
    return [
        found,
        gettext("Each code was cut out of the file and read on its own, at %(px)s pixels "
                "per module.", px=format_decimal(result.px_per_module, format="#,##0.#")),
        gettext("Smallest module %(mm)s mm, contrast %(ratio)s:1; phones read the codes from "
                "about %(cm)s cm.", mm=format_decimal(result.min_module_mm, format="#,##0.##"),
                ratio=format_decimal(result.contrast, format="#,##0.#"),
                cm=format_decimal(result.scan_distance_cm)),
        *colour_lines(result),
    ]


def colour_lines(result: preflight.FormatResult) -> list[Markup]:
    """Return the contrast of each colour the design prints, as preflight re-checked it.

    Colours are shown as code (``<code>#7d1d2b</code>``): they are values, not words.
    """
    if not result.colour_pairs:
        return []
    one = Markup(escape(gettext("%(role)s %(ink)s on %(ground)s, %(ratio)s:1")))
    pairs = Markup("; ").join(
        one % {"role": gettext(p["words"]), "ink": Markup("<code>%s</code>") % p["ink"],
               "ground": Markup("<code>%s</code>") % p["ground"],
               "ratio": format_decimal(p["ratio"], format="#,##0.#")}
        for p in result.colour_pairs)
    return [Markup(escape(gettext(
        "Colours, each checked against the least contrast of 7:1: %(pairs)s."))) % {
            "pairs": pairs}]


def problem(failure: preflight.Failure) -> str:
    """Return what is wrong with one code, in a few words."""
    if failure.problem == "missing":
        return gettext("no code found here")
    if failure.problem == "unreadable":
        return gettext("a code is there but cannot be read")
    if failure.problem == "wrong_url":
        return gettext("leads to another address: %(url)s", url=failure.value)
    if failure.problem == "several":
        return ngettext("%(num)d codes in one square", "%(num)d codes in one square",
                        int(failure.value or 2))
    if failure.problem == "not_planned":
        return gettext("a code that is not on the cloth")
    if failure.problem == "listed":
        return ngettext("listed %(num)d time", "listed %(num)d times", int(failure.value or 2))
    return failure.value  # verify's own words for a problem not known here


def place(failure: preflight.Failure) -> str:
    """Return where a failing code is printed: panel, row and square from the left."""
    if failure.row is None:
        return ""
    return gettext("panel %(panel)d, row %(row)d, square %(column)d from the left",
                   panel=failure.panel, row=failure.row, column=failure.square)


def warning_lines(export: Export) -> list[str]:
    """Return the layout's warnings for the exported plan, in the reader's language."""
    return [say(reason, detail) for reason, detail in preflight.warnings(export)]


def summary(export: Export) -> str:
    """Return the whole preflight report as lines of text, for the status JSON."""
    lines = [status_message(export)]
    for result in preflight.results(export):
        lines += [f"{format_name(result)}: {line}" for line in result_lines(result)
                  if not isinstance(line, Markup)]  # colours: the page's list shows them
        if result.colour_pairs:
            lines.append(f"{format_name(result)}: " + gettext(
                "Contrast of each colour: %(pairs)s.", pairs="; ".join(
                    f"{gettext(p['words'])} {format_decimal(p['ratio'], format='#,##0.#')}:1"
                    for p in result.colour_pairs)))
        lines += [f"  {f.code} {place(f)}: {problem(f)}" for f in result.failures[:50]]
    lines += warning_lines(export)
    return "\n".join(line for line in lines if line)
