"""Captions in both languages: organisers add the translation, the photo page shows both."""

from __future__ import annotations

import re

from helpers import CAPTION, make_photo
from sqlalchemy import select

from tablecloth import db
from tablecloth.models import Photo, PhotoState

CODE = "7K3QZ9"


def _save(client, **fields):
    page = client.get("/organiser/moderation?state=approved").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(f"/organiser/photos/{CODE}/caption",
                       data={"csrf_token": token, "state": "approved", **fields})


def _photo(app) -> Photo:
    with app.app_context():
        return db.session().scalars(select(Photo).where(Photo.code == CODE)).one()


def test_moderation_page_offers_the_other_language(app, logged_in, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)  # caption in Russian
    html = logged_in.get("/organiser/moderation?state=approved").get_data(as_text=True)
    assert 'name="caption_translation"' in html and "Caption in English" in html
    html = logged_in.get("/organiser/moderation?state=approved",
                         headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Подпись по-английски" in html


def test_translation_is_saved_and_shown_after_the_original(app, client, logged_in, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    response = _save(logged_in, caption=CAPTION, caption_translation="  Sunset over the Volga ")
    assert response.status_code == 302
    assert _photo(app).caption_translation == "Sunset over the Volga"
    html = client.get(f"/P/{CODE}").get_data(as_text=True)
    original = html.index(f'<p class="caption" lang="ru">{CAPTION}</p>')
    translated = html.index('<p class="caption translation" lang="en">Sunset over the Volga</p>')
    assert original < translated
    # An empty translation removes it; the original stays.
    _save(logged_in, caption=CAPTION, caption_translation="")
    assert _photo(app).caption_translation is None
    html = client.get(f"/P/{CODE}").get_data(as_text=True)
    assert "Sunset over the Volga" not in html and CAPTION in html


def test_too_long_translation_is_refused(app, logged_in, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    _save(logged_in, caption=CAPTION, caption_translation="Sunset")
    page = _save(logged_in, caption=CAPTION, caption_translation="x" * 281)
    follow = logged_in.get(page.headers["Location"]).get_data(as_text=True)
    assert "The translation is too long" in follow
    assert _photo(app).caption_translation == "Sunset"


def test_form_without_the_field_keeps_the_translation(app, logged_in, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    _save(logged_in, caption=CAPTION, caption_translation="Sunset")
    _save(logged_in, caption="Закат")
    assert (_photo(app).caption, _photo(app).caption_translation) == ("Закат", "Sunset")


def test_the_old_caption_address_forwards_the_form(app, logged_in, corpus):
    make_photo(app, corpus, PhotoState.APPROVED, code=CODE)
    page = logged_in.get("/organiser/moderation?state=approved").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    moved = logged_in.post(f"/organiser/moderation/{CODE.lower()}/caption",
                           data={"csrf_token": token, "caption": "Закат"})
    assert moved.status_code == 308  # method and body kept
    assert moved.headers["Location"].endswith(f"/organiser/photos/{CODE.lower()}/caption")
    # A browser posts the same form again to the new address (the test client cannot).
    followed = logged_in.post(moved.headers["Location"],
                              data={"csrf_token": token, "caption": "Закат"})
    assert followed.status_code == 302 and _photo(app).caption == "Закат"
