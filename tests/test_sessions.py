"""Organiser sessions live on the server: log-out, deactivation, a password change, a reset
link and an admin's "end all sessions" end them, for every copy of the cookie too."""

from __future__ import annotations

import re

import pytest
from helpers import (
    LOGIN,
    ORGANISER_EMAIL,
    ORGANISER_PASSWORD,
    csrf_token,
    log_in,
    quick_hash,
    session_organiser,
)
from sqlalchemy import select

from tablecloth import db
from tablecloth.models import AuditEntry, Organiser, OrganiserSession, Role

NEW_PASSWORD = "a brand new password"
BASE = "https://tablecloth.example.org"


def copy_of(app, client):
    """Return a second client holding a copy of client's session cookie (a stolen cookie)."""
    stolen = app.test_client()
    stolen.set_cookie("session", client.get_cookie("session").value)
    return stolen


def opens_dashboard(client) -> bool:
    response = client.get("/organiser/")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.location.startswith(LOGIN)
    return response.status_code == 200


def actions(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def moderator(app):
    with app.app_context():
        person = Organiser(email="mod@example.org", role=Role.MODERATOR,
                           password_hash=quick_hash("moderator pass 1"))
        db.session().add(person)
        db.session().commit()
        return person.id


def test_a_copied_cookie_stops_working_after_logout(app, client, auth):
    assert auth.login().status_code == 302
    stolen = copy_of(app, client)
    assert opens_dashboard(stolen)
    assert auth.logout().status_code == 302
    assert not opens_dashboard(stolen)
    assert not opens_dashboard(client)


def test_the_cookie_holds_no_organiser_id(client, auth, organiser):
    auth.login()
    with client.session_transaction() as flask_session:
        assert "organiser_id" not in flask_session
        assert set(flask_session) <= {"sid", "csrf_token", "_flashes", "_permanent"}
    assert session_organiser(client) == organiser


def change_password(client, current: str, new: str, again: str | None = None):
    return client.post("/organiser/password", data={
        "csrf_token": csrf_token(client, "/organiser/password"), "current": current,
        "password": new, "password_again": new if again is None else again},
        headers={"Accept-Language": "en"})


def test_password_change_ends_every_other_session_and_copies_of_this_one(app, client, auth):
    assert auth.login().status_code == 302
    stolen = copy_of(app, client)
    elsewhere = app.test_client()
    assert log_in(elsewhere).status_code == 302

    answer = change_password(client, ORGANISER_PASSWORD, NEW_PASSWORD)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert opens_dashboard(client)  # the browser that changed it stays in, on a new session
    assert not opens_dashboard(stolen)
    assert not opens_dashboard(elsewhere)
    assert log_in(app.test_client()).status_code == 401  # the old password is gone
    assert log_in(app.test_client(), password=NEW_PASSWORD).status_code == 302
    [entry] = actions(app, "account.password")
    assert entry.target == ORGANISER_EMAIL and entry.detail == {"sessions_ended": 2}


@pytest.mark.parametrize(("current", "new", "again", "message"), [
    ("not my password", NEW_PASSWORD, None, "The current password is not right."),
    (ORGANISER_PASSWORD, "short", None, "at least 10 characters"),
    (ORGANISER_PASSWORD, NEW_PASSWORD, "something else!", "The two passwords differ."),
])
def test_a_refused_password_change_changes_nothing(app, client, auth, current, new, again,
                                                   message):
    auth.login()
    answer = change_password(client, current, new, again)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert opens_dashboard(client)
    assert log_in(app.test_client()).status_code == 302
    assert actions(app, "account.password") == []


def test_password_page_in_russian(logged_in):
    page = logged_in.get("/organiser/password", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    assert "Смените пароль" in page.get_data(as_text=True)


def test_an_admin_ends_every_session_of_an_account(app, logged_in, moderator):
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        assert log_in(browser, "mod@example.org", "moderator pass 1").status_code == 302
    answer = logged_in.post(f"/organiser/accounts/{moderator}/sessions/end", data={
        "csrf_token": csrf_token(logged_in, "/organiser/accounts")})
    assert answer.status_code == 302
    assert not opens_dashboard(phone) and not opens_dashboard(laptop)
    assert opens_dashboard(logged_in)
    [entry] = actions(app, "account.sessions_end")
    assert entry.target == "mod@example.org" and entry.detail == {"sessions": 2}
    # The account itself still works.
    assert log_in(phone, "mod@example.org", "moderator pass 1").status_code == 302


def test_deactivation_ends_sessions_at_once(app, logged_in, moderator):
    browser = app.test_client()
    log_in(browser, "mod@example.org", "moderator pass 1")
    stolen = copy_of(app, browser)
    logged_in.post(f"/organiser/accounts/{moderator}/active", data={
        "csrf_token": csrf_token(logged_in, "/organiser/accounts"), "active": "0"})
    assert not opens_dashboard(browser) and not opens_dashboard(stolen)
    with app.app_context():
        open_rows = db.session().scalars(select(OrganiserSession).where(
            OrganiserSession.organiser_id == moderator,
            OrganiserSession.ended_at.is_(None))).all()
    assert open_rows == []


def as_host(client, host: str) -> dict:
    """Send the client's session cookie to another Host too; return the headers to use."""
    client.set_cookie("session", client.get_cookie("session").value, domain=host)
    return {"Host": host}


def make_reset_link(client, person_id: int, host: str | None = None) -> str:
    token = csrf_token(client, "/organiser/accounts")
    headers = {"Accept-Language": "en", **(as_host(client, host) if host else {})}
    page = client.post(f"/organiser/accounts/{person_id}/reset", data={"csrf_token": token},
                       headers=headers)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    return re.search(r'id="reset-link"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_reset_link_sets_a_new_password_once_and_ends_old_sessions(app, logged_in, moderator):
    old = app.test_client()
    log_in(old, "mod@example.org", "moderator pass 1")
    link = make_reset_link(logged_in, moderator, host="evil.example")
    assert link.startswith(BASE + "/organiser/reset/")  # never from the Host header
    path = link.removeprefix(BASE)

    person = app.test_client()
    form = person.get(path, headers={"Accept-Language": "en"})
    assert form.status_code == 200 and "mod@example.org" in form.get_data(as_text=True)
    assert form.headers["Referrer-Policy"] == "no-referrer"
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.get_data(as_text=True)).group(1)
    done = person.post(path, data={"csrf_token": token, "password": NEW_PASSWORD,
                                   "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and opens_dashboard(person)
    assert not opens_dashboard(old)
    assert log_in(app.test_client(), "mod@example.org", NEW_PASSWORD).status_code == 302
    assert person.get(path).status_code == 410  # once only
    assert [e.action for e in actions(app, "account.reset_link")] == ["account.reset_link"]
    assert [e.target for e in actions(app, "account.password_reset")] == ["mod@example.org"]


def test_a_new_reset_link_stops_the_older_one(app, logged_in, moderator):
    first = make_reset_link(logged_in, moderator).removeprefix(BASE)
    second = make_reset_link(logged_in, moderator).removeprefix(BASE)
    assert app.test_client().get(first).status_code == 410
    assert app.test_client().get(second).status_code == 200


def test_invitation_link_ignores_the_host_header(logged_in):
    token = csrf_token(logged_in, "/organiser/accounts")
    page = logged_in.post("/organiser/accounts/invitations", data={
        "csrf_token": token, "role": "moderator"}, headers=as_host(logged_in, "evil.example"))
    link = re.search(r'id="invitation-link"[^>]*value="([^"]+)"',
                     page.get_data(as_text=True)).group(1)
    assert link.startswith(BASE + "/organiser/invite/")
    assert "evil.example" not in page.get_data(as_text=True)
