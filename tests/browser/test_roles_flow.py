"""Roles in real Chromium: an admin invites a moderator, who approves a photo; a viewer reports it,
the admin hides it and its code shows the kind page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import AgeBand, AuditEntry
from tablecloth.services import accounts, groups, uploads

pytestmark = pytest.mark.browser

ADMIN_EMAIL = "admin@example.org"
ADMIN_PASSWORD = "a long admin password"
MOD_EMAIL = "moderator@example.org"
MOD_PASSWORD = "a long moderator password"
PHOTO = "jpg_gps_DSCN0010.jpg"


def test_admin_invites_a_moderator_who_approves_a_photo(live_server, browser, laptop, phone,
                                                         corpus, shots):
    url = live_server.url
    with live_server.app_context():
        accounts.create_organiser(site(), ADMIN_EMAIL, ADMIN_PASSWORD)
        result = uploads.accept_upload(site(),
            (corpus / PHOTO).read_bytes(), city=groups.city_by_slug(site(), "coventry"),
            first_name="Sam", caption="Cathedral ruins", age_band=AgeBand.ADULT,
            consent_self=True)
        code = result.photo.code

    # 1. The admin logs in and makes an invitation link for a moderator.
    desk = laptop.new_page()
    desk.goto(f"{url}/organiser/login")
    desk.get_by_label("E-mail").fill(ADMIN_EMAIL)
    desk.get_by_label("Password").fill(ADMIN_PASSWORD)
    desk.get_by_role("button", name="Log in").click()
    expect(desk).to_have_url(f"{url}/organiser/")
    desk.get_by_role("navigation").get_by_role("link", name="Accounts").click()
    expect(desk.locator("h1")).to_have_text("Organiser accounts")
    desk.get_by_label("Role").select_option("moderator")
    desk.get_by_label("Note (optional, for you)").fill("Volunteer at the youth club")
    desk.get_by_role("button", name="Create invitation link").click()
    link_box = desk.get_by_label("Invitation link")
    expect(link_box).to_be_visible()
    link = link_box.input_value()
    assert link.startswith(f"{url}/organiser/invite/")
    desk.screenshot(path=shots / "1-invitation-link.png", full_page=True)

    # 2. The invitee, in a browser of their own, opens the link and chooses a password.
    newcomer = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    newcomer.set_default_timeout(15_000)
    try:
        mod = newcomer.new_page()
        mod.goto(link)
        expect(mod.locator("h1")).to_have_text("Create your organiser account")
        expect(mod.locator("main, body").first).to_contain_text("You were invited as moderator.")
        mod.screenshot(path=shots / "2-accept-invitation.png", full_page=True)
        mod.get_by_label("E-mail").fill(MOD_EMAIL)
        mod.get_by_label("Password", exact=True).fill(MOD_PASSWORD)
        mod.get_by_label("Password again").fill(MOD_PASSWORD)
        mod.get_by_role("button", name="Create account").click()
        expect(mod).to_have_url(f"{url}/organiser/")
        expect(mod.locator(".flash").first).to_contain_text("Welcome! Your account is ready.")
        nav = mod.get_by_role("navigation", name="Organiser area")
        expect(nav).to_contain_text(MOD_EMAIL)
        expect(nav.get_by_role("link", name="Accounts")).to_have_count(0)
        expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)

        # The link worked once: opening it again is refused.
        assert mod.goto(link).status == 410

        # 3. The moderator approves the waiting photo from the queue.
        mod.goto(f"{url}/organiser/moderation")
        expect(mod.locator(f"#photo-{code}")).to_contain_text("Sam")
        mod.screenshot(path=shots / "3-moderator-queue.png", full_page=True)
        mod.locator(f"#photo-{code}").get_by_role("button", name="Approve").click()
        expect(mod.locator(".flash").first).to_contain_text(code)
        expect(mod.locator(f"#photo-{code}")).to_have_count(0)
        # Admin pages stay closed to a moderator.
        assert mod.goto(f"{url}/organiser/accounts").status == 403
    finally:
        newcomer.close()

    # 4. A viewer scans the code on a phone and reports the photo.
    viewer = phone("en").new_page()
    assert viewer.goto(f"{url}/P/{code}").status == 200
    viewer.get_by_role("link", name="Report this photo").click()
    viewer.locator("input[name=reason]").first.check()
    viewer.get_by_label("Anything else we should know (optional)").fill("This is my house.")
    viewer.get_by_role("button", name="Send the report").click()
    expect(viewer.locator("h1")).to_have_text("Thank you for telling us")

    # 5. The admin hides it from the reports page; the code now shows the kind page.
    desk.get_by_role("navigation").get_by_role("link", name="Reports").click()
    expect(desk.locator(".reports").first).to_contain_text("This is my house.")
    desk.get_by_role("button", name="Hide the photo now").click()
    expect(desk.locator(".flash").first).to_contain_text(code)
    gone = viewer.goto(f"{url}/P/{code}")
    assert gone.status == 410
    expect(viewer.locator("h1").first).to_contain_text("This photo is no longer shown")
    viewer.screenshot(path=shots / "5-hidden-kind-page.png", full_page=True)

    # 6. The admin sees who did what in the audit log.
    desk.get_by_role("navigation").get_by_role("link", name="Audit log").click()
    row = desk.locator("table.audit tbody tr").filter(has_text="Photo approved")
    expect(row).to_contain_text(MOD_EMAIL)
    expect(row).to_contain_text(code)
    expect(desk.locator("table.audit")).to_contain_text("Organiser invited")
    expect(desk.locator("table.audit")).to_contain_text("Account created")
    hidden = desk.locator("table.audit tbody tr").filter(has_text="Photo hidden after a report")
    expect(hidden).to_contain_text(ADMIN_EMAIL)
    expect(hidden).to_contain_text(code)
    desk.screenshot(path=shots / "4-audit-log.png", full_page=True)
    with live_server.app_context():
        actions = db.session().scalars(select(AuditEntry.action)).all()
    assert {"consent.recorded", "account.invite", "account.create", "photo.approve",
            "photo.hide"} <= set(actions)
