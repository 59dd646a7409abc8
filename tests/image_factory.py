"""Build photo-like and hostile image files in memory for the tests (a helper, not tests)."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

from PIL import Image
from pillow_heif import register_heif_opener

register_heif_opener()  # so that the tests can write HEIF files too
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pattern(size=(320, 240), mode="RGB") -> Image.Image:
    """Return an asymmetric, photo-ish test image (gradients plus a marked top-left corner)."""
    width, height = size
    im = Image.linear_gradient("L").resize(size).convert("RGB")
    red = Image.linear_gradient("L").rotate(90).resize(size)
    im = Image.merge("RGB", (red, im.getchannel(1), Image.new("L", size, 90)))
    # A dark block in the top-left corner tells every rotation and mirror apart.
    im.paste((10, 10, 10), (0, 0, width // 4, height // 4))
    return im.convert(mode) if mode != "RGB" else im


def encode(im: Image.Image, fmt: str, **options) -> bytes:
    """Return im saved in fmt."""
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def jpeg(size=(320, 240), **options) -> bytes:
    """Return a JPEG of the test pattern."""
    return encode(pattern(size), "JPEG", quality=90, **options)


def small_jpeg(seed: int = 0) -> bytes:
    """Return a small JPEG whose bytes differ for every seed."""
    out = io.BytesIO()
    pattern((80, 60)).save(out, "JPEG", quality=90, comment=f"seed {seed}".encode())
    return out.getvalue()


def generated_jpeg(seed: int) -> bytes:
    """Return a small JPEG whose pixels differ from every other seed's."""
    image = Image.new("RGB", (320, 240), ((seed * 53) % 256, (seed * 97) % 256, (seed * 31) % 256))
    for x in range(0, 320, 40):
        image.paste((255 - (seed * 7) % 256, 120, 40), (x, (seed * 13) % 200, x + 20, 240))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def with_exif(size=(320, 240), orientation=None, taken=None, gps=False) -> bytes:
    """Return a JPEG carrying the EXIF orientation, DateTimeOriginal and GPS asked for."""
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        exif.get_ifd(0x8825).update({1: "N", 2: (52.0, 24.0, 30.0), 3: "W", 4: (1.0, 30.0, 0.0)})
    return encode(pattern(size), "JPEG", quality=90, exif=exif)


def chunk(kind: bytes, payload: bytes) -> bytes:
    checksum = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + checksum


def png_declaring(width: int, height: int) -> bytes:
    """Return a tiny PNG whose header declares width x height RGB pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def png_bomb(side: int = 12_000) -> bytes:
    """Return a real decompression bomb: side x side grey zeros, deflated to a few hundred KB."""
    packer = zlib.compressobj(9)
    row = b"\0" * (side + 1)  # filter byte plus one byte a pixel
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """Return a small JPEG whose frame header is patched to claim width x height."""
    data = bytearray(jpeg((64, 48)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """Return the first part of data, as a broken connection would leave it."""
    return data[: int(len(data) * keep)]


def premature_end(data: bytes) -> bytes:
    """Return a JPEG whose scan stops a third early but still ends with its end marker.

    libjpeg reports "Corrupt JPEG data: premature end of data segment", only as a warning, and
    fills the rest of the picture with grey: Pillow opens and decodes it without a word.
    """
    scan = data.rindex(b"\xff\xda")  # the main image's scan, after any EXIF thumbnail's
    end = data.rindex(b"\xff\xd9")
    return data[:scan + (end - scan) * 2 // 3] + data[end:]


def scrambled(data: bytes, start: int = 700, length: int = 3000) -> bytes:
    """Return data with a run of bytes in the middle replaced by noise."""
    noise = random.Random(7).randbytes(length)
    return data[:start] + noise + data[start + length:]


def animated(fmt: str, frames: int = 3) -> bytes:
    """Return an animated GIF, WebP or PNG (APNG)."""
    images = [Image.new("RGB", (48, 32), (80 * n, 40, 200 - 60 * n)) for n in range(frames)]
    return encode(images[0], fmt, save_all=True, append_images=images[1:], duration=100, loop=0)


def zip_archive(name: str = "payload.txt", text: bytes = b"SECRET-ZIP-PAYLOAD") -> bytes:
    """Return a small ZIP archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, text)
    return out.getvalue()


def jpeg_with_comment(comment: bytes) -> bytes:
    """Return a JPEG whose COM segment carries comment."""
    return jpeg(comment=comment)


def jpeg_with_broken_exif() -> bytes:
    """Return a JPEG whose APP1 Exif block has a TIFF header pointing nowhere."""
    data = jpeg()
    payload = b"Exif\0\0" + b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 40) + b"\xff" * 30
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b"<script>alert(1)</script></svg>")
