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
