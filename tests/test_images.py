"""The image pipeline on real photos and hostile files: what is refused, and what comes out."""

from __future__ import annotations

import hashlib
import inspect
import io
import random
import struct
import warnings
import zipfile
import zlib
from datetime import date

import image_factory as fx
import pytest
from PIL import Image, ImageChops, ImageCms, ImageFile, ImageOps, ImageStat

from tablecloth import images, messages
from tablecloth.errors import Refusal

GPS_FILES = ["jpg_gps_DSCN0010.jpg", "jpg_gps_DSCN0021.jpg", "heic_IMG_5195.HEIC"]
ALL_PHOTOS = GPS_FILES + [
    "jpg_Canon_40D.jpg", "jpg_mobile_jolla.jpg", "jpg_orientation_landscape_6.jpg",
    "jpg_orientation_portrait_8.jpg", "jpg_invalid_image00971.jpg",
]
# JPEG markers a metadata-free file may hold before its image data: JFIF header, tables, frame.
CLEAN_MARKERS = {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD, 0xDA}
SRGB = ImageCms.createProfile("sRGB")


def derivatives(result: images.ProcessedImage):
    return [result.master, result.web, result.thumb]


def open_image(derivative: images.Derivative) -> Image.Image:
    im = Image.open(io.BytesIO(derivative.data))
    im.load()
    return im


def markers(jpeg: bytes) -> list[tuple[int, bytes]]:
    """Return the (marker, payload) segments of a JPEG up to its first scan."""
    assert jpeg[:2] == b"\xff\xd8"
    found, pos = [], 2
    while True:
        assert jpeg[pos] == 0xFF
        marker, length = jpeg[pos + 1], struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        found.append((marker, jpeg[pos + 4:pos + 2 + length]))
        if marker == 0xDA:
            return found
        pos += 2 + length


def assert_metadata_free(derivative: images.Derivative) -> None:
    data = derivative.data
    for needle in (b"Exif", b"GPS", b"http://ns.adobe.com/xap", b"xmpmeta", b"ICC_PROFILE",
                   b"Photoshop", b"Apple", b"iPhone", b"NIKON", b"Canon"):
        assert needle not in data, needle
    segments = markers(data)
    assert {marker for marker, _ in segments} <= CLEAN_MARKERS
    assert [payload[:5] for marker, payload in segments if marker == 0xE0] == [b"JFIF\0"]
    im = open_image(derivative)
    assert dict(im.getexif()) == {}
    assert set(im.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi",
                            "progressive", "progression"}
    assert derivative.content_type == "image/jpeg" and im.format == "JPEG" and im.mode == "RGB"
    assert im.size == (derivative.width, derivative.height)


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    """Return the mean absolute difference of two images, 0-255, compared at a's size."""
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB").resize(a.size))
    return sum(ImageStat.Stat(diff).mean) / 3


# --- real photos from the corpus ------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_PHOTOS)
def test_corpus_photo_is_accepted_and_clean(corpus, name):
    data = (corpus / name).read_bytes()
    result = images.process(data)
    for derivative in derivatives(result):
        assert_metadata_free(derivative)
        assert derivative.sha256 == hashlib.sha256(derivative.data).hexdigest()
    assert result.source_sha256 == hashlib.sha256(data).hexdigest()
    assert result.source_format == ("HEIF" if name.endswith(".HEIC") else "JPEG")


@pytest.mark.parametrize("name", GPS_FILES)
def test_gps_is_in_the_source_and_nowhere_in_the_output(corpus, name):
    data = (corpus / name).read_bytes()
    with Image.open(io.BytesIO(data)) as source:  # HEIF opener registered by images
        assert source.getexif().get_ifd(0x8825), "the sample should carry GPS"
    for derivative in derivatives(images.process(data)):
        assert_metadata_free(derivative)


@pytest.mark.parametrize("name", ["jpg_orientation_landscape_6.jpg",
                                  "jpg_orientation_portrait_8.jpg"])
