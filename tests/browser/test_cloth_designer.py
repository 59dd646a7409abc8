"""The cloth designer in Chromium: keyboard reorder, hover thumbnails, live contrast."""

from __future__ import annotations

from helpers import SMALL, add_photos  # tests/ is on the path (its conftest)
from werkzeug.security import generate_password_hash

from tablecloth import context, db
from tablecloth.models import Organiser
from tablecloth.services.cloth import design, editions

EMAIL, PASSWORD = "designer@example.org", "designer password"


def test_designer_reorders_by_keyboard_and_shows_thumbnails(live_server, laptop, corpus, shots):
    app = live_server.app
    with app.app_context():
        db.session().add(Organiser(email=EMAIL, password_hash=generate_password_hash(PASSWORD)))
        db.session().commit()
        photos = add_photos(corpus, 4)
        site = context.site()
        design.save_settings(site, editions.current_cloth(site), SMALL)
    page = laptop.new_page()
    page.goto(f"{live_server.url}/organiser/login?lang=en")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(f"{live_server.url}/organiser/cloth")

    shown = page.locator("#photo-order li").evaluate_all(
        "items => items.map(li => li.dataset.code)")
    assert sorted(shown) == sorted(p.code for p in photos)
    page.locator("#photo-order li").first.locator("[data-move=down]").click()
    moved = [shown[1], shown[0], *shown[2:]]
    assert page.input_value("#order-input") == ",".join(moved)
    assert page.is_checked("input[name=mode][value=manual]")
    page.click("#order-form button[type=submit]")
    page.wait_for_selector("text=Order saved.")
    with app.app_context():
        site = context.site()
        assert [p.code for p in design.selection(site, editions.current_cloth(site))] == moved

    page.wait_for_selector(".spot")
    assert page.locator(".spot").count() == 4
    page.locator(".spot").first.hover()
    tip = page.locator("#tip")
    tip.wait_for(state="visible")
    assert tip.locator("img").get_attribute("src") == f"/organiser/photos/{moved[0]}/thumb"
    assert moved[0] in tip.inner_text()
    page.wait_for_function("document.querySelector('#tip img').naturalWidth > 0")
    page.screenshot(path=str(shots / "cloth-designer.png"), full_page=True)

    page.fill("#dark", "#777777")
    page.dispatch_event("#dark", "input")
    assert page.inner_text("#contrast") == "4.5:1"
    assert "bad" in page.get_attribute("#contrast", "class")


def _centre_on_cloth(page) -> tuple[float, float]:
    """Return where the middle of the preview's view falls on the cloth, as fractions of it."""
    return page.evaluate("""() => {
        const view = document.getElementById('viewport').getBoundingClientRect();
        const cloth = document.getElementById('canvas').getBoundingClientRect();
        const x = view.left + document.getElementById('viewport').clientWidth / 2;
        const y = view.top + document.getElementById('viewport').clientHeight / 2;
        return [(x - cloth.left) / cloth.width, (y - cloth.top) / cloth.height];
    }""")


def test_designer_zooms_toward_the_pointer_or_the_middle(live_server, laptop, corpus, shots):
    app = live_server.app
    with app.app_context():
        db.session().add(Organiser(email=EMAIL, password_hash=generate_password_hash(PASSWORD)))
        db.session().commit()
        add_photos(corpus, 24)
    page = laptop.new_page()
    page.goto(f"{live_server.url}/organiser/login?lang=en")
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.goto(f"{live_server.url}/organiser/cloth")
    page.wait_for_selector(".spot")
    page.wait_for_function("document.getElementById('preview-img').complete")

    # The buttons keep the middle of the view where it was, never the top-left corner.
    before = _centre_on_cloth(page)
    for _ in range(3):
        page.click("[data-zoom=in]")
    after = _centre_on_cloth(page)
    assert abs(after[0] - before[0]) < 0.02 and abs(after[1] - before[1]) < 0.02, (before, after)
    page.click("[data-zoom=reset]")

    # Ctrl and the wheel (a trackpad's pinch) keep the code under the pointer under it; a code
    # away from the edges, where the cloth has room to grow on every side.
    middle = page.evaluate("""() => {
        const view = document.getElementById('viewport').getBoundingClientRect();
        const spots = [...document.querySelectorAll('.spot')];
        const off = s => { const b = s.getBoundingClientRect();
            return Math.hypot(b.x + b.width / 2 - view.x - view.width / 2,
                              b.y + b.height / 2 - view.y - view.height / 2); };
        return spots.indexOf(spots.reduce((a, b) => off(a) <= off(b) ? a : b));
    }""")
    spot = page.locator(".spot").nth(middle)
    box = spot.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    code = spot.get_attribute("title")
    page.mouse.move(x, y)
    page.keyboard.down("Control")
    for _ in range(8):
        page.mouse.wheel(0, -120)
    page.keyboard.up("Control")
    page.wait_for_function("document.getElementById('canvas').style.width !== ''")
    grown = spot.bounding_box()
    assert grown["width"] > 2 * box["width"]  # zoomed in
    under = page.evaluate("([x, y]) => document.elementFromPoint(x, y).title", [x, y])
    assert under == code
    view = page.locator("#viewport").bounding_box()
    assert view["x"] <= grown["x"] and grown["x"] + grown["width"] <= view["x"] + view["width"]
    assert view["y"] <= grown["y"] and grown["y"] + grown["height"] <= view["y"] + view["height"]
    page.screenshot(path=str(shots / "cloth-designer-zoomed.png"))
