"""The live wall in Chromium: a photo approved while the wall is open appears without a reload,
and leaves it as soon as it is withdrawn."""

from __future__ import annotations

from helpers import add_photos  # tests/ is on the path (its conftest)
from werkzeug.security import generate_password_hash

from tablecloth import context, db
from tablecloth.models import Organiser
from tablecloth.services import groups, moderation

EMAIL, PASSWORD = "wall@example.org", "projector password"
PROJECTOR = {"width": 1366, "height": 768}


def _seed(app, corpus) -> tuple[str, str, str]:
    """Make a group with one approved and one waiting photo; return its code and theirs."""
    with app.app_context():
        site = context.site()
        db.session().add(Organiser(email=EMAIL, password_hash=generate_password_hash(PASSWORD)))
        group = groups.create_group(site, "Year 10 photo club",
                                    groups.city_by_slug(site, "coventry"))
        shown, waiting = add_photos(corpus, 2, approve=False)
        shown.group = waiting.group = group
        waiting.first_name, waiting.caption = "Аня", "Закат над Волгой"
        waiting.city = groups.city_by_slug(site, "volgograd")
        db.session().commit()
        moderation.approve(site, shown)
        return group.invite_code, shown.code, waiting.code


def test_a_photo_approved_while_the_wall_is_open_appears_on_it(live_server, browser, corpus,
                                                               shots):
    group, shown, waiting = _seed(live_server.app, corpus)
    context_ = browser.new_context(viewport=PROJECTOR, locale="en-GB")
    context_.set_default_timeout(15_000)
    try:
        organiser = context_.new_page()
        organiser.goto(f"{live_server.url}/organiser/login?lang=en")
        organiser.fill("input[name=email]", EMAIL)
        organiser.fill("input[name=password]", PASSWORD)
        organiser.click("form button[type=submit]")

        wall = context_.new_page()
        wall.goto(f"{live_server.url}/organiser/wall/show?group={group}")
        wall.wait_for_selector(f"#slide[data-code='{shown}']:not([hidden])")
        assert wall.locator("svg.qr").is_visible()
        wall.evaluate("window.stillTheSamePage = true")

        # Another tab approves the waiting photo through the moderation page.
        organiser.goto(f"{live_server.url}/organiser/moderation")
        organiser.click(f"#photo-{waiting} button[value=approve]")
        organiser.wait_for_selector(".flash:has-text('Approved 1 photo')")

        wall.wait_for_selector(f"#slide[data-code='{waiting}']:not([hidden])")
        assert wall.inner_text("#slide-name") == "Аня"
        assert wall.inner_text("#slide-city") == "Волгоград / Volgograd"
        assert wall.locator("#slide-new").is_visible()
        wall.wait_for_function("document.getElementById('slide-img').complete"
                               " && document.getElementById('slide-img').naturalWidth > 0")
        assert wall.evaluate("window.stillTheSamePage") is True  # no reload
        wall.wait_for_timeout(700)  # the cross-fade, for the picture only
        wall.screenshot(path=str(shots / "live-wall.png"))

        # Withdrawn while on show: the wall moves on at its next ask.
        with live_server.app_context():
            site = context.site()
            moderation.withdraw(site, moderation.find_photo(site, waiting))
        wall.wait_for_selector(f"#slide[data-code='{shown}']:not([hidden])")
    finally:
        context_.close()