def test_exif_orientation_is_applied_once(corpus, name):
    data = (corpus / name).read_bytes()
    with Image.open(io.BytesIO(data)) as source:
        assert source.getexif()[0x0112] in (6, 8)
        # Both samples carry Apple's "Generic RGB" profile, which the pipeline converts to sRGB.
        upright = ImageCms.profileToProfile(ImageOps.exif_transpose(source),
                                            io.BytesIO(source.info["icc_profile"]), SRGB)
    assert upright.size != Image.open(io.BytesIO(data)).size  # the sample really is turned
    result = images.process(data)
    for derivative in derivatives(result):
        im = open_image(derivative)
        assert (im.width > im.height) == (upright.width > upright.height)
        assert mean_difference(im, upright) < 6
        # Sanity: the same picture left as stored, or turned the other way, is far off.
        assert mean_difference(im, upright.transpose(Image.Transpose.ROTATE_180)) > 20
    assert (result.master.width, result.master.height) == upright.size


def test_iphone_heic_comes_out_upright_at_full_size(corpus):
    data = (corpus / "heic_IMG_5195.HEIC").read_bytes()
    result = images.process(data)
    assert result.source_format == "HEIF"
    assert (result.master.width, result.master.height) == (2566, 3313)  # portrait, as shot
    assert (result.web.width, result.web.height) == (1239, 1600)
    assert (result.thumb.width, result.thumb.height) == (310, 400)
    assert result.taken_on == date(2021, 4, 11)


