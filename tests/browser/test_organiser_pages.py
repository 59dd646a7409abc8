"""The organiser pages in a real browser: log in, bulk moderation, withdrawal, captions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import AgeBand, Photo, PhotoState
from tablecloth.services import accounts, groups, uploads

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
EMAIL, PASSWORD = "teacher@example.org", "a long enough password"
FILES = ("jpg_Canon_40D.jpg", "jpg_mobile_jolla.jpg", "jpg_orientation_portrait_8.jpg")


def _seed(live_server) -> list[str]:
    with live_server.app_context():
        accounts.create_organiser(site(), EMAIL, PASSWORD)
        city = groups.city_by_slug(site(), "coventry")
        return [
            uploads.accept_upload(site(), (CORPUS / name).read_bytes(), city=city, first_name="Sam",
                                  caption=f"Photo {n}", age_band=AgeBand.ADULT,
                                  consent_self=True).photo.code
            for n, name in enumerate(FILES)
        ]


def _states(live_server) -> dict[str, PhotoState]:
    with live_server.app_context():
        return {p.code: p.state for p in db.session().scalars(select(Photo))}


def _log_in(page, url: str) -> None:
    page.goto(url + "/organiser/moderation")
    assert "/organiser/login" in page.url
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(url + "/organiser/moderation")


def test_bulk_moderation_in_the_browser(live_server, laptop, shots):
    codes = _seed(live_server)
    page = laptop.new_page()
    _log_in(page, live_server.url)
    # Every thumbnail loads for the organiser.
    for code in codes:
        image = page.locator(f"#photo-{code} img")
        image.scroll_into_view_if_needed()
        assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=str(shots / "queue.png"), full_page=True)

    # Enter in the shared reason field rejects the ticked photo; it never approves it.
    page.check(f"#pick-{codes[0]}")
    page.fill("#bulk-reason", "blurred")
    page.press("#bulk-reason", "Enter")
    page.wait_for_selector(".flash:has-text('Rejected 1 photo')")
    assert _states(live_server)[codes[0]] == PhotoState.REJECTED

    # "Select all" ticks the rest; one button approves them together.
    page.check("#select-all")
    page.click("form.bulk button[value=approve]")
    page.wait_for_selector(".flash:has-text('Approved 2 photos')")
    states = _states(live_server)
    assert [states[c] for c in codes[1:]] == [PhotoState.APPROVED] * 2
    assert "Nothing here." in page.inner_text("main")


def test_withdraw_asks_first_and_caption_saves(live_server, laptop):
    codes = _seed(live_server)
    page = laptop.new_page()
    _log_in(page, live_server.url)

    # Dismissing the question sends nothing: the next page's messages hold no withdrawal.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(f"#photo-{codes[2]} button[value=withdraw]")

    page.fill(f"#caption-{codes[1]}", "Broadgate in the rain")
    page.click(f"#photo-{codes[1]} form.caption button")
    page.wait_for_selector(f".flash:has-text('Caption of {codes[1]} saved.')")
    assert "Withdrew" not in page.inner_text("main")
    assert _states(live_server)[codes[2]] == PhotoState.PENDING
    with live_server.app_context():
        photo = db.session().scalars(select(Photo).where(Photo.code == codes[1])).one()
        assert photo.caption == "Broadgate in the rain"

    page.once("dialog", lambda dialog: dialog.accept())
    page.click(f"#photo-{codes[2]} button[value=withdraw]")
    page.wait_for_selector(f".flash:has-text('Withdrew 1 photo: {codes[2]}')")
    assert _states(live_server)[codes[2]] == PhotoState.WITHDRAWN
