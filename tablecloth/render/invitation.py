"""A printable A4 invitation for one group: its name, city, a QR code to the upload page."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from .. import qr
from ..layout.text import FONT_BOLD_NAME, FONT_NAME
from .pdf import register_fonts

MM = 72 / 25.4
MARGIN = 20 * MM
QR_SIDE = 80 * MM  # large modules: an upload URL needs a bigger symbol than a photo code
QUIET = 4  # modules of white around the symbol, as the standard asks

INSTRUCTIONS = {
    "en": (
        "Share your photos of your city",
        [
            "1. Scan the code with your phone's camera and open the link.",
            "2. Choose up to a few photos, write your first name or a nickname (never your "
            "full name) and, if you like, a caption.",
            "3. Organisers look at every photo before it appears. Keep the receipt link: "
            "with it you can withdraw your photo at any time.",
        ],
        "No camera app? Open {url} and type the code {code}.",
    ),
    "ru": (
        "Поделитесь фотографиями своего города",
        [
            "1. Отсканируйте код камерой телефона и откройте ссылку.",
            "2. Выберите несколько фотографий, напишите своё имя или ник (не полное имя) "
            "и, если хотите, подпись.",
            "3. Организаторы смотрят каждую фотографию, прежде чем она появится. Сохраните "
            "ссылку из квитанции: по ней фотографию можно отозвать в любой момент.",
        ],
        "Не сканируется? Откройте {url} и введите код {code}.",
    ),
}


def _paragraph(c: Canvas, text: str, y: float, font: str, size: float, width: float) -> float:
    """Draw wrapped text from y downwards; return the y below it."""
    c.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        c.drawString(MARGIN, y, line)
        y -= size * 1.3
    return y


def render_invitation(url: str, code: str, group_name: str, city_label: str,
                      title: str = "Digital tablecloth · Цифровая скатерть") -> bytes:
    """Return a one-page A4 PDF inviting a group to upload at url (which carries code)."""
    register_fonts()
    out = io.BytesIO()
    page_w, page_h = A4
    width = page_w - 2 * MARGIN
    c = Canvas(out, pagesize=A4, invariant=1)
    c.setTitle(f"{title} — {group_name}")
    y = page_h - MARGIN - 18
    y = _paragraph(c, title, y, FONT_BOLD_NAME, 20, width) - 4
    y = _paragraph(c, group_name, y, FONT_BOLD_NAME, 16, width)
    y = _paragraph(c, city_label, y, FONT_NAME, 13, width) - 8

    matrix = qr.encode(url, "M")
    n = matrix.size + 2 * QUIET
    module = QR_SIDE / n
    left = (page_w - QR_SIDE) / 2
    top = y
    c.setFillColorRGB(0, 0, 0)
    for x, row, run in matrix.runs():
        c.rect(left + (QUIET + x) * module, top - (QUIET + row + 1) * module,
               run * module, module, stroke=0, fill=1)
    y = top - QR_SIDE - 6
    c.setFont(FONT_BOLD_NAME, 14)
    c.drawCentredString(page_w / 2, y, code)
    y -= 24

    for language in ("en", "ru"):
        heading, steps, fallback = INSTRUCTIONS[language]
        y = _paragraph(c, heading, y, FONT_BOLD_NAME, 12, width) - 2
        for step in steps:
            y = _paragraph(c, step, y, FONT_NAME, 10, width) - 1
        text = fallback.format(url=url.split("?")[0], code=code)
        y = _paragraph(c, text, y, FONT_NAME, 9, width) - 10
    c.showPage()
    c.save()
    return out.getvalue()
