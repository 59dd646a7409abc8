"""The photo page's cache, ETags and content-hashed image URLs (web/page_cache.py).

Behaviour only: which answer, which headers, what is rendered again. Never a time.
"""

from __future__ import annotations

import re

import pytest
from flask import template_rendered
from helpers import CAPTION, fetch, make_photo
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import Photo, PhotoState, StoredFile
from tablecloth.services import moderation


def _photo(code):
    """Return the photo with this code, in the current app context's session."""
    return site().db.scalars(select(Photo).where(Photo.code == code)).one()


def _image_urls(html: str) -> set[str]:
    return set(re.findall(r'/P/[0-9A-Z]{6}/(?:web|thumb)\.[0-9a-f]{16}\.jpg', html))


@pytest.fixture
def rendered(app):
    """Record the templates rendered while the test runs."""
    names: list[str] = []

    def record(_sender, template, **_extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


@pytest.fixture
def rendered_anywhere():
    """Record the templates any app renders while the test runs."""
    names: list[str] = []

    def record(_sender, template, **_extra):
        names.append(template.name)

    template_rendered.connect(record)
    yield names
    template_rendered.disconnect(record)


def test_a_page_is_rendered_once_then_served_from_the_cache(app, client, corpus, rendered):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    first = client.get(f"/P/{code}", headers={"Accept-Language": "en"})
    second = client.get(f"/P/{code}", headers={"Accept-Language": "en"})
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert rendered.count("viewer/photo.html") == 1
    # Another language is another page.
    russian = client.get(f"/P/{code}", headers={"Accept-Language": "ru"})
    assert "<html lang=\"ru\">" in russian.get_data(as_text=True)
    assert rendered.count("viewer/photo.html") == 2
    assert russian.headers["ETag"] != first.headers["ETag"]


def test_a_strong_etag_makes_a_revisit_a_304(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    first = client.get(f"/P/{code}")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get(f"/P/{code}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert {"Accept-Language", "Cookie"} <= set(again.headers["Vary"].replace(" ", "").split(","))


def test_any_change_to_the_photo_is_seen_at_once(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    before = client.get(f"/P/{code}")
    assert CAPTION in before.get_data(as_text=True)
    with app.app_context():
        moderation.edit_caption(site(), _photo(code), "Мамаев курган")
    after = client.get(f"/P/{code}", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200  # the old ETag no longer matches
    assert "Мамаев курган" in after.get_data(as_text=True)
    assert CAPTION not in after.get_data(as_text=True)


def test_withdrawn_photo_hashed_image_urls_answer_410(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    page = client.get(f"/P/{code}")
    urls = _image_urls(page.get_data(as_text=True))
    assert len(urls) == 2
    for url in urls:
        served = fetch(client, url)
        assert served.status_code == 200 and served.content_type == "image/jpeg"
        assert served.headers["Cache-Control"] == (
            "public, max-age=31536000, s-maxage=300, immutable")
    with app.app_context():
        moderation.withdraw(site(), _photo(code))
    gone = client.get(f"/P/{code}", headers={"If-None-Match": page.headers["ETag"]})
    assert gone.status_code == 410
    assert not _image_urls(gone.get_data(as_text=True))  # the page links nothing any more
    for url in urls:
        assert fetch(client, url).status_code == 410
        assert fetch(client, url.lower().replace("/p/", "/p/")).status_code == 410


def test_hashed_url_of_other_bytes_is_not_found(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    assert fetch(client, f"/P/{code}/web.0123456789abcdef.jpg").status_code == 404
    assert fetch(client, f"/P/{code}/master.0123456789abcdef.jpg").status_code == 404
    with app.app_context():
        web = db.session().scalars(select(StoredFile).join(Photo).where(
            Photo.code == code, StoredFile.kind == "web")).one()
    assert fetch(client, f"/p/{code.lower()}/web.{web.sha256[:16]}.jpg").status_code == 200


@pytest.mark.parametrize("front", ["x-accel-redirect", "x-sendfile"])
def test_a_front_server_can_send_the_image(app, client, corpus, front):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    app.config["SEND_FILE_HEADER"] = front
    with app.app_context():
        web = db.session().scalars(select(StoredFile).join(Photo).where(
            Photo.code == code, StoredFile.kind == "web")).one()
        local = site().store.local_path(web.key)
    response = fetch(client, f"/P/{code}/web.{web.sha256[:16]}.jpg")
    if local is None:  # a bucket: the app streams (or redirects), no front-server header
        assert "X-Accel-Redirect" not in response.headers
        assert "X-Sendfile" not in response.headers
        return
    assert response.status_code == 200 and response.data == b""
    assert response.content_type == "image/jpeg"
    assert response.headers["ETag"] == f'"{web.sha256}"'
    if front == "x-accel-redirect":
        assert response.headers["X-Accel-Redirect"] == f"/_stored/{web.key}"
    else:
        with open(response.headers["X-Sendfile"], "rb") as sent:
            assert sent.read() == site_bytes(app, web.key)
    # Revalidation and refusals are still the app's.
    again = fetch(client, f"/P/{code}/web.jpg", headers={"If-None-Match": f'"{web.sha256}"'})
    assert again.status_code == 304
    with app.app_context():
        moderation.withdraw(site(), _photo(code))
    refused = fetch(client, f"/P/{code}/web.{web.sha256[:16]}.jpg")
    assert refused.status_code == 410
    assert "X-Accel-Redirect" not in refused.headers and "X-Sendfile" not in refused.headers


def site_bytes(app, key: str) -> bytes:
    with app.app_context():
        return site().store.get(key)


def test_a_held_page_is_the_same_answer_and_still_counted(app, client, corpus, rendered):
    from tablecloth.services import page_views

    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    first = client.get(f"/P/{code}", headers={"Accept-Language": "ru"})
    again = client.get(f"/p/{code.lower()}", headers={"Accept-Language": "ru"})
    revisit = client.get(f"/P/{code}", headers={"Accept-Language": "ru",
                                                  "If-None-Match": first.headers["ETag"]})
    assert rendered.count("viewer/photo.html") == 1
    assert again.data == first.data
    assert dict(again.headers) == dict(first.headers)  # every hook's header, kept as made
    assert revisit.status_code == 304 and revisit.headers["ETag"] == first.headers["ETag"]
    with app.app_context():
        photo = _photo(code)
        assert page_views.views_of(site(), photo.id) == 3


def test_a_visitor_with_a_session_gets_a_page_of_their_own(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    client.get(f"/P/{code}")  # held for everyone
    with client.session_transaction() as flask_session:
        flask_session["_flashes"] = [("info", "Only for this visitor")]
    mine = client.get(f"/P/{code}").get_data(as_text=True)
    assert "Only for this visitor" in mine
    stranger = app.test_client()
    assert "Only for this visitor" not in stranger.get(f"/P/{code}").get_data(as_text=True)


def test_a_held_image_is_the_same_answer(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    [url] = [u for u in _image_urls(client.get(f"/P/{code}").get_data(as_text=True))
             if "/thumb." in u]
    first, again = fetch(client, url), fetch(client, url)
    assert again.status_code == 200 and again.data == first.data
    assert dict(again.headers) == dict(first.headers)
    revisit = fetch(client, url, headers={"If-None-Match": first.headers["ETag"]})
    assert revisit.status_code == 304 and revisit.data == b""
    with app.app_context():
        moderation.withdraw(site(), _photo(code))
    assert fetch(client, url).status_code == 410


def test_a_held_page_follows_whether_uploads_are_open(app, client, corpus):
    from tablecloth.models import City, Group

    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    for _ in range(2):
        assert 'id="take-part"' not in client.get(f"/P/{code}").get_data(as_text=True)
    with app.app_context():
        session = db.session()
        city = session.scalars(select(City).where(City.slug == "coventry")).one()
        session.add(Group(name="Club", city=city, invite_code="COV-OPEN-1"))
        session.commit()
    assert 'id="take-part"' in client.get(f"/P/{code}").get_data(as_text=True)


def test_held_pages_on_postgresql_survive_a_server_restart(pg_cluster, pg_template, tmp_path,
                                                           corpus, rendered_anywhere):
    """Each thread's own connection (db.ThreadConnections) is replaced after a restart."""
    import servers
    from helpers import TEST_CONFIG, make_app

    from tablecloth.web.fast_pages import FastPages

    name = servers.unique_name("t_")
    url = pg_cluster.create_database(name, template=pg_template)
    app = make_app({**TEST_CONFIG, "DATABASE_URL": url,
                    "UPLOADS_DIR": str(tmp_path / "uploads")}, tmp_path / "instance")
    try:
        fast = app.wsgi_app
        assert isinstance(fast, FastPages) and fast.own is not None
        code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
        client = app.test_client()
        first = client.get(f"/P/{code}", headers={"Accept-Language": "en"})
        again = client.get(f"/P/{code}", headers={"Accept-Language": "en"})
        assert first.status_code == again.status_code == 200 and again.data == first.data
        assert rendered_anywhere.count("viewer/photo.html") == 1  # the second was held
        [before] = fast.own._open
        pg_cluster.restart()
        after = client.get(f"/P/{code}", headers={"Accept-Language": "en"})
        assert after.status_code == 200 and after.data == first.data
        assert rendered_anywhere.count("viewer/photo.html") == 1  # still the fast path
        [now] = fast.own._open
        assert now is not before and before.closed
        with app.app_context():  # the pool's connections recover too (pre-ping)
            moderation.withdraw(site(), _photo(code))
        assert client.get(f"/P/{code}").status_code == 410
    finally:
        app.extensions["tablecloth.engine"].dispose()
        pg_cluster.drop_database(name)
    assert not fast.own._open  # closed with the engine
