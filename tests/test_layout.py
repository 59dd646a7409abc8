"""Cloth geometry in millimetres: hem, quiet zones, gutters, panel joins, capacity, order."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from tablecloth.codes import new_code
from tablecloth.layout import (
    SLUG_MM,
    CellSpec,
    ClothSettings,
    LayoutError,
    alternate_cities,
    capacity,
    grid_slots,
    order_for_cloth,
    plan_cloth,
)

CITIES = {
    "coventry": "Coventry / Ковентри",
    "volgograd": "Volgograd / Волгоград",
    "dresden": "Dresden / Дрезден",
}


def make_cells(n: int, cities: tuple[str, ...] = ("coventry", "volgograd")) -> list[CellSpec]:
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(new_code())
    return [
        CellSpec(code, f"HTTPS://TABLECLOTH.EXAMPLE.ORG/P/{code}", f"Name{i}",
                 CITIES[cities[i % len(cities)]], cities[i % len(cities)])
        for i, code in enumerate(sorted(codes))
    ]


def overlaps(a, b) -> bool:
    if a is None or b is None:
        return False
    eps = 1e-9  # quiet zones may touch: a sum's rounding is no overlap
    return (a.x_mm < b.x1_mm - eps and b.x_mm < a.x1_mm - eps and a.y_mm < b.y1_mm - eps
            and b.y_mm < a.y1_mm - eps)


def check_geometry(plan) -> None:
    s = plan.settings
    m = s.module_mm
    safe = plan.safe
    for c in plan.cells:
        for r in (c.box, c.label):
            if r is None:
                continue
            # Nothing in the hem (folded under) or beyond the trim.
            assert safe.x_mm <= r.x_mm and r.x1_mm <= safe.x1_mm + 1e-9
            assert safe.y_mm <= r.y_mm and r.y1_mm <= safe.y1_mm + 1e-9
        assert c.size_mm == pytest.approx((c.matrix.size + 2 * s.quiet_modules) * m)
    for a, b in itertools.combinations(plan.cells, 2):
        assert not overlaps(a.box, b.box), (a.position, b.position)
        if a.label is not None:
            assert not overlaps(a.label, b.box) and not overlaps(b.label, a.box)
        # Light between two symbols: at least min_light_modules along the separating axis.
        gap_x = max(b.symbol_x_mm - (a.symbol_x_mm + a.symbol_size_mm),
                    a.symbol_x_mm - (b.symbol_x_mm + b.symbol_size_mm))
        gap_y = max(b.symbol_y_mm - (a.symbol_y_mm + a.symbol_size_mm),
                    a.symbol_y_mm - (b.symbol_y_mm + b.symbol_size_mm))
        assert max(gap_x, gap_y) >= s.min_light_modules * m - 1e-9
    t = plan.title.rect
    assert t.w_mm > 0
    for c in plan.cells:
        assert not overlaps(t, c.box) and not overlaps(t, c.label)
    # Panels: each fits the roll with its slug, joins lie in gutters clear of quiet zones.
    assert plan.panels[0].x0_mm == -s.bleed_mm
    assert plan.panels[-1].x1_mm == pytest.approx(s.cut_width_mm + s.bleed_mm)
    for p in plan.panels:
        assert p.width_mm * s.scale_x + 2 * SLUG_MM <= s.roll_width_mm + 1e-9
    for left, right in itertools.pairwise(plan.panels):
        band = (right.x0_mm, left.x1_mm)
        assert band[1] - band[0] == pytest.approx(s.overlap_mm)
        for c in plan.cells:
            assert c.box.x1_mm < band[0] or c.box.x_mm > band[1], c.position
        if not plan.grid.title_across_join:
            assert t.x1_mm < band[0] or t.x_mm > band[1]
    for c in plan.cells:
        p = plan.panels[c.panel]
        assert p.x0_mm <= c.box.x_mm and c.box.x1_mm <= p.x1_mm


def test_defaults_follow_the_design():
    s = ClothSettings()
    assert (s.width_mm, s.height_mm, s.hem_mm, s.bleed_mm) == (1800, 1800, 25, 10)
    assert (s.module_mm, s.quiet_modules, s.min_light_modules) == (2.0, 4, 8)
    assert s.error_correction == "H" and s.roll_width_mm == 1400
    assert (s.shrink_across_pct, s.shrink_along_pct) == (3.0, 3.0)
    # The finished size is the hemmed cloth; the fabric is cut larger by the hem.
    assert (s.cut_width_mm, s.cut_height_mm) == (1850, 1850)
    assert s.validate() == []


def test_full_default_cloth_geometry():
    s = ClothSettings()
    n = capacity(s)
    assert n > 300
    plan = plan_cloth(make_cells(n), s)
    assert len(plan.cells) == n
    # 1.8 m plus hem, bleed and shrinkage is wider than a 1.4 m roll: a full centre panel and
    # two equal sides, so that no seam runs down the middle of the table.
    assert len(plan.panels) == 3 and plan.grid.panel_style == "centre"
    assert plan.panels[0].width_mm == pytest.approx(plan.panels[2].width_mm)
    check_geometry(plan)


@pytest.mark.parametrize("settings", [
    ClothSettings(width_mm=600, height_mm=600, module_mm=1.5, roll_width_mm=1400),
    ClothSettings(width_mm=900, height_mm=500, module_mm=1.2, roll_width_mm=400,
                  labels=False),
    ClothSettings(width_mm=1200, height_mm=700, module_mm=1.5, quiet_modules=5,
                  min_light_modules=12, roll_width_mm=500, overlap_mm=30, shrink_across_pct=5,
                  shrink_along_pct=4),
])
def test_geometry_holds_for_other_settings(settings):
    n = capacity(settings)
    plan = plan_cloth(make_cells(n), settings)
    check_geometry(plan)
    if settings.roll_width_mm < 500:
        assert len(plan.panels) >= 3


@pytest.mark.parametrize("n", [10, 13, 30])
def test_fewer_cells_fill_in_order_with_no_empty_row(n):
    s = ClothSettings(width_mm=600, height_mm=600, module_mm=1.5)
    cells = make_cells(n)
    plan = plan_cloth(cells, s)
    assert [c.spec for c in plan.cells] == cells
    assert (plan.cells[0].row, plan.cells[0].col) == (0, 0)
    assert {c.row for c in plan.cells} == set(range(plan.rows))
    last = [c.col for c in plan.cells if c.row == plan.rows - 1]
    if len(last) < plan.cols:  # a partly filled last row sits in the middle
        assert abs(min(last) - (plan.cols - 1 - max(last))) <= 1
    g = plan.grid
    top = g.row_y[0] - s.hem_mm
    bottom = s.hem_mm + s.height_mm - (g.row_y[-1] + g.cell_h_mm)
    assert top == pytest.approx(bottom, abs=1e-6)
    check_geometry(plan)


def test_too_many_cells_say_what_fits_and_what_would():
    s = ClothSettings(width_mm=600, height_mm=600, module_mm=1.5)
    fits = capacity(s)
    with pytest.raises(LayoutError) as caught:
        plan_cloth(make_cells(fits + 20), s)
    err = caught.value
    # The smaller module is below 1.5 mm, and the refusal says so.
    assert err.reason == "too_many_codes_either_risky"
    assert "below 1.5 mm" in str(err)
    assert err.fits == fits and err.needed == fits + 20
    assert f"{fits + 20} codes do not fit: this cloth holds {fits}" in str(err)
    assert err.suggest_size_mm and err.suggest_module_mm
    assert f"{err.suggest_module_mm:g} mm modules" in str(err)
    w, h = err.suggest_size_mm
    assert capacity(replace(s, width_mm=w, height_mm=h)) >= fits + 20
    assert capacity(replace(s, module_mm=err.suggest_module_mm)) >= fits + 20


@pytest.mark.parametrize(("change", "reason", "message"), [
    ({"module_mm": 0.9}, "module_too_small", "1.0 mm or more"),
    ({"module_mm": 0}, "module_too_small", "too small"),
    ({"dark": "#888888"}, "contrast_too_low", "contrast of 3.5:1"),
    ({"dark": "#ffffff", "light": "#1a1a1a"}, "colours_inverted", "darker than the background"),
    ({"dark": "black"}, "colour_not_hex", "#rrggbb"),
    ({"width_mm": 0}, "cloth_size_not_positive", "more than 0 mm"),
    ({"height_mm": -5}, "cloth_size_not_positive", "more than 0 mm"),
    ({"width_mm": float("nan")}, "setting_not_a_number", "must be a number"),
    ({"bleed_mm": -1}, "setting_negative", "zero or more"),
    ({"width_mm": 25_000}, "cloth_too_large", "20 m"),
    ({"hem_mm": 400, "width_mm": 700}, "hem_too_wide", "hem of 400 mm"),
    ({"bleed_mm": 150}, "bleed_too_wide", "5–20 mm"),
    ({"quiet_modules": 3}, "quiet_zone_too_small", "quiet zone"),
    ({"min_light_modules": 6}, "codes_too_close", "8 modules"),
    ({"error_correction": "Z"}, "error_correction_unknown", "Error correction Z"),
    ({"shrink_across_pct": 40}, "shrink_out_of_range", "between 0 and 15%"),
    ({"shrink_along_pct": -1}, "shrink_out_of_range", "between 0 and 15%"),
    ({"panels": "diagonal"}, "panel_style_unknown", "not diagonal"),
    ({"accent": "#ff8080"}, "accent_contrast_too_low", "at least 7:1"),
    ({"roll_width_mm": 150}, "roll_too_narrow", "150 mm is too narrow"),
])
def test_validation_refuses_unprintable_settings(change, reason, message):
    with pytest.raises(LayoutError, match=message) as refused:
        replace(ClothSettings(), **change).validate()
    assert refused.value.reason == reason


def test_contrast_is_never_rounded_up_to_the_minimum():
    # #565a5a on white is 6.99:1: it must not read "7:1; codes need at least 7:1".
    with pytest.raises(LayoutError, match="contrast of 6.9:1"):
        replace(ClothSettings(), dark="#565a5a").validate()


def test_validation_warns_for_small_modules():
    warnings = replace(ClothSettings(), module_mm=1.2).validate()
    assert [w.reason for w in warnings] == ["module_small"]
    assert "Modules of 1.2 mm are below 1.5 mm" in str(warnings[0])
    plan = plan_cloth(make_cells(3), replace(ClothSettings(), module_mm=1.2))
    assert [w for w in plan.warnings if w.reason == "module_small"] == warnings


def test_validation_warns_for_pages_too_long_for_pdf_and_low_error_correction():
    assert ClothSettings(height_mm=4800).validate() == []
    [long] = ClothSettings(height_mm=5000).validate()
    assert long.reason == "pdf_page_too_long" and "5.08 m" in str(long)
    assert [w.reason for w in ClothSettings(error_correction="Q").validate()] == [
        "error_correction_low"]


def test_duplicate_codes_are_refused():
    cells = make_cells(2)
    with pytest.raises(LayoutError, match="twice") as refused:
        plan_cloth([cells[0], cells[1], cells[0]], ClothSettings())
    assert refused.value.reason == "code_twice"


def neighbours(plan):
    at = {(c.row, c.col): c for c in plan.cells}
    for (r, c), cell in at.items():
        for other in (at.get((r, c + 1)), at.get((r + 1, c))):
            if other is not None:
                yield cell, other


@pytest.mark.parametrize("cities", [("coventry", "volgograd"),
                                    ("coventry", "volgograd", "dresden")])
def test_chessboard_order_makes_neighbours_differ(cities):
    s = ClothSettings(width_mm=900, height_mm=900, module_mm=1.5)
    n = capacity(s)
    if len(cities) == 2:
        # A perfect chessboard needs as many cells of each city as squares of each colour.
        black = sum((r + c) % 2 == 0 for r, c in grid_slots(s, n))
        cells = make_cells(black, cities[:1]) + make_cells(n - black, cities[1:])
    else:
        cells = make_cells(n, cities)
    ordered = order_for_cloth(cells, s)
    assert sorted(c.code for c in ordered) == sorted(c.code for c in cells)
    plan = plan_cloth(ordered, s)
    pairs = list(neighbours(plan))
    assert pairs
    assert all(a.spec.city_slug != b.spec.city_slug for a, b in pairs)
    # Within a city the given order is kept.
    for city in cities:
        assert [c for c in ordered if c.city_slug == city] == [
            c for c in cells if c.city_slug == city]


def test_chessboard_follows_the_real_symbol_size():
    # A short base URL gives 29-module symbols, so more columns than the default 33 assumes.
    s = ClothSettings(width_mm=900, height_mm=900, module_mm=1.5)
    cells = [replace(c, url=f"HTTPS://EX.ORG/P/{c.code}") for c in make_cells(60)]
    plan = plan_cloth(order_for_cloth(cells, s), s)
    assert plan.cells[0].matrix.size == 29
    pairs = list(neighbours(plan))
    assert pairs, "no neighbouring cells: the check below would pass vacuously"
    assert all(a.spec.city_slug != b.spec.city_slug for a, b in pairs)


def test_alternation_without_slots_and_uneven_cities():
    cells = make_cells(6, ("coventry",)) + make_cells(4, ("volgograd",))
    out = alternate_cities(cells)
    slugs = [c.city_slug for c in out]
    assert slugs.count("coventry") == 6
    # Never the same city twice in a row while the other still has cells.
    assert all(a != b for a, b in itertools.pairwise(slugs[:8]))
    slots = grid_slots(ClothSettings(), 10)
    assert len(alternate_cities(cells, slots)) == 10


@pytest.mark.parametrize(("size", "style"), [((1800, 1800), "centre"), ((2800, 1500), "equal"),
                                             ((1800, 1800), "equal")])
def test_panels_are_balanced_and_the_title_centred(size, style):
    s = ClothSettings(width_mm=size[0], height_mm=size[1], roll_width_mm=1400,
                      panels="auto" if style != "equal" or size[0] == 2800 else "equal")
    plan = plan_cloth(make_cells(capacity(s)), s)
    assert plan.grid.panel_style == style
    widths = [p.width_mm for p in plan.panels]
    if style == "equal":
        assert max(widths) <= min(widths) * 1.05
    else:  # a full centre panel, equal sides
        assert len(widths) % 2 == 1 and widths == widths[::-1]
        assert widths[len(widths) // 2] == max(widths)
    t = plan.title.rect
    middle_x, middle_y = s.hem_mm + s.width_mm / 2, s.hem_mm + s.height_mm / 2
    assert abs(t.x_mm + t.w_mm / 2 - middle_x) <= 5
    assert abs(t.y_mm + t.h_mm / 2 - middle_y) <= 5
    title = next(x for x in plan.texts if x.role == "title")
    assert abs(title.x_mm - middle_x) <= 5
    check_geometry(plan)
    # Two equal panels put a join through the title: the organiser is told.
    crossing = [w.reason for w in plan.warnings if w.reason == "title_crosses_join"]
    assert bool(crossing) == (len(plan.panels) == 2)


def test_the_hem_is_outside_the_finished_size():
    s = ClothSettings()
    plan = plan_cloth(make_cells(20), s)
    assert (plan.trim_width_mm, plan.safe.w_mm) == (1850, 1800)
    assert all(s.hem_mm <= c.x_mm and c.box.x1_mm <= s.hem_mm + s.width_mm for c in plan.cells)
    # Across and along the weave shrink apart: the artwork grows by each.
    t = replace(s, shrink_across_pct=2, shrink_along_pct=5)
    assert plan_cloth(make_cells(3), t).artwork_width_mm == pytest.approx(1870 * 1.02)
    assert plan_cloth(make_cells(3), t).artwork_height_mm == pytest.approx(1870 * 1.05)
    # Settings stored before there were two allowances read the one they had for both.
    old = ClothSettings.from_values({"shrink_pct": 4, "width_mm": 900, "unknown": 1})
    assert (old.shrink_across_pct, old.shrink_along_pct, old.width_mm) == (4, 4, 900)


def test_a_sparse_cloth_suggests_a_smaller_size():
    s = ClothSettings()
    plan = plan_cloth(make_cells(36), s)
    [sparse] = [w for w in plan.warnings if w.reason == "cloth_sparse"]
    w, h = sparse.detail["width"], sparse.detail["height"]
    assert w < 1000 and w == h
    assert capacity(replace(s, width_mm=w, height_mm=h)) >= 36
    assert capacity(replace(s, width_mm=w - 50, height_mm=h - 50)) < 36
    assert "Only 36 codes on a cloth that holds" in str(sparse)
    assert not [w for w in plan_cloth(make_cells(300), s).warnings if w.reason == "cloth_sparse"]


def test_labels_keep_readable_capitals_as_modules_shrink():
    s = ClothSettings(width_mm=900, height_mm=900, module_mm=1.0)
    plan = plan_cloth(make_cells(30), s)
    labels = [t for t in plan.texts if t.role == "label"]
    assert min(t.size_mm for t in labels) * 0.714 >= 2.5 - 1e-6
    # The label gives way before the letters shrink: the city in its own script, or the name.
    assert all(len(t.text) < len("Name10 · Volgograd / Волгоград") for t in labels)
    long = [CellSpec("LONG01", "HTTPS://TABLECLOTH.EXAMPLE.ORG/P/LONG01",
                     "Maximiliana-Alexandrina", CITIES["coventry"], "coventry")]
    [small] = [w for w in plan_cloth(long, s).warnings if w.reason == "labels_small"]
    assert small.detail["count"] == 1 and small.detail["mm"] < 2.5


def test_the_legend_speaks_to_visitors_with_the_address_and_city_key():
    plan = plan_cloth(make_cells(60), ClothSettings())
    roles = {t.role: t.text for t in plan.texts if t.role != "label"}
    assert roles["address"] == "tablecloth.example.org"
    legend = [t.text for t in plan.texts if t.role == "legend"]
    assert legend[0].startswith("Point your phone's camera") and legend[1].startswith("Наведите")
    assert min(t.size_mm for t in plan.texts if t.role in ("legend", "key")) >= 3.5
    # The second city's codes have coloured finder patterns, and the key shows which.
    tinted = {c.spec.city_slug for c in plan.cells if c.finder}
    assert tinted == {"volgograd"}
    assert {sw.colour for sw in plan.swatches} == {"#1a1a1a", "#9b1c1c"}
