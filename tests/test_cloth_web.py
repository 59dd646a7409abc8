"""Organiser cloth pages (designer, preview, export, freeze) and the public /cloth page."""

from __future__ import annotations

import hashlib
import re
import time

import pytest
from helpers import SMALL, add_photos, csrf_token

from tablecloth import context, db, layout
from tablecloth.models import Export
from tablecloth.services.cloth import design, editions, exports

DESIGNER = "/organiser/cloth"

GUARDED = [
    ("get", "/organiser/cloth"),
    ("get", "/organiser/cloth/preview.svg"),
    ("get", "/organiser/cloth/preview.png"),
    ("get", "/organiser/cloth/plan.json"),
    ("get", "/organiser/cloth/exports/1"),
    ("get", "/organiser/cloth/exports/1/status"),
    ("get", "/organiser/cloth/exports/1/report.json"),
    ("get", "/organiser/cloth/exports/1/files/pdf"),
    ("post", "/organiser/cloth/settings"),
    ("post", "/organiser/cloth/order"),
    ("post", "/organiser/cloth/export"),
    ("post", "/organiser/cloth/freeze"),
]


def test_every_cloth_page_requires_login(app, client):
    app.config["WTF_CSRF_ENABLED"] = False  # so the POSTs reach the log-in guard
    for method, path in GUARDED:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert "/organiser/login" in response.headers["Location"], path


