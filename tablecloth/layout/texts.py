"""The words on the cloth as building blocks: labels, the title block, the visitor's legend.

Each is a ``TextItem`` (or a ``Swatch`` for the city key) placed in finished millimetres,
so every renderer draws the same thing and a later design can restyle one role. Text is
cleaned first (``fonts.clean``): emoji and characters no font has are left out, and the plan
says which, naming the photo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from .fonts import clean
from .geometry import CellSpec, Rect, Swatch, TextItem, TitleBlock
from .settings import ClothSettings, LayoutWarning
from .text import MIN_LABEL_EM_MM, fit_size_mm, text_width_mm

LABEL_BASELINE = 0.72  # of the label box height, from its top
LABEL_EM_OF_BOX = 0.62  # the label's em size as a share of its box height
LINE_SPACING = 1.3  # baseline to baseline, in em


@dataclass(frozen=True)
class Label:
    """What a cell's label prints, how large, and whether it had to go below the minimum."""

    text: str
    size_mm: float
    small: bool


def label_for(spec: CellSpec, box: Rect) -> Label:
    """Return the fullest label that fits the box with capitals at least 2.5 mm tall.

    In turn: "name · City / Город", "name · City" (the city in its own script), the name
    alone (the city is told by the codes' colour and the legend); a name given in both
    scripts ("Аня / Anya") keeps both as long as it can. If even the name is too long, it
    prints at the size that fits, marked small so the organiser is warned.
    """
    name = clean(spec.name).text
    other = clean(spec.name_other).text if spec.name_other else ""
    city = clean(spec.city_label).text
    own = city.split(" / ")[0]
    if name and other and other != name:  # "Аня / Anya": the name in both scripts
        both = f"{name} / {other}"
        candidates = [f"{both} · {city}", f"{both} · {own}", both, name]
    elif name:
        candidates = [f"{name} · {city}", f"{name} · {own}", name]
    else:
        candidates = [city, own]
    max_em = box.h_mm * LABEL_EM_OF_BOX
    width = box.w_mm * 0.96
    for text in dict.fromkeys(candidates):
        size = fit_size_mm(text, width, max_em, bold=True)
        if size >= MIN_LABEL_EM_MM - 1e-9:
            return Label(text, size, False)
    text = candidates[-1]
    return Label(text, fit_size_mm(text, width, max_em, bold=True), True)


def label_item(box: Rect, label: Label) -> TextItem:
    """Return the label's line, centred under its code."""
    return TextItem("label", label.text, box.x_mm + box.w_mm / 2,
                    box.y_mm + box.h_mm * LABEL_BASELINE, label.size_mm, bold=True)


def short_address(urls: Sequence[str]) -> str:
    """Return the site's address as a visitor types it: the host of the printed URLs."""
    for url in urls:
        host = urlsplit(url).hostname
        if host:
            return host.lower()
    return ""


def city_colours(cells: Sequence[CellSpec], settings: ClothSettings) -> dict[str, str]:
    """Return the finder colour of each city's codes: "" (the dark colour) or an accent.

    Cities in order of their short names: the first city's codes get finder patterns in
    ``accent_first`` (plain codes when it is "", as in the plain design), every other
    city's in the accent colour, so a twin-city cloth shows two kinds.
    """
    slugs = sorted({c.city_slug for c in cells})
    if not settings.city_tint or len(slugs) < 2:
        return dict.fromkeys(slugs, "")
    return {slug: (settings.accent_first if i == 0 else settings.accent)
            for i, slug in enumerate(slugs)}


@dataclass(frozen=True)
class _Line:
    role: str
    text: str
    rel: float  # size relative to the title
    bold: bool


def title_block(rect: Rect, settings: ClothSettings, cells: Sequence[CellSpec],
                colours: dict[str, str]) -> tuple[TitleBlock, list[TextItem], list[Swatch],
                                                  list[LayoutWarning]]:
    """Return the title block: title, subtitle, the visitor's legend, address and city key.

    Lines are stacked and centred in the block, sized together: the title as large as the
    block allows (at most 30 % of its height), the rest in proportion to it.
    """
    s = settings
    title, subtitle = clean(s.title).text, clean(s.subtitle).text
    if rect.w_mm <= 0:
        return TitleBlock(rect, title, subtitle, 0.0, 0.0), [], [], []
    lines = [_Line("title", title, 1.0, True)]
    if subtitle:
        lines.append(_Line("subtitle", subtitle, 0.6, False))
    legend = [clean(line).text for line in (s.legend or "").splitlines()]
    lines += [_Line("legend", text, 0.34, False) for text in legend if text]
    address = short_address([c.url for c in cells])
    if address and legend:
        lines.append(_Line("address", address, 0.5, True))
    keyed = [(slug, label) for slug, label in _city_labels(cells) if colours.get(slug) != ""]
    key = _city_labels(cells) if keyed else []
    key_text = "     ".join(f"■  {label}" for _slug, label in key)
    if key:
        lines.append(_Line("key", key_text, 0.34, False))
    total = sum(line.rel * LINE_SPACING for line in lines)
    size = min(rect.h_mm * 0.9 / total, rect.h_mm * 0.3)
    for line in lines:
        need = text_width_mm(line.text, line.rel, line.bold)
        if need > 0:
            size = min(size, rect.w_mm * 0.92 / need)
    items: list[TextItem] = []
    swatches: list[Swatch] = []
    cx = rect.x_mm + rect.w_mm / 2
    y = rect.y_mm + (rect.h_mm - total * size) / 2
    for line in lines:
        em = line.rel * size
        base = y + em * 1.0
        y += em * LINE_SPACING
        if line.role != "key":
            items.append(TextItem(line.role, line.text, cx, base, em, bold=line.bold))
            continue
        x = cx - text_width_mm(line.text, em) / 2
        for i, (slug, label) in enumerate(key):
            swatch = em * 0.72
            swatches.append(Swatch(x, base - swatch, swatch, colours.get(slug) or s.dark))
            x += text_width_mm("■ ", em) + em * 0.15
            items.append(TextItem("key", label, x, base, em, align="start"))
            if i + 1 < len(key):
                x += text_width_mm(f"{label}     ", em)
    warnings = []
    small = min((i.size_mm for i in items if i.role in ("legend", "key", "address")),
                default=MIN_LABEL_EM_MM)
    if small < MIN_LABEL_EM_MM - 1e-9:
        warnings.append(LayoutWarning("legend_small", {"mm": round(small * 0.714, 1)}))
    subtitle_size = size * 0.6 if subtitle else 0.0
    block = TitleBlock(rect, title, subtitle, size, subtitle_size, size * 0.34)
    return block, items, swatches, warnings


def _city_labels(cells: Sequence[CellSpec]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for c in cells:
        seen.setdefault(c.city_slug, clean(c.city_label).text)
    return sorted(seen.items())
