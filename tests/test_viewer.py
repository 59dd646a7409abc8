"""The photo page /P/CODE and its images, in every state a photo can be in."""

from __future__ import annotations

import hashlib
import io
import re
from html.parser import HTMLParser

import pytest
from helpers import CAPTION, NAME, SECOND_SOURCE, SOURCE, fetch, make_photo
from PIL import Image
from sqlalchemy import event, select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import City, Photo, PhotoState, StoredFile


class _Meta(HTMLParser):
    """Collect <meta>, <link> and <img> attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.images: list[dict[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content", "")
        elif tag == "link":
            self.links[attrs.get("rel", "")] = attrs.get("href", "")
        elif tag == "img":
            self.images.append(attrs)


def parse(html: str) -> _Meta:
    parser = _Meta()
    parser.feed(html)
    return parser


def test_approved_photo_page_shows_the_photo(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    response = client.get(f"/P/{code}", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert CAPTION in html and 'lang="ru"' in html
    assert NAME in html
    assert "Волгоград / Volgograd" in html
    assert 'href="/"' in html  # the way to the project's home
    page = parse(html)
    [img] = page.images
    with app.app_context():
        digests = {f.kind: f.sha256[:16] for f in db.session().scalars(
            select(StoredFile).join(Photo).where(Photo.code == code))}
    # Content-hashed URLs, cached for good (see test_hashed_image_urls_*).
    assert img["src"] == f"/P/{code}/web.{digests['web']}.jpg"
    widths = {}
    for candidate in img["srcset"].split(", "):
        url, width = candidate.split(" ")
        with Image.open(io.BytesIO(fetch(client, url).data)) as served:
            assert width == f"{served.width}w"
            widths[url] = served.size
    assert set(widths) == {f"/P/{code}/thumb.{digests['thumb']}.jpg",
                           f"/P/{code}/web.{digests['web']}.jpg"}
    assert (int(img["width"]), int(img["height"])) == widths[img["src"]]
    assert img["sizes"] and img["fetchpriority"] == "high"


def test_photo_page_is_not_indexed_and_shares_well(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    response = client.get(f"/p/{code.lower()}")
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    page = parse(response.get_data(as_text=True))
    assert "noindex" in page.meta["robots"]
    base = "https://tablecloth.example.org"
    assert page.links["canonical"] == f"{base}/P/{code}"
    assert page.meta["og:url"] == f"{base}/P/{code}"
    assert page.meta["og:image"] == f"{base}/P/{code}/web.jpg"
    assert NAME in page.meta["og:title"] and "Volgograd" in page.meta["og:title"]
    assert page.meta["og:description"] == CAPTION
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/P/7K3QZ9", "/p/7K3QZ9", "/P/7k3qz9", "/p/7k3Qz9",
                                  "/P/7K3-QZ9"])
def test_every_spelling_of_a_code_is_served_directly(app, client, corpus, path):
    make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    response = client.get(path)
    assert response.status_code == 200
    assert NAME in response.get_data(as_text=True)


def test_photo_page_in_russian(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    html = client.get(f"/P/{code}", headers={"Accept-Language": "ru-RU,ru;q=0.9"}).get_data(
        as_text=True)
    assert '<html lang="ru">' in html
    assert "Посмотреть всю скатерть" in html


def test_photo_page_takes_one_query(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    statements = []
    engine = app.extensions["tablecloth.engine"]

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(f"/P/{code}").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # One query for the page; the view is counted in memory and written later in a batch.
    assert len(statements) == 1, statements
    assert statements[0].startswith("SELECT")


def _group(app, code: str, *, active: bool = True, days_left: int | None = None) -> None:
    from datetime import timedelta

    from tablecloth.models import Group, utcnow

    with app.app_context():
        session = db.session()
        city = session.scalars(select(City).where(City.slug == "coventry")).one()
        expires = None if days_left is None else utcnow() + timedelta(days=days_left)
        session.add(Group(name="Club", city=city, invite_code=code,
                          active=active, expires_at=expires))
        session.commit()


@pytest.mark.parametrize(("groups", "invited"), [
    ([], False),
    ([{"active": False}], False),
    ([{"days_left": -1}], False),
    ([{"days_left": 3}], True),
    ([{"active": False}, {}], True),
])
def test_photo_page_tells_the_story_and_invites_while_uploads_are_open(app, client, corpus,
                                                                       groups, invited):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    for number, group in enumerate(groups):
        _group(app, f"COV-TEST-{number}", **group)
    html = client.get(f"/P/{code}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    story = html.split('id="story"', 1)[1].split("</section>", 1)[0]
    assert "In 1941 the women of Coventry sent a tablecloth" in story
    assert 'href="/cloth"' in story and "See the whole cloth" in story
    assert ('href="/upload"' in story) is invited
    russian = client.get(f"/P/{code}", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "В 1941 году женщины Ковентри" in russian and "Посмотреть всю скатерть" in russian


@pytest.mark.parametrize(("visitor", "translation", "notes"), [
    ("ru", None, []),
    ("en", None, ["In Russian"]),
    ("en", "Sunset over the Volga", ["In Russian", "Translation"]),
    ("ru", "Sunset over the Volga", ["По-английски"]),
])
def test_a_caption_in_the_other_language_is_marked(app, client, corpus, visitor, translation,
                                                   notes):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")  # a Russian caption
    if translation:
        with app.app_context():
            photo = db.session().scalars(select(Photo).where(Photo.code == code)).one()
            photo.caption_translation = translation
            db.session().commit()
    html = client.get(f"/P/{code}", headers={"Accept-Language": visitor}).get_data(
        as_text=True)
    assert re.findall(r'<p class="lang-note"[^>]*>([^<]*)</p>', html) == notes
    assert f'<p class="caption" lang="ru">{CAPTION}</p>' in html
    if translation:
        assert f'<p class="caption translation" lang="en">{translation}</p>' in html


@pytest.mark.parametrize("state", [PhotoState.PENDING, PhotoState.REJECTED])
def test_unpublished_photo_shows_nothing(app, client, corpus, state):
    code = make_photo(app, corpus, state, code="7K3QZ9")
    unpublished = client.get(f"/P/{code}")
    assert unpublished.status_code == 404
    html = unpublished.get_data(as_text=True)
    assert NAME not in html and CAPTION not in html and "Волгоград / Volgograd" not in html
    assert "<img" not in html
    # Exactly the answer for a code nobody ever used: nothing tells the two apart.
    unknown = client.get("/P/ZZZZZZ")
    assert html == unknown.get_data(as_text=True)
    for kind in ("web", "thumb", "master"):
        assert fetch(client, f"/P/{code}/{kind}.jpg").status_code == 404
    # Once approved, the same code is served: the 404s above came from the routes themselves.
    with app.app_context():
        db.session().scalars(select(Photo).where(Photo.code == code)).one().state = (
            PhotoState.APPROVED)
        db.session().commit()
    assert CAPTION in client.get(f"/P/{code}").get_data(as_text=True)
    for kind in ("web", "thumb"):
        assert fetch(client, f"/P/{code}/{kind}.jpg").status_code == 200


@pytest.mark.parametrize("path", ["/P/ZZZZZZ", "/p/zzzzzz", "/P/SHORT", "/P/U00000",
                                  "/P/7K3QZ9/extra", "/P/"])
def test_unknown_code_gets_a_kind_bilingual_404(client, path):
    response = client.get(path, headers={"Accept-Language": "en"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No photo here" in html and "Здесь нет фотографии" in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_other_missing_pages_keep_the_plain_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "No photo here" not in response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_withdrawn_photo_answers_410_in_both_languages(app, client, corpus, language):
    code = make_photo(app, corpus, PhotoState.WITHDRAWN, code="7K3QZ9")
    response = client.get(f"/P/{code}", headers={"Accept-Language": language})
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    english = html.index("This photo was withdrawn by its author")
    russian = html.index("Автор отозвал эту фотографию")
    assert (english < russian) == (language == "en")  # the visitor's language comes first
    assert NAME not in html and CAPTION not in html and "<img" not in html
    assert 'href="/?lang=en"' in html and 'href="/?lang=ru"' in html
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    for kind in ("web", "thumb"):
        assert fetch(client, f"/p/{code.lower()}/{kind}.jpg").status_code == 410


@pytest.mark.parametrize("kind", ["web", "thumb"])
def test_image_headers_and_revalidation(app, client, corpus, kind):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    response = fetch(client, f"/P/{code}/{kind}.jpg")
    assert response.status_code == 200
    assert response.content_type == "image/jpeg"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert response.headers["Cache-Control"].startswith("public, max-age=86400")
    with app.app_context():
        stored = db.session().scalars(
            select(StoredFile).join(Photo).where(Photo.code == code, StoredFile.kind == kind)
        ).one()
    assert response.headers["ETag"] == f'"{stored.sha256}"'
    assert hashlib.sha256(response.data).hexdigest() == stored.sha256
    again = fetch(client, f"/p/{code.lower()}/{kind}.jpg",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == response.headers["ETag"]
    stale = fetch(client, f"/P/{code}/{kind}.jpg", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200


def test_master_and_metadata_never_leave(app, client, corpus):
    code = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    master = (corpus / SOURCE).read_bytes()
    with Image.open(corpus / SOURCE) as original:
        assert original.getexif().get_ifd(0x8825), "the sample must carry GPS for this test"
    for kind in ("master", "original", "source"):
        assert fetch(client, f"/P/{code}/{kind}.jpg").status_code == 404
    html = client.get(f"/P/{code}").get_data(as_text=True)
    assert SOURCE not in html and "master" not in html
    for kind in ("web", "thumb"):
        served = fetch(client, f"/P/{code}/{kind}.jpg").data
        assert served != master
        with Image.open(io.BytesIO(served)) as image:
            assert not image.getexif() and "exif" not in image.info


def test_photos_do_not_mix(app, client, corpus):
    first = make_photo(app, corpus, PhotoState.APPROVED, code="7K3QZ9")
    second = make_photo(app, corpus, PhotoState.APPROVED, code="AB12CD", source=SECOND_SOURCE,
                        name="Tom", caption="Cathedral", city="coventry")
    one = client.get(f"/P/{first}").get_data(as_text=True)
    two = client.get(f"/P/{second}").get_data(as_text=True)
    assert NAME in one and "Tom" not in one
    assert "Tom" in two and "Coventry / Ковентри" in two and NAME not in two
    assert fetch(client, f"/P/{first}/web.jpg").data != fetch(client, f"/P/{second}/web.jpg").data


@pytest.mark.parametrize("source", ["jpg_gps_DSCN0010.jpg", "heic_IMG_5195.HEIC"])
def test_photo_through_the_upload_service_is_served_without_metadata(app, client, corpus,
                                                                     source):
    from tablecloth.services.uploads import accept_upload

    raw = (corpus / source).read_bytes()
    with app.app_context():
        city = db.session().scalars(select(City).where(City.slug == "coventry")).one()
        code = accept_upload(site(), raw, city=city, first_name="Sam", caption="Canal basin",
                             approve=True).photo.code
    page = client.get(f"/P/{code}").get_data(as_text=True)
    assert "Sam" in page and source not in page
    for kind in ("web", "thumb"):
        served = fetch(client, f"/P/{code}/{kind}.jpg")
        assert served.status_code == 200 and served.content_type == "image/jpeg"
        assert b"Exif\x00\x00" not in served.data  # no APP1 EXIF segment
        with Image.open(io.BytesIO(served.data)) as image:
            assert image.format == "JPEG"
            assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
    assert fetch(client, f"/P/{code}/master.jpg").status_code == 404
