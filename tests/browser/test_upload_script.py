"""The upload page's script in real Chromium: previews, a refused photo, a lost connection."""

from __future__ import annotations

import io
import re

import pytest
from image_factory import pattern
from playwright.sync_api import expect
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import Photo
from tablecloth.services import groups

pytestmark = pytest.mark.browser


def small_jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    pattern((80, 60)).save(out, "JPEG", quality=90, comment=f"seed {seed}".encode())
    return out.getvalue()


def test_script_sends_each_photo_and_waits_out_a_lost_connection(live_server, phone, corpus,
                                                                  tmp_path):
    with live_server.app_context():
        invite = groups.create_group(site(), "Youth club",
                                     groups.city_by_slug(site(), "coventry")).invite_code
    good, broken, later = tmp_path / "good.jpg", tmp_path / "broken.jpg", tmp_path / "later.jpg"
    good.write_bytes(small_jpeg(30))
    broken.write_bytes(b"this is not a photo")
    later.write_bytes(small_jpeg(31))
    context = phone("en")
    page = context.new_page()
    page.goto(f"{live_server.url}/upload?code={invite.lower()}")
    page.get_by_label("First name or nickname").fill("Sam")
    guardian = page.locator("#guardian")
    page.check("input[name=age_band][value='13-15']")
    expect(guardian).to_be_hidden()  # 13 to 15 in Coventry: no guardian needed
    page.check("input[name=age_band][value='under13']")
    expect(guardian).to_be_visible()
    expect(page.locator("input[name=consent_guardian]")).to_have_js_property("required", True)
    page.check("input[name=age_band][value='16-17']")
    expect(guardian).to_be_hidden()
    page.check("input[name=consent_self]")
    page.check("input[name=terms]")

    heic = corpus / "heic_IMG_5195.HEIC"
    page.set_input_files("#photos", [str(good), str(broken), str(heic)])
    cards = page.locator("#picked li")
    expect(cards).to_have_count(3)
    # Chromium cannot show HEIC: the participant sees the file name instead, locally.
    expect(cards.nth(2).locator(".placeholder")).to_have_text(heic.name)
    cards.nth(0).locator("textarea").fill("Cathedral")
    page.get_by_role("button", name="Send photos").click()
    expect(cards.nth(0)).to_have_class(re.compile(r"\bdone\b"), timeout=30_000)
    expect(cards.nth(2)).to_have_class(re.compile(r"\bdone\b"), timeout=30_000)
    expect(cards.nth(1)).to_have_class(re.compile(r"\bfailed\b"))
    expect(cards.nth(1).locator(".state")).to_contain_text("not a photo we can read")
    # A refused file says what to do instead; trying it again could not help.
    expect(cards.nth(1).get_by_role("button", name="Try again")).to_be_hidden()
    expect(cards.nth(0).get_by_role("button", name="Try again")).to_be_hidden()
    receipts = page.locator("#receipt-list .receipt")
    expect(receipts).to_have_count(2)
    expect(page.locator("#mine").get_by_role("button", name="Copy link")).to_be_visible()
    expect(page.locator("#status-line")).to_contain_text("Photos that could not be sent: 1")

    # The connection drops while a new photo is sent: the queue waits, then goes on by itself.
    cards.nth(1).get_by_role("button", name="Remove").click()
    expect(cards).to_have_count(2)
    page.set_input_files("#photos", [str(later)])
    context.set_offline(True)
    page.get_by_role("button", name="Send photos").click()
    last = cards.nth(2)
    expect(last.locator(".state")).to_contain_text("Waiting for a signal")
    expect(page.locator("#status-line")).to_contain_text("Waiting for a signal… 2 of 3 sent")
    context.set_offline(False)
    expect(last).to_have_class(re.compile(r"\bdone\b"), timeout=30_000)
    expect(receipts).to_have_count(3)
    expect(page.locator("#receipts")).to_be_visible()
    with live_server.app_context():
        rows = db.session().scalars(select(Photo).order_by(Photo.id)).all()
        assert len(rows) == 3
        assert rows[0].caption == "Cathedral"
        assert len({row.visit_id for row in rows}) == 1  # one sitting, one "my photos" page
