"""Raster files carry their colour space and size: an sRGB ICC profile and the 1:1 resolution."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from helpers import plan_cells
from PIL import Image, ImageCms

from tablecloth.layout import ClothSettings, order_for_cloth, plan_cloth
from tablecloth.layout.units import Frame
from tablecloth.render import FORMATS, render
from tablecloth.render.colour import GREY_PROFILE_NAME, PROFILE_NAME, grey_profile, srgb_profile

GREY = ClothSettings(width_mm=600, height_mm=600, module_mm=1.5, city_tint=False)
COLOUR = replace(GREY, dark="#0b2545", light="#fdf6e3")  # navy on cream, 14.3:1


@pytest.fixture(scope="module")
def cells():
    return plan_cells(30)


@pytest.mark.parametrize("fmt", ["png", "tiff", "jpeg"])
@pytest.mark.parametrize("ppi", [150, 300])
def test_colour_rasters_carry_srgb_and_print_at_1_to_1(cells, fmt, ppi):
    plan = plan_cloth(order_for_cloth(cells, COLOUR), COLOUR)
    out = io.BytesIO()
    render(fmt, plan, out, ppi=ppi)
    with Image.open(io.BytesIO(out.getvalue())) as im:
        assert im.mode == "RGB"
        assert im.info["icc_profile"] == srgb_profile()
        profile = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        assert profile.profile.profile_description == PROFILE_NAME
        # The stored resolution prints the picture at its real size: width_px / ppi inches.
        dpi_x, dpi_y = im.info["dpi"]
        assert dpi_x == pytest.approx(ppi, abs=0.05) and dpi_y == pytest.approx(ppi, abs=0.05)
        width_mm = im.width / dpi_x * 25.4
        assert width_mm == pytest.approx(Frame.whole(plan).width_mm, abs=25.4 / ppi)
    assert FORMATS[fmt].verify(out.getvalue(), plan).ok


@pytest.mark.parametrize("fmt", ["png", "tiff"])
def test_grey_rasters_carry_the_grey_twin_of_srgb(cells, fmt):
    plan = plan_cloth(order_for_cloth(cells, GREY), GREY)
    out = io.BytesIO()
    render(fmt, plan, out, ppi=150)
    with Image.open(io.BytesIO(out.getvalue())) as im:
        assert im.mode == "L"  # a third of the bytes of RGB, and a grey profile to match
        assert im.info["icc_profile"] == grey_profile()
        grey = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
        assert grey.profile.profile_description == GREY_PROFILE_NAME
        # Its greys are sRGB's greys: 26 (the code colour) stays 26 in sRGB.
        to_srgb = ImageCms.buildTransform(grey, ImageCms.createProfile("sRGB"), "L", "RGB")
        ramp = Image.new("L", (256, 1))
        ramp.putdata(list(range(256)))
        converted = ImageCms.applyTransform(ramp, to_srgb)
        assert [px[0] for px in converted.get_flattened_data()] == list(range(256))


def test_png_chunks_are_in_the_order_readers_expect(cells):
    plan = plan_cloth(order_for_cloth(cells, COLOUR), COLOUR)
    out = io.BytesIO()
    render("png", plan, out, ppi=150)
    data = out.getvalue()
    # iCCP and pHYs must come before the first IDAT.
    assert data.index(b"iCCP") < data.index(b"IDAT") and data.index(b"pHYs") < data.index(b"IDAT")
