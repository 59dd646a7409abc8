"""Every page under a strict Content-Security-Policy, in Chromium: zero violations reported.

Chromium reports each script or style the policy blocks (an inline <script>, a style=""
attribute, a <style> block, an on*="" handler) as a `securitypolicyviolation` event and a
console message; both are collected on every page each audience sees.
"""

from __future__ import annotations

from pathlib import Path

from helpers import SMALL, add_photos, make_photo, quick_hash
from sqlalchemy import select

from tablecloth import codes, db
from tablecloth.context import site
from tablecloth.models import Export, Group, Organiser, Photo, PhotoState, Role
from tablecloth.services import accounts, groups, sessions
from tablecloth.services.cloth import design, editions
from tablecloth.web.viewer import cloth as cloth_page

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
EMAIL, PASSWORD = "csp@example.org", "a long enough password"
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline")
                           + " " + (event.sourceFile || "") + ":" + event.lineNumber);
});
"""


def _seed(live_server) -> dict[str, str]:
    app = live_server.app
    make_photo(app, CORPUS, PhotoState.APPROVED, code="7K3QZ9")
    make_photo(app, CORPUS, PhotoState.APPROVED, code="AB12CD", source="jpg_gps_DSCN0021.jpg")
    make_photo(app, CORPUS, PhotoState.PENDING, code="PEND01", source="jpg_Canon_40D.jpg")
    make_photo(app, CORPUS, PhotoState.WITHDRAWN, code="WD0001",
               source="jpg_mobile_jolla.jpg")
    token = codes.new_token()
    with live_server.app_context():
        session = db.session()
        session.scalars(select(Photo).where(Photo.code == "PEND01")).one().withdraw_token_hash = (
            codes.hash_token(token))
        city = groups.city_by_slug(site(), "coventry")
        session.add(Group(name="Club", city=city, invite_code="COV-7K3QZ9AB"))
        person = Organiser(email=EMAIL, role=Role.ADMIN, password_hash=quick_hash(PASSWORD))
        session.add(person)
        session.commit()
        add_photos(CORPUS, 6)  # with the two above: a cloth of several rows
        cloth = editions.current_cloth(site())
        design.save_settings(site(), cloth, SMALL)
        session.add(Export(cloth_id=cloth.id, status="done", progress=1.0, files=[],
                           report={}, settings={}))
        session.commit()
        _invitation, invite = accounts.create_invitation(site(), by=person)
        _reset, reset = sessions.create_reset(site(), person, by=person)
    return {"withdraw": token, "invite": invite, "reset": reset}


# /P/7K3QZ9 twice: the second answer comes from the fast path (web/fast_pages.py).
PUBLIC = ["/", "/?lang=ru", "/cloth", "/cloth?page=2", "/P/7K3QZ9", "/P/7K3QZ9",
          "/P/7K3QZ9/report", "/P/7K3QZ9/reported",
          "/P/WD0001", "/P/ZZZZZZ", "/upload", "/upload?code=COV-7K3QZ9AB", "/upload/terms",
          "/organiser/login", "/S/NOTACODE"]
ORGANISER = ["/organiser/", "/organiser/moderation", "/organiser/moderation?state=all",
             "/organiser/reports", "/organiser/groups", "/organiser/cities",
             "/organiser/cloth", "/organiser/cloth/exports/1", "/organiser/accounts",
             "/organiser/audit", "/organiser/password"]


def _visit(page, messages: list[str], url: str, problems: list[str]) -> None:
    messages.clear()
    response = page.goto(url, wait_until="networkidle")
    policy = response.headers.get("content-security-policy", "")
    if "script-src 'self'" not in policy or "style-src 'self'" not in policy:
        problems.append(f"{url}: no strict Content-Security-Policy header ({policy!r})")
    found = page.evaluate("window.__violations || []")
    found += [m for m in messages if "Content Security Policy" in m]
    problems += [f"{url}: {v}" for v in found]


def test_no_page_breaks_the_content_security_policy(live_server, browser, monkeypatch):
    monkeypatch.setattr(cloth_page, "CELLS_PER_PAGE", 2)  # the cloth in several pages
    links = _seed(live_server)
    problems: list[str] = []
    for language in ("en", "ru"):
        context = browser.new_context(viewport={"width": 1280, "height": 800},
                                      locale={"en": "en-GB", "ru": "ru-RU"}[language])
        context.add_init_script(WATCH)
        page = context.new_page()
        messages: list[str] = []
        page.on("console", lambda message, messages=messages: messages.append(message.text))
        for path in [*PUBLIC, f"/upload/withdraw/{links['withdraw']}",
                     f"/organiser/invite/{links['invite']}",
                     f"/organiser/reset/{links['reset']}"]:
            _visit(page, messages, live_server.url + path, problems)
        # The cloth's script draws every cell under the policy (SVG attributes, no style=""),
        # and the list without a script really has a second page.
        messages.clear()
        page.goto(live_server.url + "/cloth?page=2", wait_until="networkidle")
        assert page.locator(".pager a[rel=prev]").count() > 0  # page 2 of several
        page.wait_for_selector("#cloth-view.ready")
        cell = page.locator("#cloth-box a.cell").first.bounding_box()
        assert cell is not None and cell["width"] > 1 and cell["height"] > 1
        for _ in range(3):  # zoomed in: the photos' tiles load into the drawing
            page.click("[data-zoom=in]")
        page.wait_for_selector("#cloth-box image.photo")
        page.wait_for_load_state("networkidle")
        problems += [f"/cloth zoomed: {v}" for v in page.evaluate("window.__violations || []")]
        problems += [f"/cloth zoomed: {m}" for m in messages if "Content Security Policy" in m]
        page.goto(live_server.url + "/organiser/login")
        page.fill("#email", EMAIL)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(live_server.url + "/organiser/")
        for path in ORGANISER:
            _visit(page, messages, live_server.url + path, problems)
        # The pages' scripts work under the policy: ticking "select all" ticks every photo.
        page.goto(live_server.url + "/organiser/moderation?state=all")
        if page.locator("#select-all").count():
            page.check("#select-all")
            assert page.locator('input[name="code"][form="bulk"]:not(:checked)').count() == 0
        context.close()
    assert problems == []