def test_heic_rotation_is_not_applied_twice():
    # Like an iPhone, pillow-heif writes orientation 6 both as EXIF and as a HEIF rotation (irot),
    # which libheif applies while decoding.
    source = fx.pattern((240, 160))
    exif = Image.Exif()
    exif[0x0112] = 6
    data = fx.encode(source, "HEIF", exif=exif.tobytes(), quality=90)
    assert b"irot" in data
    with Image.open(io.BytesIO(data)) as check:
        assert check.info["original_orientation"] == 6
    expected = source.transpose(Image.Transpose.ROTATE_270)
    for derivative in derivatives(images.process(data)):
        im = open_image(derivative)
        assert im.size == expected.size
        assert mean_difference(im, expected) < 8


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pillow(orientation):
    data = fx.with_exif(size=(200, 120), orientation=orientation)
    with Image.open(io.BytesIO(data)) as source:
        expected = ImageOps.exif_transpose(source)
    for derivative in derivatives(images.process(data)):
        assert mean_difference(open_image(derivative), expected) < 6


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_jpeg_above_the_master_limit_is_halved_with_the_same_rules(orientation):
    data = fx.with_exif(size=(800, 480), orientation=orientation, taken="2024:06:01 12:00:00",
                        gps=True)
    with Image.open(io.BytesIO(data)) as source:
        expected = ImageOps.exif_transpose(source)
    result = images.process(data, master_max_pixels=800 * 480 // 2)
    turned = orientation in (5, 6, 7, 8)
    assert (result.master.width, result.master.height) == ((240, 400) if turned else (400, 240))
    assert result.taken_on == date(2024, 6, 1)
    for derivative in derivatives(result):
        assert_metadata_free(derivative)
        assert mean_difference(open_image(derivative), expected) < 6
    # At the limit or below, the master keeps every pixel.
    whole = images.process(data, master_max_pixels=800 * 480)
    assert {whole.master.width, whole.master.height} == {800, 480}


def test_corpus_dates(corpus):
    assert images.process((corpus / "jpg_gps_DSCN0010.jpg").read_bytes()).taken_on == \
        date(2008, 10, 22)
    assert images.process((corpus / "jpg_Canon_40D.jpg").read_bytes()).taken_on == \
        date(2008, 5, 30)


@pytest.mark.parametrize(("stamp", "expected"), [
    ("2023:07:14 10:11:12", date(2023, 7, 14)),
    ("0000:00:00 00:00:00", None),
    ("2023:02:30 10:00:00", None),
    ("    :  :     :  :  ", None),
    ("1850:01:01 00:00:00", None),
    (None, None),
])
def test_taken_on_only_from_a_real_capture_date(stamp, expected):
    assert images.process(fx.with_exif(taken=stamp)).taken_on == expected


def test_large_phone_jpeg_gets_web_and_thumb_sizes(corpus):
    result = images.process((corpus / "jpg_mobile_jolla.jpg").read_bytes())
    assert (result.master.width, result.master.height) == (3264, 2448)
    assert (result.web.width, result.web.height) == (1600, 1200)
    assert (result.thumb.width, result.thumb.height) == (400, 300)
    assert open_image(result.web).info.get("progressive")
    assert not open_image(result.master).info.get("progressive")


def test_small_images_are_never_enlarged(corpus):
    result = images.process((corpus / "jpg_Canon_40D.jpg").read_bytes())
    for derivative in derivatives(result):
        assert (derivative.width, derivative.height) == (100, 68)


def test_web_and_thumb_from_a_master_match_process(corpus):
    result = images.process((corpus / "jpg_orientation_portrait_8.jpg").read_bytes())
    web, thumb = images.web_and_thumb(result.master.data, web_px=300, thumb_px=100)
    assert (web.width, web.height) == (225, 300) and (thumb.width, thumb.height) == (75, 100)
    assert mean_difference(open_image(web), open_image(result.master)) < 6


def test_xmp_only_jpeg_with_invalid_exif_is_handled(corpus):
    # Listed as "invalid" by exif-samples because its APP1 holds a 35 KB XMP packet instead of
    # EXIF (claiming a height of 1020 for a 227-pixel image); the JPEG itself decodes cleanly,
    # so it is accepted and everything but the pixels is dropped.
    data = (corpus / "jpg_invalid_image00971.jpg").read_bytes()
    result = images.process(data)
    assert (result.master.width, result.master.height) == (636, 227)
    assert result.taken_on is None
    assert b"Telekom" not in result.master.data
    with Image.open(io.BytesIO(data)) as source:
        assert mean_difference(open_image(result.master), source) < 4


def test_damaged_copy_of_the_invalid_sample_is_refused(corpus):
    data = (corpus / "jpg_invalid_image00971.jpg").read_bytes()
    with pytest.raises(images.ImageError) as caught:
        images.process(fx.truncated(data, 0.6))
    assert caught.value.reason == "damaged"


# --- accepted formats and colour ------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "name"), [
    ("JPEG", "JPEG"), ("PNG", "PNG"), ("WEBP", "WEBP"), ("HEIF", "HEIF"), ("AVIF", "AVIF"),
    ("GIF", "GIF"),
])
def test_accepted_formats(fmt, name):
    source = fx.pattern((160, 120))
    result = images.process(fx.encode(source, fmt))
    assert result.source_format == name
    assert (result.master.width, result.master.height) == (160, 120)
    tolerance = 25 if fmt == "GIF" else 8  # GIF dithers to 256 colours
    assert mean_difference(open_image(result.master), source) < tolerance


def test_cmyk_jpeg_becomes_rgb():
    data = fx.encode(Image.new("CMYK", (64, 48), (255, 0, 0, 0)), "JPEG", quality=95)
    for derivative in derivatives(images.process(data)):
        red, green, blue = open_image(derivative).getpixel((10, 10))
        assert red < 15 and green > 240 and blue > 240  # cyan


def test_sixteen_bit_grey_png_is_scaled_not_clipped():
    data = fx.encode(Image.new("I;16", (40, 30), 32768), "PNG")
    for derivative in derivatives(images.process(data)):
        assert all(120 <= value <= 135 for value in open_image(derivative).getpixel((5, 5)))


def test_sixteen_bit_rgba_png():
    raw = b"".join(b"\0" + struct.pack(">HHHH", 65535, 0, 0, 65535) * 8 for _ in range(6))
    header = struct.pack(">IIBBBBB", 8, 6, 16, 6, 0, 0, 0)
    data = (fx.PNG_SIGNATURE + fx.chunk(b"IHDR", header)
            + fx.chunk(b"IDAT", zlib.compress(raw)) + fx.chunk(b"IEND", b""))
    red, green, blue = open_image(images.process(data).master).getpixel((2, 2))
    assert red > 240 and green < 15 and blue < 15


