"""The live wall: the newest public photos for a projector, and a QR code to a group's uploads.

Mirrors services/wall.py and web/organiser/wall.py; the browser test that approves a photo
while the wall is open is tests/browser/test_live_wall.py.
"""

from __future__ import annotations

import re

from helpers import add_photos, decode
from PIL import Image, ImageDraw

from tablecloth import context, db
from tablecloth.services import groups, moderation, reports, wall
from tablecloth.web.organiser.wall import qr_svg

FEED = "/organiser/wall/photos.json"


def _group(app, name="Year 10 photo club", slug="coventry") -> str:
    with app.app_context():
        site = context.site()
        return groups.create_group(site, name, groups.city_by_slug(site, slug)).invite_code


def _approve_in_group(app, corpus, code: str, count: int) -> list[str]:
    """Add count pending photos to the group, then approve them one after another."""
    with app.app_context():
        site = context.site()
        photos = add_photos(corpus, count, approve=False)
        for photo in photos:
            photo.group = groups.find_group(site, code)
        db.session().commit()
        for photo in photos:
            moderation.approve(site, photo)
        return [p.code for p in photos]


def test_the_feed_has_the_groups_public_photos_newest_approval_first(app, logged_in, corpus):
    club = _group(app)
    school = _group(app, "Школа №5", "volgograd")
    ours = _approve_in_group(app, corpus, club, 3)
    theirs = _approve_in_group(app, corpus, school, 1)
    with app.app_context():
        site = context.site()
        add_photos(corpus, 1, approve=False)  # pending: never on the wall
        hidden = moderation.find_photo(site, ours[0])
        reports.hide(site, hidden)
    response = logged_in.get(f"{FEED}?group={club}")
    assert response.headers["Cache-Control"] == "no-store"
    photos = response.get_json()["photos"]
    assert [p["code"] for p in photos] == [ours[2], ours[1]]
    first = photos[0]
    assert first["image"] == f"/P/{ours[2]}/web.jpg" and first["city"] == "Coventry / Ковентри"
    assert set(first) == {"code", "name", "city", "caption", "lang", "image"}
    everyone = logged_in.get(f"{FEED}?group={club}&photos=all").get_json()["photos"]
    assert [p["code"] for p in everyone] == [theirs[0], ours[2], ours[1]]
    # A photo withdrawn while the wall runs is gone from the next answer.
    with app.app_context():
        site = context.site()
        moderation.withdraw(site, moderation.find_photo(site, ours[2]))
    again = logged_in.get(f"{FEED}?group={club}").get_json()["photos"]
    assert [p["code"] for p in again] == [ours[1]]
    assert logged_in.get(f"{FEED}?group=NOPE-0000").get_json() == {"photos": []}


def test_the_wall_takes_at_most_its_size(app, corpus):
    code = _group(app)
    _approve_in_group(app, corpus, code, 4)
    with app.app_context():
        site = context.site()
        assert len(wall.recent_photos(site, groups.find_group(site, code), limit=3)) == 3


def _modules(svg: str) -> Image.Image:
    """Draw an SVG of qr_svg as pixels: its white square, then each dark run of its path."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    scale = 8
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    for x, y, length in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\3z", path):
        x, y, length = int(x), int(y), int(length)
        draw.rectangle([x * scale, y * scale, (x + length) * scale - 1, (y + 1) * scale - 1], 0)
    return image


def test_the_walls_qr_code_opens_the_groups_upload_page(app, logged_in):
    code = _group(app)
    page = logged_in.get(f"/organiser/wall/show?group={code}&lang=en").get_data(as_text=True)
    svg = re.search(r"<svg class=\"qr\".*?</svg>", page, re.S).group(0)
    assert decode(_modules(svg)) == [f"https://tablecloth.example.org/upload?code={code}"]
    assert "style=" not in page and "<script>" not in page  # only static/wall.js
    assert f'data-feed-url="{FEED}?group={code}"' in page
    assert "Send your photos!" in page and 'lang="ru">Пришлите свои фотографии!' in page
    assert "tablecloth.example.org/upload?code=" + code in page


def test_qr_svg_round_trips_any_address():
    url = "https://example.org/upload?code=VOL-7K3Q"
    assert decode(_modules(str(qr_svg(url)))) == [url]


def test_the_chooser_lists_groups_and_warns_of_an_address_phones_cannot_open(app, logged_in):
    code = _group(app)
    page = logged_in.get("/organiser/wall?lang=en").get_data(as_text=True)
    assert f'<option value="{code}">' in page and 'target="_blank"' in page
    assert 'id="address-warning"' not in page
    app.config["PUBLIC_BASE_URL"] = "http://localhost:8000"
    assert 'id="address-warning"' in logged_in.get("/organiser/wall").get_data(as_text=True)
    unknown = logged_in.get("/organiser/wall/show?group=NOPE-0000")
    assert unknown.status_code == 302 and unknown.headers["Location"] == "/organiser/wall"


def test_the_wall_needs_an_organiser(client, app):
    code = _group(app)
    for path in ("/organiser/wall", f"/organiser/wall/show?group={code}", f"{FEED}?group={code}"):
        response = client.get(path)
        assert response.status_code == 302 and "/organiser/login" in response.headers["Location"]
