"""Fonts that print the names participants write, and text shaped with them (pure).

Participants write their names in many scripts (Latin with accents, Cyrillic, Arabic, Urdu,
Punjabi, Chinese...). Each character is printed by the first face in ``FACES`` that has a
glyph for it: Debian's Noto families for alphabets and Indic and Middle-Eastern scripts, then
WenQuanYi Micro Hei for Chinese, Japanese and Korean (Noto's CJK fonts are CFF, which PDF
writers here cannot embed; Micro Hei is TrueType, derived from Droid Sans Fallback), then
DejaVu Sans for symbols. Consecutive characters of one face form a run, which HarfBuzz shapes
(joining Arabic letters, reordering Gurmukhi vowel signs) with the same features that
reportlab uses, so a width measured here is the width printed in every format.

Emoji cannot be printed on fabric by any of these fonts (colour bitmaps), so ``clean``
leaves them out and says which; characters that no face covers are left out and named too.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import uharfbuzz as hb

NOTO = Path("/usr/share/fonts/truetype/noto")
WQY = Path("/usr/share/fonts/truetype/wqy")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
# reportlab shapes with these, so widths here match the PDF's.
FEATURES = {"kern": True, "liga": True, "dlig": True}


@dataclass(frozen=True)
class Face:
    """One font family in the fallback order: its regular and bold files."""

    key: str
    regular: Path
    bold: Path
    package: str
    index: int = 0  # the font inside a .ttc collection

    def path(self, bold: bool) -> Path:
        """Return the file of the regular or bold face."""
        return self.bold if bold else self.regular

    def pdf_name(self, bold: bool) -> str:
        """Return the name this face is registered under in a PDF writer."""
        return f"tc-{self.key}-{'bold' if bold else 'regular'}"


def _noto(key: str, family: str) -> Face:
    return Face(key, NOTO / f"{family}-Regular.ttf", NOTO / f"{family}-Bold.ttf",
                "fonts-noto-core")


FACES: tuple[Face, ...] = (
    _noto("latin", "NotoSans"),  # Latin, Cyrillic, Greek, Vietnamese
    _noto("arabic", "NotoSansArabic"),  # Arabic, Persian, Urdu
    _noto("hebrew", "NotoSansHebrew"),
    _noto("devanagari", "NotoSansDevanagari"),
    _noto("gurmukhi", "NotoSansGurmukhi"),  # Punjabi
    _noto("bengali", "NotoSansBengali"),
    _noto("gujarati", "NotoSansGujarati"),
    _noto("tamil", "NotoSansTamil"),
    _noto("telugu", "NotoSansTelugu"),
    _noto("kannada", "NotoSansKannada"),
    _noto("malayalam", "NotoSansMalayalam"),
    _noto("sinhala", "NotoSansSinhala"),
    _noto("thai", "NotoSansThai"),
    _noto("armenian", "NotoSansArmenian"),
    _noto("georgian", "NotoSansGeorgian"),
    _noto("ethiopic", "NotoSansEthiopic"),
    _noto("thaana", "NotoSansThaana"),
    Face("cjk", WQY / "wqy-microhei.ttc", WQY / "wqy-microhei.ttc", "fonts-wqy-microhei"),
    Face("dejavu", DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf",
         "fonts-dejavu-core"),
)
PRIMARY = FACES[0]
CAP_HEIGHT_EM = 0.714  # Noto Sans: capital letters stand 714/1000 of the em


def missing_fonts() -> list[Face]:
    """Return the faces whose files are not installed (scripts/bootstrap installs them)."""
    return [f for f in FACES if not (f.regular.exists() and f.bold.exists())]


@lru_cache(maxsize=64)
def _hb_face(path: Path, index: int) -> hb.Face:
    return hb.Face(hb.Blob.from_file_path(str(path)), index)


@lru_cache(maxsize=64)
def hb_font(face: Face, bold: bool) -> hb.Font:
    """Return the HarfBuzz font of a face (scaled in font units)."""
    return hb.Font(_hb_face(face.path(bold), face.index))


@lru_cache(maxsize=64)
def _cmap(face: Face) -> frozenset[int]:
    if not face.regular.exists():
        return frozenset()
    return frozenset(_hb_face(face.regular, face.index).unicodes)


@lru_cache(maxsize=4096)
def face_for(char: str) -> Face | None:
    """Return the first face with a glyph for char, or None when no face has one."""
    cp = ord(char)
    for face in FACES:
        if cp in _cmap(face):
            return face
    return None


# ---------------------------------------------------------------- what can print

_EMOJI_RANGES = (
    (0x1F000, 0x1FAFF),  # pictographs, emoticons, transport, flags' letters, supplements
    (0x2600, 0x27BF),  # miscellaneous symbols and dingbats (☀ ✂ ❤)
    (0x2B00, 0x2BFF),  # arrows and stars drawn as emoji (⭐ ⬆)
    (0xE0020, 0xE007F),  # tag characters of subdivision flags
    (0x1F3FB, 0x1F3FF),  # skin tones
)
_EMOJI_JOINERS = {0xFE0F, 0xFE0E, 0x20E3}  # presentation selectors, keycap
ZWJ = "\u200d"


def is_emoji(char: str) -> bool:
    """Say whether char is an emoji or part of one (selector, skin tone, keycap)."""
    cp = ord(char)
    return cp in _EMOJI_JOINERS or any(a <= cp <= b for a, b in _EMOJI_RANGES)


@dataclass(frozen=True)
class Printable:
    """A text as it prints: what is left, the emoji left out, the characters no font has."""

    text: str
    emoji: str = ""
    missing: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.emoji or self.missing)


@lru_cache(maxsize=8192)
def clean(text: str) -> Printable:
    """Return text with emoji and unprintable characters left out, and what was left out."""
    chars = list(text or "")
    kept: list[str] = []
    emoji: list[str] = []
    missing: list[str] = []
    for i, ch in enumerate(chars):
        near_emoji = (i > 0 and is_emoji(chars[i - 1])) or (
            i + 1 < len(chars) and is_emoji(chars[i + 1]))
        if is_emoji(ch) or (ch == ZWJ and near_emoji):
            if unicodedata.category(ch) == "So" and ch not in emoji:
                emoji.append(ch)
            continue
        category = unicodedata.category(ch)
        if ch.isspace():
            kept.append(" ")
        elif category in ("Cc", "Cs", "Co", "Cn"):
            continue  # controls and unassigned code points never print
        elif category == "Cf" and face_for(ch) is None:
            continue  # an invisible format character the font lacks changes nothing
        elif face_for(ch) is None:
            if ch not in missing:
                missing.append(ch)
        else:
            kept.append(ch)
    printed = " ".join("".join(kept).split())
    return Printable(printed, "".join(emoji), "".join(missing))


# ---------------------------------------------------------------- shaping


@dataclass(frozen=True)
class Run:
    """Characters of one face, shaped: glyph ids and their positions in em from the run's start."""

    face: Face
    bold: bool
    text: str
    rtl: bool
    glyphs: tuple[int, ...]
    x_em: tuple[float, ...]  # glyph origin (pen position plus offset)
    y_em: tuple[float, ...]  # upward offset of each glyph
    advance_em: float


