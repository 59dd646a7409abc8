"""Groups, invite codes and cities: the service and the organiser pages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pypdfium2
import pytest
from helpers import csrf_token, decode
from sqlalchemy import select

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import City, Group
from tablecloth.services import groups

GROUPS = "/organiser/groups"
INVITE = re.compile(r"^[A-Z]{3}-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{8}$")


def city(slug: str) -> City:
    return db.session().scalars(select(City).where(City.slug == slug)).one()


def test_invite_codes_are_readable_and_unique(app):
    with app.app_context():
        made = {groups.create_group(site(), f"Club {n}", city("coventry")).invite_code
                for n in range(200)}
        volgograd = groups.create_group(site(), "Школа 1", city("volgograd")).invite_code
    assert len(made) == 200
    assert all(INVITE.match(code) and code.startswith("COV-") for code in made)
    assert volgograd.startswith("VOL-") and INVITE.match(volgograd)


def test_group_is_found_by_code_in_any_case(app, group):
    with app.app_context():
        assert groups.find_group(site(), " cov-test-1 ").name == "Coventry Youth Club"
        assert groups.find_group(site(), "nope") is None
        assert groups.find_group(site(), "") is None


def test_expiry_means_through_the_end_of_that_day(app):
    with app.app_context():
        tomorrow = date.today() + timedelta(days=1)
        made = groups.create_group(site(), "Summer camp", city("coventry"), tomorrow)
        assert groups.last_day(made) == tomorrow
        assert made.accepts_uploads()
        end = datetime.combine(tomorrow + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        assert made.accepts_uploads(end - timedelta(seconds=1))
        assert not made.accepts_uploads(end)
        with pytest.raises(groups.GroupError, match="already passed"):
            groups.create_group(site(), "Too late", city("coventry"),
                                date.today() - timedelta(days=1))


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_group_needs_a_sensible_name(app, name):
    with app.app_context(), pytest.raises(groups.GroupError):
        groups.create_group(site(), name, city("coventry"))


def test_groups_page_lists_codes_and_upload_links(app, logged_in, group):
    text = logged_in.get("/organiser/groups", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "Coventry Youth Club" in text
    assert "COV-TEST-1" in text
    assert "https://tablecloth.example.org/upload?code=COV-TEST-1" in text
    russian = logged_in.get("/organiser/groups?lang=ru").get_data(as_text=True)
    assert "Код приглашения" in russian and "Ковентри" in russian


def test_create_group_on_the_web(app, logged_in):
    response = logged_in.post("/organiser/groups", data={
        "csrf_token": csrf_token(logged_in, GROUPS), "name": " Volgograd  School 5 ",
        "city": "volgograd", "expires": (date.today() + timedelta(days=30)).isoformat()})
    assert response.status_code == 302
    with app.app_context():
        made = db.session().scalars(select(Group)).one()
        assert made.name == "Volgograd School 5"
        assert made.city.slug == "volgograd"
        assert INVITE.match(made.invite_code)
        assert groups.last_day(made) == date.today() + timedelta(days=30)
        code = made.invite_code
    page = logged_in.get("/organiser/groups", headers={"Accept-Language": "en"})
    assert f"Its invite code is {code}." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [({"name": "", "city": "coventry"}, "Give the group a name."),
     ({"name": "Club", "city": "atlantis"}, "Choose the group&#39;s city."),
     ({"name": "Club", "city": "coventry", "expires": "31/12/2030"}, "is not a date")],
)
def test_create_group_refuses_bad_input(app, logged_in, form, message):
    response = logged_in.post(GROUPS, data={"csrf_token": csrf_token(logged_in, GROUPS),
                                            **form})
    page = logged_in.get(response.location, headers={"Accept-Language": "en"})
    assert message in page.get_data(as_text=True)
    with app.app_context():
        assert db.session().scalars(select(Group)).first() is None


def test_switch_group_off_and_on_on_the_web(app, logged_in, group):
    url = f"/organiser/groups/{group}/active"
    logged_in.post(url, data={"csrf_token": csrf_token(logged_in, GROUPS), "active": "0"})
    with app.app_context():
        assert not groups.find_group(site(), group).accepts_uploads()
    text = logged_in.get("/organiser/groups", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "switched off" in text
    logged_in.post(url, data={"csrf_token": csrf_token(logged_in, GROUPS), "active": "1"})
    with app.app_context():
        assert groups.find_group(site(), group).accepts_uploads()


def test_change_expiry_on_the_web(app, logged_in, group):
    day = date.today() + timedelta(days=7)
    url = f"/organiser/groups/{group}/expiry"
    logged_in.post(url, data={"csrf_token": csrf_token(logged_in, GROUPS),
                              "expires": day.isoformat()})
    with app.app_context():
        assert groups.last_day(groups.find_group(site(), group)) == day
    logged_in.post(url, data={"csrf_token": csrf_token(logged_in, GROUPS), "expires": ""})
    with app.app_context():
        assert groups.find_group(site(), group).expires_at is None


def test_photo_counts_per_group(app, group, corpus):
    from tablecloth.services import uploads

    with app.app_context():
        club = groups.find_group(site(), group)
        other = groups.create_group(site(), "Empty club", city("volgograd"))
        for name in ("jpg_Canon_40D.jpg", "jpg_mobile_jolla.jpg"):
            uploads.accept_upload(site(), (corpus / name).read_bytes(), city=club.city,
                                  first_name="Sam", group=club, approve=True)
        counts = {g.invite_code: n for g, n in groups.list_groups(site())}
    assert counts == {group: 2, other.invite_code: 0}


def test_add_city_on_the_web(app, logged_in):
    response = logged_in.post("/organiser/cities", data={
        "csrf_token": csrf_token(logged_in, "/organiser/cities"), "slug": "Dresden",
        "name_en": "Dresden", "name_ru": "Дрезден", "home_language": "en"})
    assert response.status_code == 302
    with app.app_context():
        added = city("dresden")
        assert (added.name_en, added.name_ru, added.home_language) == ("Dresden", "Дрезден", "en")
        assert added.position > city("volgograd").position
    text = logged_in.get("/organiser/cities", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "Dresden / Дрезден" in text


@pytest.mark.parametrize(
    ("slug", "name_en", "name_ru", "home", "message"),
    [("coventry", "Coventry", "Ковентри", "en", "already exists"),
     ("x", "X", "Х", "en", "2 to 40"),
     ("new town", "New Town", "Нью-Таун", "en", "2 to 40"),
     ("kyiv", "Kyiv", "", "en", "both English and Russian"),
     ("kyiv", "Kyiv", "Киев", "uk", "en or ru")],
)
def test_add_city_refuses_bad_input(app, slug, name_en, name_ru, home, message):
    with app.app_context(), pytest.raises(groups.GroupError, match=message):
        groups.add_city(site(), slug, name_en, name_ru, home)


# --- the printable invitation (its layout: test_render_invitation.py) ---------------------


def test_invitation_pdf_leads_to_the_upload_page_of_its_group(app, logged_in, group):
    response = logged_in.get("/organiser/groups/cov-test-1/invitation.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.get_data())
    try:
        assert len(pdf) == 1
        page = pdf[0]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        textpage.close()
        image = page.render(scale=2).to_pil()
        page.close()
    finally:
        pdf.close()
    assert "Coventry Youth Club" in text and "Ковентри" in text
    assert decode(image) == ["https://tablecloth.example.org/upload?code=COV-TEST-1"]
    anonymous = app.test_client()
    assert anonymous.get("/organiser/groups/COV-TEST-1/invitation.pdf").status_code == 302
    assert logged_in.get("/organiser/groups/NO-SUCH/invitation.pdf").status_code == 404


def test_the_old_invitation_address_by_number_redirects_to_the_code(app, logged_in, group):
    with app.app_context():
        team_id = db.session().scalars(select(Group.id)).one()
    moved = logged_in.get(f"/organiser/groups/{team_id}/invitation.pdf")
    assert moved.status_code == 308
    assert moved.headers["Location"].endswith("/organiser/groups/COV-TEST-1/invitation.pdf")
    assert logged_in.get(moved.headers["Location"]).mimetype == "application/pdf"
    assert logged_in.get("/organiser/groups/999/invitation.pdf").status_code == 404
    anonymous = app.test_client().get(f"/organiser/groups/{team_id}/invitation.pdf")
    assert anonymous.status_code == 302 and "/organiser/login" in anonymous.headers["Location"]
