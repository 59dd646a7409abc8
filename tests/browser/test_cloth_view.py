"""/cloth in Chromium with 900 approved photos, on a phone and a desktop: the whole cloth on
first paint, a first view well under 2 MB, zoom toward a square keeps it in view, a tap opens
its photo, a search by name in either script highlights its squares, ?code= centres one."""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import pytest
from helpers import insert_photos  # tests/ is on the path (its conftest)
from PIL import Image, ImageOps
from sqlalchemy import insert, select, update

from tablecloth import context, db
from tablecloth.models import Photo, StoredFile
from tablecloth.services import tiles
from tablecloth.services.cloth import design, editions

PHOTOS = 900
# A cloth on three panels (a full-width centre and two sides) holding 900 codes of this
# test server's (short) address.
SETTINGS = {"width_mm": 2400.0, "height_mm": 1800.0, "module_mm": 1.4}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
FIRST_VIEW_BYTES = 2_000_000
# Every photo the view asked for has arrived (for a screenshot that shows them).
PHOTOS_SHOWN = ("[...document.querySelectorAll('image.photo')]"
                ".every(i => i.classList.contains('loaded'))")


def _sources(corpus: Path) -> list[Image.Image]:
    """Return the corpus's phone photos, upright and a few hundred pixels wide."""
    found = []
    for path in sorted(corpus.iterdir()):
        try:
            with Image.open(path) as im:
                im.load()
                found.append(ImageOps.exif_transpose(im).convert("RGB").resize(
                    (480, 480 * im.height // im.width)))
        except OSError:
            continue  # the corpus's deliberately broken file
    assert len(found) >= 5
    return found


def _tile(sources: list[Image.Image], i: int) -> bytes:
    """Return a tile as the app makes them, from a different part of a real photo each time."""
    im = sources[i % len(sources)]
    side = min(im.size) * (40 + (i * 7) % 60) // 100
    x = (i * 53) % (im.width - side + 1)
    y = (i * 29) % (im.height - side + 1)
    out = io.BytesIO()
    im.crop((x, y, x + side, y + side)).save(out, "JPEG", quality=90)
    return tiles.make(out.getvalue()).data


def seed(app, corpus: Path) -> list[str]:
    """Approve PHOTOS photos with real tiles on a cloth of three panels; return their codes."""
    with app.app_context():
        session = db.session()
        codes = insert_photos(session, PHOTOS)
        site = context.site()
        ids = dict(session.execute(select(Photo.code, Photo.id)).all())
        rows = []
        sources = _sources(corpus)
        for i, code in enumerate(codes):
            data = _tile(sources, i)
            key = tiles.key_of(code)
            site.store.put(key, data, "image/jpeg")
            rows.append({"photo_id": ids[code], "kind": tiles.KIND, "key": key,
                         "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                         "content_type": "image/jpeg", "width": tiles.TILE_PX,
                         "height": tiles.TILE_PX})
        session.execute(insert(StoredFile), rows)
        # Some names written in Cyrillic: a search in either script finds both.
        session.execute(update(Photo).where(Photo.code.in_(codes[8::40])).values(first_name="Аня"))
        session.commit()
        design.save_settings(site, editions.current_cloth(site), SETTINGS)
        return codes


@pytest.fixture
def cloth_site(live_server, corpus):
    codes = seed(live_server.app, corpus)
    return live_server, codes


def wait_until(page, predicate: str, deadline_s: float = 20.0) -> None:
    """Poll a JavaScript expression in the page until it is true, or fail at the deadline."""
    end = time.monotonic() + deadline_s
    while not page.evaluate(predicate):
        assert time.monotonic() < end, f"never true: {predicate}"
        page.wait_for_timeout(50)


def _open(browser, device: dict, url: str):
    """Open url in a fresh context; return the page and the bytes of every response."""
    # Under the site's own Content-Security-Policy: waits poll with page.evaluate (wait_until),
    # because Playwright's wait_for_function runs its predicate through eval(), which the
    # policy forbids.
    context_ = browser.new_context(**device, locale="en-GB")
    context_.set_default_timeout(20_000)
    page = context_.new_page()
    sizes: dict[str, int] = {}

    def count(response):
        try:
            sizes[response.url] = len(response.body())
        except Exception:  # a redirect or an aborted load has no body to count
            sizes[response.url] = 0

    page.on("response", count)
    page.goto(url)
    page.wait_for_selector("#cloth-view.ready")
    page.wait_for_load_state("networkidle")
    return context_, page, sizes


def _box(page, code: str) -> dict:
    return page.locator(f"a.cell[data-code='{code}'] rect.quiet").bounding_box()


def _inside(box: dict, outer: dict) -> bool:
    return (box["x"] >= outer["x"] - 0.5 and box["y"] >= outer["y"] - 0.5
            and box["x"] + box["width"] <= outer["x"] + outer["width"] + 0.5
            and box["y"] + box["height"] <= outer["y"] + outer["height"] + 0.5)


@pytest.mark.parametrize("device", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_whole_cloth_on_first_paint_and_zoom_tap_search_code(cloth_site, browser, device,
                                                                 shots):
    server, codes = cloth_site
    context_, page, sizes = _open(browser, device, f"{server.url}/cloth?lang=en")
    try:
        # Every photo drawn, every square inside the view and the view inside the screen.
        assert page.locator("a.cell").count() == PHOTOS
        view = page.locator("#cloth-box").bounding_box()
        screen = {"x": 0, "y": 0, **device["viewport"]}
        assert _inside(view, screen), (view, screen)
        for code in (codes[0], codes[PHOTOS // 2], codes[-1]):
            assert _inside(_box(page, code), view), code
        # The first view: page, script, style, cells' data (and any tiles) under 2 MB.
        assert sum(sizes.values()) < FIRST_VIEW_BYTES, sizes
        assert sizes[f"{server.url}/cloth?lang=en"] < 100_000  # cells come as data
        name = "phone" if device is PHONE else "desktop"
        page.screenshot(path=str(shots / f"cloth-{name}.png"))

        # The buttons zoom toward the centre: the square there stays there.
        middle = page.evaluate("""() => {
            const v = window.clothViewer, x = v.W / 2, y = v.H / 2;
            let best = null, far = Infinity;
            for (const c of v.cells) {
                const d = Math.hypot((c.x_mm + c.size_mm / 2) * v.s + v.tx - x,
                                     (c.y_mm + c.size_mm / 2) * v.s + v.ty - y);
                if (d < far) { far = d; best = c.code; }
            }
            return best;
        }""")
        page.click("[data-zoom=in]")
        page.click("[data-zoom=in]")
        page.wait_for_load_state("networkidle")
        assert _inside(_box(page, middle), view)
        wait_until(page, PHOTOS_SHOWN)
        page.screenshot(path=str(shots / f"cloth-{name}-closer.png"))

        page.click("[data-zoom=all]")

        # Zoom toward a square with the wheel (or twice the + button at the centre): it stays
        # under the pointer, in view, and grows.
        target = codes[PHOTOS // 3]
        before = _box(page, target)
        x, y = before["x"] + before["width"] / 2, before["y"] + before["height"] / 2
        page.mouse.move(x, y)
        for _ in range(4):
            page.mouse.wheel(0, -300)
        wait_until(page, "window.clothViewer.s > window.clothViewer.fitScale * 2")
        after = _box(page, target)
        assert after["width"] > before["width"] * 2
        assert _inside(after, view)
        assert after["x"] <= x <= after["x"] + after["width"]
        assert after["y"] <= y <= after["y"] + after["height"]
        # Photos show once squares are big enough to see them.
        page.wait_for_selector(f"a.cell[data-code='{target}'] image.photo")
        wait_until(page, PHOTOS_SHOWN)
        page.screenshot(path=str(shots / f"cloth-{name}-zoomed.png"))

        # A tap (or click) on the square opens its photo.
        after = _box(page, target)
        point = (after["x"] + after["width"] / 2, after["y"] + after["height"] / 2)
        with page.expect_navigation():
            if device is PHONE:
                page.touchscreen.tap(*point)
            else:
                page.mouse.click(*point)
        assert page.url.endswith(f"/P/{target}")

        # A search in Cyrillic finds the photos named Аня and those named Anya.
        page.goto(f"{server.url}/cloth?lang=en")
        page.wait_for_selector("#cloth-view.ready")
        page.fill("#cloth-q", "Аня")
        page.press("#cloth-q", "Enter")
        page.wait_for_selector("svg.cloth-svg.searching")
        hits = page.locator("a.cell.hit")
        expected = page.evaluate(
            "window.clothViewer.cells.filter(c => c.name === 'Аня' || c.name === 'Anya')"
            ".map(c => c.code).sort()")
        assert len(expected) > PHOTOS // 10
        assert sorted(hits.evaluate_all("els => els.map(e => e.dataset.code)")) == expected
        assert f"Photos found: {len(expected)}" in page.inner_text("#cloth-found")
        page.screenshot(path=str(shots / f"cloth-{name}-search.png"))

        # ?code= centres that square, zoomed in, and marks it.
        wanted = codes[PHOTOS - 7]
        page.goto(f"{server.url}/cloth?lang=en&code={wanted.lower()}")
        page.wait_for_selector("#cloth-view.ready")
        box, view = _box(page, wanted), page.locator("#cloth-box").bounding_box()
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert abs(centre[0] - (view["x"] + view["width"] / 2)) < box["width"]
        assert abs(centre[1] - (view["y"] + view["height"] / 2)) < box["height"] * 1.5
        assert box["width"] > 40 and _inside(box, view)
        assert page.locator(f"a.cell.here[data-code='{wanted}']").count() == 1
        wait_until(page, PHOTOS_SHOWN)
        page.screenshot(path=str(shots / f"cloth-{name}-code.png"))
    finally:
        context_.close()


def test_keyboard_moves_between_squares(cloth_site, browser):
    server, codes = cloth_site
    context_, page, _sizes = _open(browser, DESKTOP, f"{server.url}/cloth?lang=en")
    try:
        page.focus("a.cell[tabindex='0']")
        first = page.evaluate("document.activeElement.dataset.code")
        page.keyboard.press("ArrowRight")
        second = page.evaluate("document.activeElement.dataset.code")
        assert second != first and second in codes
        # One square at a time is in the tab order (a roving tabindex), and it is the current.
        assert page.locator("a.cell[tabindex='0']").count() == 1
        assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith(f"/P/{second}")
    finally:
        context_.close()