def test_designer_shows_capacity_settings_and_photos(app, logged_in, corpus):
    with app.app_context():
        photos = add_photos(corpus, 5)
        add_photos(corpus, 1, approve=False)
    page = logged_in.get("/organiser/cloth", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    fits = layout.capacity(layout.ClothSettings())  # the default 1800 mm square
    assert "5 photos are on this edition." in html
    assert f"The cloth has room for {fits} codes." in html
    for photo in photos:
        assert f'data-code="{photo.code}"' in html
        assert f"/organiser/photos/{photo.code}/thumb" in html
    assert 'type="color"' in html and 'id="contrast"' in html
    assert "17.4:1" in html  # the default near-black on white
    assert 'draggable="true"' in html and 'data-move="up"' in html
    ru = logged_in.get("/organiser/cloth?lang=ru").get_data(as_text=True)
    assert "Настройки печати" in ru and "В этом выпуске 5 фотографий." in ru


def test_settings_form_saves_warns_and_refuses(app, logged_in, corpus):
    token = csrf_token(logged_in, DESIGNER)
    saved = logged_in.post("/organiser/cloth/settings", data={
        "csrf_token": token, "preset": "custom", "width_mm": "1500", "height_mm": "2000",
        "module_mm": "1,4", "dark": "#102030", "light": "#fffff0", "title": "Our cloth",
        "subtitle": "2026", "roll_width_mm": "1600", "shrink_across_pct": "4",
        "shrink_along_pct": "2.5", "hem_mm": "30", "panels": "equal", "accent": "#1B4F9E",
        "city_tint": "on", "legend": "Scan a square\r\n\r\nСканируйте квадрат"},
        follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "Settings saved." in html and "below 1.5 mm" in html
    with app.app_context():
        settings = design.settings_of(editions.current_cloth(context.site()))
    assert (settings.width_mm, settings.height_mm, settings.module_mm) == (1500, 2000, 1.4)
    assert (settings.dark, settings.light, settings.title) == ("#102030", "#fffff0", "Our cloth")
    assert (settings.roll_width_mm, settings.labels) == (1600, False)
    assert (settings.shrink_across_pct, settings.shrink_along_pct) == (4, 2.5)
    assert (settings.hem_mm, settings.cut_width_mm, settings.panels) == (30, 1560, "equal")
    assert (settings.city_tint, settings.accent) == (True, "#1b4f9e")
    assert settings.legend == "Scan a square\nСканируйте квадрат"
    # The designer names finished, hem and cut sizes apart, and the scan distance.
    page = logged_in.get("/organiser/cloth").get_data(as_text=True)
    assert "1500 × 2000 mm" in page and "cut at 1560 × 2060 mm" in page
    assert "from up to 21 cm away" in page

    refused = logged_in.post("/organiser/cloth/settings?lang=ru", data={
        "csrf_token": token, "preset": "square-60in", "module_mm": "0.9", "labels": "on"},
        follow_redirects=True)
    assert "слишком мал для печати на ткани" in refused.get_data(as_text=True)
    inverted = logged_in.post("/organiser/cloth/settings?lang=en", data={
        "csrf_token": token, "preset": "square-60in", "dark": "#ffffff", "light": "#000000"},
        follow_redirects=True)
    assert "darker than the background" in inverted.get_data(as_text=True)
    with app.app_context():
        settings = design.settings_of(editions.current_cloth(context.site()))
    assert (settings.module_mm, settings.dark) == (1.4, "#102030")  # nothing refused was kept


def test_order_preview_and_plan(app, logged_in, corpus):
    with app.app_context():
        photos = add_photos(corpus, 4)
        site = context.site()
        design.save_settings(site, editions.current_cloth(site), SMALL)
    wanted = [p.code for p in reversed(photos)]
    response = logged_in.post("/organiser/cloth/order", data={
        "csrf_token": csrf_token(logged_in, DESIGNER), "mode": "manual", "order": ",".join(wanted)})
    assert response.status_code == 302
    with app.app_context():
        site = context.site()
        assert [p.code for p in design.selection(site, editions.current_cloth(site))] == wanted

    svg = logged_in.get("/organiser/cloth/preview.svg")
    assert svg.mimetype == "image/svg+xml"
    assert all(f'id="c-{code}"' in svg.get_data(as_text=True) for code in wanted)
    plan = logged_in.get("/organiser/cloth/plan.json").get_json()
    assert [c["code"] for c in plan["cells"]] == wanted
    assert plan["width_mm"] == 670  # 600 mm finished, 25 mm hem and 10 mm of bleed each side
    assert plan["finished"] == {"x_mm": 35, "y_mm": 35, "w_mm": 600, "h_mm": 600}
    assert all(0 < c["x_mm"] < plan["width_mm"] for c in plan["cells"])


def test_layout_error_is_shown_with_a_suggestion(app, logged_in, corpus):
    with app.app_context():
        add_photos(corpus, 10)
        site = context.site()
        design.save_settings(site, editions.current_cloth(site),
                             {"width_mm": 300.0, "height_mm": 300.0})
    html = logged_in.get("/organiser/cloth").get_data(as_text=True)
    assert "do not fit" in html and "Would fit" in html
    assert "Choose a larger cloth" in html


def wait_for(client, export_id: int) -> dict:
    """Poll the status JSON as the progress page does, until the export finishes."""
    status: dict = {}
    for _ in range(240):
        status = client.get(f"/organiser/cloth/exports/{export_id}/status").get_json()
        if status["finished"]:
            return status
        time.sleep(0.25)
    raise AssertionError(f"export {export_id} did not finish: {status}")


def test_export_runs_in_background_then_freeze(app, logged_in, corpus):
    with app.app_context():
        photos = add_photos(corpus, 6)
        site = context.site()
        design.save_settings(site, editions.current_cloth(site), SMALL)
    page = logged_in.get("/organiser/cloth").get_data(as_text=True)
    assert "Freezing becomes possible after an export" in page
    started = logged_in.post("/organiser/cloth/export", data={
        "csrf_token": csrf_token(logged_in, DESIGNER), "format": ["pdf", "png"], "ppi": "150"})
    assert started.status_code == 302
    export_id = int(re.search(r"/exports/(\d+)$", started.headers["Location"]).group(1))
    progress_page = logged_in.get(started.headers["Location"]).get_data(as_text=True)
    assert "<progress" in progress_page and f"/exports/{export_id}/status" in progress_page

    status = wait_for(logged_in, export_id)
    assert status["ok"] and status["status"] == "done" and status["progress"] == 1.0
    assert [f["format"] for f in status["files"]] == ["pdf", "png"]
    for entry in status["files"]:
        with logged_in.get(entry["url"]) as download:
            assert download.status_code == 200
            assert hashlib.sha256(download.data).hexdigest() == entry["sha256"]
            assert "attachment" in download.headers["Content-Disposition"]
    # What the export says is stored as reasons: each reader gets their own language.
    russian = logged_in.get(f"/organiser/cloth/exports/{export_id}/status",
                            headers={"Accept-Language": "ru"}).get_json()
    assert russian["message"].startswith("Готово")
    assert "PDF: Все коды в файле PDF (6) ведут к своим фотографиям." in russian["summary"]
    assert status["message"].startswith("Done")
    assert "PDF: All 6 codes in the PDF file lead to their photos." in status["summary"]
    report = logged_in.get(status["report_url"]).get_json()
    assert report["ok"] and report["formats"]["pdf"]["failing_cells"] == []
    done_page = logged_in.get(f"/organiser/cloth/exports/{export_id}").get_data(as_text=True)
    assert "All 6 codes in the PDF file lead to their photos." in done_page
    assert "Ready to print" in done_page and status["files"][0]["sha256"] in done_page

    designer = logged_in.get("/organiser/cloth").get_data(as_text=True)
    assert status["files"][0]["name"] in designer and 'name="confirm"' in designer
    token = csrf_token(logged_in, DESIGNER)
    unconfirmed = logged_in.post("/organiser/cloth/freeze", data={"csrf_token": token},
                                 follow_redirects=True)
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    frozen = logged_in.post("/organiser/cloth/freeze", data={"csrf_token": token,
                                                             "confirm": "yes"},
                            follow_redirects=True)
    html = frozen.get_data(as_text=True)
    assert "Edition 1 is frozen. New photos go to edition 2." in html
    assert "The cloth, edition 2" in html

    old = logged_in.get("/organiser/cloth?edition=1").get_data(as_text=True)
    assert "<fieldset disabled" in old and 'action="/organiser/cloth/export"' not in old
    assert all(f'data-code="{p.code}"' in old for p in photos)
    with app.app_context():
        assert editions.edition(context.site(), 1).frozen_at is not None
        assert db.session().get(Export, export_id).status == "done"


def test_export_with_a_private_base_url_needs_draft(app, logged_in, corpus):
    app.config["PUBLIC_BASE_URL"] = "https://192.168.1.10"
    with app.app_context():
        add_photos(corpus, 2)
        site = context.site()
        design.save_settings(site, editions.current_cloth(site), SMALL)
    page = logged_in.get("/organiser/cloth").get_data(as_text=True)
    assert "phones outside your network cannot reach" in page
    refused = logged_in.post("/organiser/cloth/export", data={
        "csrf_token": csrf_token(logged_in, DESIGNER), "format": "svg"}, follow_redirects=True)
    assert "phones outside your network cannot reach" in refused.get_data(as_text=True)
    with app.app_context():
        assert exports.exports_of(context.site()) == []
    draft = logged_in.post("/organiser/cloth/export", data={
        "csrf_token": csrf_token(logged_in, DESIGNER), "format": "svg", "draft": "on"})
    status = wait_for(logged_in, int(draft.headers["Location"].rsplit("/", 1)[1]))
    assert status["ok"] and status["draft"]
    assert status["files"][0]["name"] == "DRAFT-cloth-edition1.svg"
    with logged_in.get(status["files"][0]["url"]) as download:
        assert "DRAFT" in download.get_data(as_text=True)


def test_export_status_and_files_of_unknown_export_are_404(app, logged_in, corpus):
    with app.app_context():
        site = context.site()
        add_photos(corpus, 2)
        design.save_settings(site, editions.current_cloth(site), SMALL)
    started = logged_in.post("/organiser/cloth/export", data={
        "csrf_token": csrf_token(logged_in, DESIGNER), "format": "svg"})
    export_id = int(started.headers["Location"].rsplit("/", 1)[1])
    # The routes answer for an export that exists, so the refusals below are not a dead route.
    status = wait_for(logged_in, export_id)
    assert status["ok"]
    assert status["files"][0]["url"] == f"/organiser/cloth/exports/{export_id}/files/svg"
    with logged_in.get(status["files"][0]["url"]) as download:
        assert download.status_code == 200 and download.data.startswith(b"<?xml")
    assert logged_in.get("/organiser/cloth/exports/999/status").status_code == 404
    assert logged_in.get("/organiser/cloth/exports/999/files/svg").status_code == 404
    # A format this export did not make is as unknown as an export that does not exist.
    assert logged_in.get(f"/organiser/cloth/exports/{export_id}/files/pdf").status_code == 404


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_public_cloth_shows_only_approved_photos(app, client, corpus, lang):
    with app.app_context():
        approved = add_photos(corpus, 5)
        pending = add_photos(corpus, 2, approve=False)
        approved[0].withdraw()
        db.session().commit()
        site = context.site()
        design.save_settings(site, editions.current_cloth(site), SMALL)
    page = client.get(f"/cloth?lang={lang}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "noindex" in page.headers["X-Robots-Tag"] and 'content="noindex' in html
    for photo in approved[1:]:
        assert f'href="/P/{photo.code}"' in html
        # The small tile by its content-hashed URL (cached for good, 410 once withdrawn).
        assert re.search(rf'src="/P/{photo.code}/tile\.[0-9a-f]{{16}}\.jpg"', html)
    for photo in [approved[0], *pending]:
        assert photo.code not in html
    assert html.count('loading="lazy"') == 4
    assert "Coventry · Ковентри — Volgograd · Волгоград" in html  # the title block
    assert ("Скатерть" if lang == "ru" else "The cloth") in html
    # The zoomable view is one script file; without it the page lists the photos.
    assert "<script" not in html.split("<main>", 1)[1] and "cloth-view.js" in html
    assert " style=" not in html and "<style" not in html  # the site's CSP allows neither


def test_public_cloth_shows_the_printed_edition(app, client, corpus):
    with app.app_context():
        first = add_photos(corpus, 3)
        site = context.site()
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, SMALL)
        editions.freeze(site, cloth)
        later = add_photos(corpus, 2)
        first[2].withdraw()
        db.session().commit()
    html = client.get("/cloth").get_data(as_text=True)
    assert all(f'href="/P/{p.code}"' in html for p in first[:2])
    assert first[2].code not in html
    assert not any(p.code in html for p in later)
    assert "Edition 1, printed." in html


def test_public_cloth_without_photos(client):
    page = client.get("/cloth")
    assert page.status_code == 200
    assert "no photos yet" in page.get_data(as_text=True)



def test_designer_shows_what_only_the_photos_reveal(app, logged_in, corpus):
    with app.app_context():
        photos = add_photos(corpus, 2)
        photos[0].first_name = "Аня 🌸"
        db.session().commit()
        site = context.site()
        design.save_settings(site, editions.current_cloth(site), SMALL)
    page = logged_in.get("/organiser/cloth").get_data(as_text=True)
    assert f"{photos[0].code} “Аня 🌸” → “Аня”" in page
    assert "Only 2 codes on a cloth that holds" in page
    ru = logged_in.get("/organiser/cloth?lang=ru").get_data(as_text=True)
    assert "Эмодзи нельзя напечатать на скатерти" in ru