@dataclass(frozen=True)
class Shaped:
    """A line of text as runs in visual order (left to right), and its advance width in em."""

    runs: tuple[Run, ...]
    width_em: float


def _neutral(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "ZPS" or ch.isspace()


def _mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or ch in (ZWJ, "\u200c")


def _faces(text: str) -> list[Face | None]:
    """Return the face of each character: marks stay with their letter, neutrals between
    two letters of one face join it, other neutrals go to the primary face."""
    faces: list[Face | None] = []
    for ch in text:
        own = face_for(ch)
        if _mark(ch) and faces and faces[-1] is not None and ord(ch) in _cmap(faces[-1]):
            faces.append(faces[-1])
        elif _neutral(ch):
            faces.append(None)  # decided below, once both neighbours are known
        else:
            faces.append(own)
    strong = [f if not _neutral(ch) else None for ch, f in zip(text, faces, strict=True)]
    for i, ch in enumerate(text):
        if faces[i] is not None or not _neutral(ch):
            continue
        before = next((strong[j] for j in range(i - 1, -1, -1) if strong[j]), None)
        after = next((strong[j] for j in range(i + 1, len(text)) if strong[j]), None)
        if before is not None and before is after and ord(ch) in _cmap(before):
            faces[i] = before
        elif ord(ch) in _cmap(PRIMARY):
            faces[i] = PRIMARY
        else:
            faces[i] = face_for(ch)
    return faces


def _shape_run(face: Face, bold: bool, text: str) -> Run:
    font = hb_font(face, bold)
    upem = font.face.upem
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(font, buf, FEATURES)
    pen = 0.0
    glyphs, xs, ys = [], [], []
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        glyphs.append(info.codepoint)
        xs.append((pen + pos.x_offset) / upem)
        ys.append(pos.y_offset / upem)
        pen += pos.x_advance
    return Run(face, bold, text, buf.direction == "rtl", tuple(glyphs), tuple(xs), tuple(ys),
               pen / upem)


@lru_cache(maxsize=16384)
def shape(text: str, bold: bool = False) -> Shaped:
    """Return text (already cleaned) shaped as runs of one face each, in visual order.

    The line reads left to right; a stretch of right-to-left runs (an Arabic or Hebrew name)
    is laid out right to left within it, which is how a bilingual label reads.
    """
    faces = _faces(text)
    runs: list[Run] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or faces[i] is not faces[start]:
            face = faces[start]
            if face is not None:
                runs.append(_shape_run(face, bold, text[start:i]))
            start = i
    ordered: list[Run] = []
    i = 0
    while i < len(runs):
        j = i
        while j < len(runs) and runs[j].rtl:
            j += 1
        if j > i:
            ordered.extend(reversed(runs[i:j]))
            i = j
        else:
            ordered.append(runs[i])
            i += 1
    return Shaped(tuple(ordered), sum(r.advance_em for r in ordered))