@pytest.mark.parametrize("mode", ["P", "RGBA", "LA"])
def test_transparency_is_flattened_onto_white(mode):
    im = Image.new("RGBA", (40, 30), (0, 0, 0, 0))
    im.paste((200, 0, 0, 255), (0, 0, 20, 30))
    if mode == "P":
        im = im.convert("P")  # keeps the transparent index
    elif mode == "LA":
        im = im.convert(mode)
    data = fx.encode(im, "PNG")
    with Image.open(io.BytesIO(data)) as check:
        assert check.mode == mode and (mode != "P" or "transparency" in check.info)
    master = open_image(images.process(data).master)
    assert all(value > 245 for value in master.getpixel((35, 15)))  # transparent half: white
    assert master.getpixel((5, 15)) != master.getpixel((35, 15))


def test_embedded_colour_profile_is_converted_to_srgb(corpus):
    with Image.open(corpus / "heic_IMG_5195.HEIC") as heic:
        display_p3 = heic.info["icc_profile"]
    source = Image.new("RGB", (40, 30), (200, 100, 50))
    data = fx.encode(source, "PNG", icc_profile=display_p3)
    expected = ImageCms.profileToProfile(source, io.BytesIO(display_p3), SRGB).getpixel((5, 5))
    assert expected != (200, 100, 50)
    got = open_image(images.process(data).master).getpixel((5, 5))
    assert all(abs(a - b) <= 3 for a, b in zip(got, expected, strict=True))


# --- hostile files (DESIGN section 6) -------------------------------------------------------

