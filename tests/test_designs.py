"""The cloth's designs: every colour pair >= 7:1, both preflight at 100 % in every format,
the border faces every side, the design is a setting kept in the export's snapshot, and the
designer's preview shows the one chosen."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from helpers import SMALL, add_photos, csrf_token, plan_cells
from PIL import Image

from tablecloth import context
from tablecloth.layout import DESIGNS, MIN_CONTRAST, ClothSettings, LayoutError, plan_cloth
from tablecloth.render import FORMATS
from tablecloth.services.cloth import design, editions, exports, swatches
from tablecloth.verify import VerifyReport

# A cloth of two panels (the border's lines cross a join) that renders in seconds.
TWO_PANELS = {"width_mm": 700.0, "height_mm": 520.0, "module_mm": 1.5, "roll_width_mm": 500.0}


def settings_for(name: str, **values) -> ClothSettings:
    """Return the settings a design brings, with values on top."""
    return ClothSettings(**{**DESIGNS[name].defaults, "design": name, **values})


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_every_colour_pair_of_every_design_has_contrast_of_at_least_7(name):
    settings = settings_for(name)
    settings.validate()
    pairs = settings.colour_pairs()
    assert pairs[0].role == "codes" and pairs[0].ink == settings.dark
    for pair in pairs:
        assert pair.ground == settings.light
        assert pair.ratio >= MIN_CONTRAST, pair
    if name == "classic":  # dark on cream, each city its colour, a border in the accent
        assert {p.role for p in pairs} == {"codes", "first_city", "second_city", "border",
                                           "address"}
        assert settings.light != "#ffffff"


def test_a_colour_under_7_to_1_is_refused_naming_what_it_colours():
    with pytest.raises(LayoutError) as refused:
        settings_for("classic", accent_first="#7f8fa6").validate()
    assert refused.value.reason == "design_contrast_too_low"
    assert "first city's corner squares" in str(refused.value)
    with pytest.raises(LayoutError, match="no design called"):
        settings_for("plain", design="baroque").validate()


def test_classic_border_carries_the_dedication_facing_every_side():
    plan = plan_cloth(plan_cells(30), settings_for("classic", **TWO_PANELS))
    border = [t for t in plan.texts if t.role == "border"]
    assert sorted(t.rotate for t in border) == [0, 90, 180, 270]
    assert all("Coventry" in t.text and "Ковентри" in t.text for t in border)
    finished = plan.safe
    for t in border:  # inside the finished cloth, clear of every code
        box = t.bounds
        assert finished.x_mm < box.x_mm and box.x1_mm < finished.x1_mm
        assert finished.y_mm < box.y_mm and box.y1_mm < finished.y1_mm
        for cell in plan.cells:
            c = cell.box
            assert (box.x1_mm <= c.x_mm or c.x1_mm <= box.x_mm or box.y1_mm <= c.y_mm
                    or c.y1_mm <= box.y_mm)
    assert len(plan.rules) >= 8 and len(plan.panels) >= 2
    # Each city's codes have their own colour of corner squares.
    assert {c.spec.city_slug: c.finder for c in plan.cells} == {
        "coventry": DESIGNS["classic"].defaults["accent_first"],
        "volgograd": DESIGNS["classic"].defaults["accent"]}
    plain = plan_cloth(plan_cells(30), settings_for("plain", **TWO_PANELS))
    assert not plain.rules and not [t for t in plain.texts if t.role == "border"]


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_both_designs_preflight_at_100_percent_in_every_format(name):
    plan = plan_cloth(plan_cells(40), settings_for(name, **TWO_PANELS))
    checked = []
    for fmt in FORMATS.values():
        if fmt.verify is None:
            continue
        options = {"ppi": 150} if fmt.raster else {}
        out = io.BytesIO()
        fmt.render(plan, out, **options)
        report = fmt.verify(out.getvalue(), plan)
        assert report.ok, f"{name} {fmt.name}: {report.summary()}"
        assert report.passed == report.expected == 40
        if not fmt.proof:  # the report states the contrast of each colour the design prints
            assert [p["role"] for p in report.colour_pairs] == [
                p.role for p in plan.settings.colour_pairs()]
            assert "Colours (each at least 7:1 on the ground)" in report.summary()
        checked.append(fmt.name)
    assert {"pdf", "svg", "png", "tiff", "jpeg"} <= set(checked)


def test_preflight_fails_a_file_whose_colours_fall_under_7_to_1():
    plan = plan_cloth(plan_cells(4), settings_for("classic", width_mm=400, height_mm=400))
    faded = replace(plan, settings=replace(plan.settings, accent="#c08080"))
    report = VerifyReport.for_plan("png", faded, ok=True)
    report.check_colours()
    assert not report.ok
    assert any(f.code == "COLOURS" and "below 7:1" in f.problem for f in report.failures)


def test_png_of_a_900_code_cloth_is_at_most_1_2_times_pillows_optimised_png(monkeypatch):
    # 900 codes of 1.25 mm modules on the 1.8 m cloth: 11,070 px square at 150 ppi.
    settings = ClothSettings(width_mm=1800, height_mm=1800, module_mm=1.25)
    plan = plan_cloth(plan_cells(900), settings)
    ours = io.BytesIO()
    FORMATS["png"].render(plan, ours, ppi=150)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # our own file, 122 megapixels
    with Image.open(io.BytesIO(ours.getvalue())) as image:
        image.load()
        theirs = io.BytesIO()
        # The same pixels, no profile or resolution chunk: Pillow's smallest plain PNG.
        image.save(theirs, "PNG", optimize=True)
    assert len(plan.cells) == 900
    assert len(ours.getvalue()) <= 1.2 * len(theirs.getvalue()), (
        len(ours.getvalue()), len(theirs.getvalue()))


def test_design_is_a_setting_kept_in_the_export_and_shown_in_the_preview(
        app, logged_in, corpus):
    with app.app_context():
        add_photos(corpus, 4)
        site = context.site()
        design.save_settings(site, editions.current_cloth(site), SMALL)
    plain = Image.open(io.BytesIO(logged_in.get("/organiser/cloth/preview.png").data))
    assert plain.convert("RGB").getpixel((3, 3)) == (255, 255, 255)
    page = logged_in.get("/organiser/cloth?lang=ru").get_data(as_text=True)
    assert "Классический" in page and "коды и надписи" in page
    saved = logged_in.post("/organiser/cloth/settings?lang=en", data={
        "csrf_token": csrf_token(logged_in, "/organiser/cloth"), "preset": "custom",
        "design": "classic", "labels": "on", "city_tint": "on"}, follow_redirects=True)
    assert "Settings saved." in saved.get_data(as_text=True)
    with app.app_context():
        site = context.site()
        cloth = editions.current_cloth(site)
        settings = design.settings_of(cloth)
        assert (settings.design, settings.light) == ("classic", "#f5eedc")
        export = exports.new_export(site, cloth, ["png"], draft=True)
        assert export.settings["layout"]["design"] == "classic"
        assert exports.export_plan(export).rules  # the snapshot rebuilds the border
    # The preview is drawn again for the new version, on cream, with the border's rule.
    classic = Image.open(io.BytesIO(logged_in.get("/organiser/cloth/preview.png").data))
    cream = tuple(int(DESIGNS["classic"].defaults["light"][i:i + 2], 16) for i in (1, 3, 5))
    assert classic.convert("RGB").getpixel((3, 3)) == cream
    accent = tuple(int(DESIGNS["classic"].defaults["accent"][i:i + 2], 16) for i in (1, 3, 5))
    assert accent in {c for _n, c in classic.convert("RGB").getcolors(1 << 20)}


def test_swatch_carries_each_colour_pair_of_the_chosen_design_labelled(app, logged_in):
    with app.app_context():
        site = context.site()
        cloth = editions.current_cloth(site)
        design.choose_design(site, cloth, "classic")
        made = swatches.create_swatch(site, cloth, note="linen")
        pairs = [(p.ink, p.ground) for p in design.settings_of(cloth).colour_pairs()]
        samples = [(s.dark, s.light) for s in made.samples]
        assert set(samples) == set(pairs)  # every ink the design prints, on its ground
        plan = swatches.swatch_plan(made, site.base_url)
        labels = {p.sample.label for p in plan.samples}
        pdf = site.store.get(next(e["key"] for e in made.files if e["format"] == "pdf"))
    words = " ".join(line for label in labels for line in label)
    for role in ("codes and words", "first city's corner squares",
                 "second city's corner squares"):
        assert role in words
    assert "#1d3557 on #f5eedc" in words
    assert made.report["ok"]
    assert b"%PDF" in pdf[:8]