HOSTILE = {
    "zero bytes": (lambda: b"", "empty"),
    "png bomb 12000x12000 zeros": (lambda: fx.png_bomb(), "too_many_pixels"),
    "png header 30000x30000": (lambda: fx.png_declaring(30_000, 30_000), "too_many_pixels"),
    "png header 10000x10000": (lambda: fx.png_declaring(10_000, 10_000), "too_many_pixels"),
    "png header 8000x8000": (lambda: fx.png_declaring(8_000, 8_000), "too_many_pixels"),
    "jpeg header 65000x65000": (lambda: fx.jpeg_declaring(65_000, 65_000), "too_many_pixels"),
    "truncated jpeg": (lambda: fx.truncated(fx.jpeg()), "damaged"),
    "jpeg without its end": (lambda: fx.jpeg()[:-2], "damaged"),
    "jpeg scrambled inside": (lambda: fx.scrambled(fx.jpeg()), "damaged"),
    "truncated png": (lambda: fx.truncated(fx.encode(fx.pattern(), "PNG")), "damaged"),
    "truncated webp": (lambda: fx.truncated(fx.encode(fx.pattern(), "WEBP")), "damaged"),
    "truncated heif": (lambda: fx.truncated(fx.encode(fx.pattern(), "HEIF")), "damaged"),
    "random bytes": (lambda: random.Random(3).randbytes(4000), "not_an_image"),
    "svg": (lambda: fx.SVG, "unsupported"),
    "svg with xml declaration": (lambda: b'<?xml version="1.0"?>\n' + fx.SVG, "unsupported"),
    "svg with bom": (lambda: b"\xef\xbb\xbf  " + fx.SVG, "unsupported"),
    "svg in utf-16": (lambda: fx.SVG.decode().encode("utf-16"), "unsupported"),
    "pdf": (lambda: fx.encode(fx.pattern(), "PDF"), "unsupported"),
    "tiff": (lambda: fx.encode(fx.pattern(), "TIFF"), "unsupported"),
    "bmp": (lambda: fx.encode(fx.pattern(), "BMP"), "unsupported"),
    "ico": (lambda: fx.encode(fx.pattern(), "ICO"), "unsupported"),
    "html": (lambda: b"<!doctype html><html><body><script>alert(1)</script></body></html>",
             "not_an_image"),
    "plain text": (lambda: b"hello, this is not a photo\n", "not_an_image"),
    "zip": (lambda: fx.zip_archive(), "not_an_image"),
    "html before a jpeg": (lambda: b"<html>" + fx.jpeg(), "not_an_image"),
    "animated gif": (lambda: fx.animated("GIF"), "animated"),
    "animated webp": (lambda: fx.animated("WEBP"), "animated"),
    "animated png": (lambda: fx.animated("PNG"), "animated"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_refused_with_its_reason(name):
    make, reason = HOSTILE[name]
    data = make()
    with pytest.raises(images.ImageError) as caught:
        images.process(data)
    assert caught.value.reason == reason
    assert isinstance(caught.value, Refusal)
    assert str(caught.value) == messages.text(reason, caught.value.detail)


@pytest.mark.parametrize(("data", "fmt"), [
    (fx.encode(fx.pattern(), "PDF"), "PDF"), (fx.SVG, "SVG"),
    (fx.encode(fx.pattern(), "TIFF"), "TIFF"), (fx.encode(fx.pattern(), "BMP"), "BMP"),
])
def test_unsupported_names_the_format(data, fmt):
    with pytest.raises(images.ImageError) as caught:
        images.process(data)
    assert caught.value.detail == {"format": fmt}


def test_limits_are_reported():
    with pytest.raises(images.ImageError) as caught:
        images.process(fx.jpeg(), max_bytes=1000)
    assert (caught.value.reason, caught.value.detail) == (
        "too_large", {"limit_bytes": 1000, "limit": 0.0})
    with pytest.raises(images.ImageError) as caught:
        images.process(fx.jpeg((400, 300)), max_pixels=100_000)
    assert caught.value.reason == "too_many_pixels"
    assert caught.value.detail == {"limit_pixels": 100_000, "limit": 0.1}
    assert "more than 0.1 megapixels" in str(caught.value)
    assert images.process(fx.jpeg((400, 300)), max_pixels=120_000).master.width == 400


def test_content_decides_not_the_name():
    assert set(inspect.signature(images.process).parameters) == {
        "data", "max_bytes", "max_pixels", "web_px", "thumb_px", "master_max_pixels"}
    assert images.process(fx.encode(fx.pattern(), "PNG")).source_format == "PNG"


def test_still_gif_is_accepted():
    assert images.process(fx.encode(fx.pattern(), "GIF")).source_format == "GIF"


@pytest.mark.parametrize("suffix", [
    fx.zip_archive(),
    b"<html><script>alert('SECRET-HTML-PAYLOAD')</script></html>",
])
def test_polyglot_payload_is_destroyed(suffix):
    data = fx.jpeg() + suffix
    assert zipfile.is_zipfile(io.BytesIO(data)) == suffix.startswith(b"PK")
    for derivative in derivatives(images.process(data)):
        assert b"SECRET" not in derivative.data and b"<script" not in derivative.data
        assert not zipfile.is_zipfile(io.BytesIO(derivative.data))
        assert_metadata_free(derivative)


def test_payload_in_a_jpeg_comment_is_dropped():
    data = fx.jpeg_with_comment(b"<script>alert('SECRET')</script>")
    assert b"SECRET" in data
    for derivative in derivatives(images.process(data)):
        assert b"SECRET" not in derivative.data
        assert 0xFE not in {marker for marker, _ in markers(derivative.data)}


def test_broken_exif_block_is_ignored():
    result = images.process(fx.jpeg_with_broken_exif())
    assert result.taken_on is None
    assert_metadata_free(result.master)


def test_truncated_images_stay_refused_even_if_pillow_is_told_otherwise(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(RuntimeError, match="LOAD_TRUNCATED_IMAGES"):
        images.process(fx.truncated(fx.jpeg()))


def test_processing_never_warns(corpus):
    inputs = [(corpus / name).read_bytes() for name in ALL_PHOTOS]
    inputs += [fx.jpeg_with_broken_exif(), fx.with_exif(orientation=9, taken="bogus")]
    inputs += [make() for make, _ in HOSTILE.values()]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for data in inputs:
            try:
                images.process(data)
            except images.ImageError:
                pass
    assert [str(w.message) for w in caught] == []
