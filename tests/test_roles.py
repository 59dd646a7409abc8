"""Roles: every organiser route has a rule, invitations, deactivation and the audit log."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from helpers import csrf_token, log_in, quick_hash, session_organiser
from PIL import Image
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from tablecloth import codes, db
from tablecloth.context import site
from tablecloth.models import AgeBand, AuditEntry, City, Invitation, Organiser, Role, utcnow
from tablecloth.services import accounts, audit, uploads, withdrawals

# Endpoints a moderator is refused (403). Every other organiser endpoint must be listed in
# MODERATOR_ALLOWED or PUBLIC; a new route in none of them fails test_every_route_has_a_rule.
ADMIN_ONLY = {
    "organiser.accounts_page", "organiser.create_invitation", "organiser.switch_account",
    "organiser.audit_log", "organiser.audit_csv", "organiser.add_city",
    "organiser.archive_download", "organiser.revoke_invitation", "organiser.create_reset",
    "organiser.end_sessions",
}
MODERATOR_ALLOWED = {
    "organiser.dashboard", "organiser.moderation_queue", "organiser.moderate",
    "organiser.edit_caption", "organiser.photo_file", "organiser.groups",
    "organiser.create_group", "organiser.switch_group", "organiser.group_expiry",
    "organiser.group_quota", "organiser.group_invitation",
    "organiser.cities", "organiser.cloth", "organiser.cloth_export",
    "organiser.cloth_export_file", "organiser.cloth_export_page",
    "organiser.cloth_export_report", "organiser.cloth_export_status", "organiser.cloth_freeze",
    "organiser.cloth_order", "organiser.cloth_plan", "organiser.cloth_preview",
    "organiser.cloth_preview_png",
    "organiser.cloth_settings", "organiser.cloth_swatch", "organiser.cloth_swatch_file",
    "organiser.edit_name",
    "organiser.reports_queue", "organiser.hide_photo",
    "organiser.restore_photo", "organiser.dismiss_report", "organiser.logout",
    "organiser.change_password",
    "organiser.wall_choose", "organiser.wall_show", "organiser.wall_photos",
    # Old addresses, redirected to the tidied ones (web/organiser/moved.py).
    "organiser.old_photo_file", "organiser.old_edit_caption", "organiser.old_group_invitation",
}
# Reachable without logging in: the log-in form, the invitation a new organiser opens and
# the one-time password reset link an admin gives.
PUBLIC = {"organiser.login", "organiser.accept_invitation", "organiser.reset_password"}

MODERATOR_PASSWORD = "moderator password 1"
LOGIN = "/organiser/login"


def organiser_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("organiser.")]


def sample_url(app, rule) -> str:
    """Build a URL for rule with made-up arguments (a guard must refuse before any lookup)."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        values[name] = 1 if isinstance(converter, IntegerConverter) else "ABC234"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def call(client, app, rule):
    method = "GET" if "GET" in rule.methods else "POST"
    return client.open(sample_url(app, rule), method=method,
                       headers={"Accept-Language": "en"})


def make_organiser(app, email: str, role: Role) -> int:
    with app.app_context():
        person = Organiser(email=email, role=role,
                           password_hash=quick_hash(MODERATOR_PASSWORD))
        db.session().add(person)
        db.session().commit()
        return person.id


@pytest.fixture
def moderator(app):
    return make_organiser(app, "mod@example.org", Role.MODERATOR)


@pytest.fixture
def moderator_client(app, moderator):
    """Return a client logged in as the moderator, through the log-in form."""
    client = app.test_client()
    assert log_in(client, "mod@example.org", MODERATOR_PASSWORD).status_code == 302
    return client


def entries(app, action: str | None = None) -> list[AuditEntry]:
    with app.app_context():
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return list(db.session().scalars(query))


def add_photo(app, shade: int = 40) -> str:
    out = io.BytesIO()
    Image.new("RGB", (480, 360), (shade, 120, 255 - shade)).save(out, "JPEG", quality=90)
    with app.app_context():
        city = db.session().scalars(select(City).where(City.slug == "coventry")).one()
        result = uploads.accept_upload(site(), out.getvalue(), city=city, first_name="Anya",
                                       caption="Bridge", age_band=AgeBand.ADULT,
                                       consent_self=True)
        return result.photo.code


# --- the route inventory ---------------------------------------------------------------


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in organiser_rules(app)}
    without_rule = endpoints - ADMIN_ONLY - MODERATOR_ALLOWED - PUBLIC
    assert not without_rule, f"new route without a rule (add it to a set): {sorted(without_rule)}"
    assert not ADMIN_ONLY & MODERATOR_ALLOWED
    gone = (ADMIN_ONLY | MODERATOR_ALLOWED | PUBLIC) - endpoints
    assert not gone, f"rules for routes that no longer exist: {sorted(gone)}"


def test_without_login_every_route_sends_to_login(app, client):
    app.config["WTF_CSRF_ENABLED"] = False  # the log-in guard is under test, not the CSRF one
    wrong = []
    for rule in organiser_rules(app):
        if rule.endpoint in PUBLIC:
            continue
        response = call(client, app, rule)
        if response.status_code != 302 or not response.location.startswith(LOGIN):
            wrong.append(f"{rule.endpoint}: {response.status_code} {response.location}")
    assert not wrong, "reachable without logging in:\n" + "\n".join(wrong)


def test_public_pages_open_without_login(app, client):
    assert client.get(LOGIN).status_code == 200
    # An unknown invitation is refused, but by the page itself, not by a redirect to log in.
    assert client.get("/organiser/invite/not-a-real-token").status_code == 410


def test_moderator_is_refused_every_admin_only_route(app, moderator_client):
    app.config["WTF_CSRF_ENABLED"] = False
    wrong = []
    for rule in organiser_rules(app):
        if rule.endpoint in ADMIN_ONLY:
            response = call(moderator_client, app, rule)
            if response.status_code != 403:
                wrong.append(f"{rule.endpoint}: {response.status_code}")
    assert not wrong, "admin-only routes a moderator reached:\n" + "\n".join(wrong)
    assert "Only for admins" in moderator_client.get("/organiser/accounts").get_data(as_text=True)


def test_moderator_pages_are_not_refused_to_a_moderator(app, moderator_client):
    checked, wrong = [], []
    for rule in organiser_rules(app):
        if rule.endpoint in MODERATOR_ALLOWED and "GET" in rule.methods and not rule.arguments:
            checked.append(rule.endpoint)
            status = call(moderator_client, app, rule).status_code
            # Neither refused nor broken: a page (200) or a redirect within the app (302).
            if status not in (200, 302):
                wrong.append(f"{rule.endpoint}: {status}")
    assert "organiser.dashboard" in checked and "organiser.moderation_queue" in checked
    assert not wrong, "moderator pages that failed:\n" + "\n".join(wrong)


def test_nav_shows_accounts_and_audit_to_admins_only(logged_in, moderator_client):
    admin_page = logged_in.get("/organiser/", headers={"Accept-Language": "en"})
    assert 'href="/organiser/accounts"' in admin_page.get_data(as_text=True)
    assert 'href="/organiser/audit"' in admin_page.get_data(as_text=True)
    mod_page = moderator_client.get("/organiser/", headers={"Accept-Language": "en"})
    assert 'href="/organiser/accounts"' not in mod_page.get_data(as_text=True)
    assert 'href="/organiser/audit"' not in mod_page.get_data(as_text=True)


# --- invitations -------------------------------------------------------------------------


def invite(client, role: str = "moderator", note: str = "") -> str:
    response = client.post("/organiser/accounts/invitations",
                           data={"csrf_token": csrf_token(client, "/organiser/accounts"),
                                 "role": role, "note": note},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    found = re.search(r'value="https?://[^"]*/organiser/invite/([^"]+)"',
                      response.get_data(as_text=True))
    assert found, "no invitation link on the page"
    return found.group(1)


def accept(client, token: str, email: str, password: str = "a long password", again=None):
    return client.post(f"/organiser/invite/{token}", data={
        "csrf_token": csrf_token(client, f"/organiser/invite/{token}"), "email": email,
        "password": password, "password_again": password if again is None else again,
    }, headers={"Accept-Language": "en"})


def test_invitation_creates_a_moderator_who_is_logged_in(app, logged_in, organiser):
    token = invite(logged_in, note="Volgograd school")
    newcomer = app.test_client()
    assert "moderator" in newcomer.get(f"/organiser/invite/{token}").get_data(as_text=True)
    response = accept(newcomer, token, "New.Mod@Example.org")
    assert response.status_code == 302 and response.location == "/organiser/"
    with app.app_context():
        person = accounts.find_organiser(site(), "new.mod@example.org")
        assert person.role == Role.MODERATOR and person.active
        invitation = db.session().scalars(select(Invitation)).one()
        assert invitation.used_by_id == person.id and invitation.used_at is not None
        assert invitation.created_by_id == organiser and invitation.note == "Volgograd school"
        new_id = person.id
    assert session_organiser(newcomer) == new_id
    assert newcomer.get("/organiser/moderation").status_code == 200
    assert newcomer.get("/organiser/accounts").status_code == 403
    assert [e.action for e in entries(app)] == ["account.invite", "account.create"]
    assert entries(app)[1].target == "new.mod@example.org"


def test_admin_invitation_gives_an_admin(app, logged_in):
    token = invite(logged_in, role="admin")
    newcomer = app.test_client()
    assert accept(newcomer, token, "second.admin@example.org").status_code == 302
    with app.app_context():
        person = accounts.find_organiser(site(), "second.admin@example.org")
        assert person.role == Role.ADMIN and person.active
    accounts_page = newcomer.get("/organiser/accounts", headers={"Accept-Language": "en"})
    assert accounts_page.status_code == 200
    assert "second.admin@example.org" in accounts_page.get_data(as_text=True)


def test_only_the_hash_of_the_token_is_stored(app, logged_in):
    token = invite(logged_in)
    with app.app_context():
        invitation = db.session().scalars(select(Invitation)).one()
        assert invitation.token_hash == codes.hash_token(token)
        stored = [str(getattr(invitation, c.key)) for c in Invitation.__table__.columns]
        assert not any(token in value for value in stored)
        assert not any(token in str(e.detail) + e.target for e in entries(app))


def test_invitation_works_once(app, logged_in):
    token = invite(logged_in)
    first, second = app.test_client(), app.test_client()
    page = second.get(f"/organiser/invite/{token}")  # opened before the first one finishes
    assert page.status_code == 200
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert accept(first, token, "first@example.org").status_code == 302
    again = second.post(f"/organiser/invite/{token}", data={
        "csrf_token": form_token.group(1), "email": "second@example.org",
        "password": "a long password", "password_again": "a long password"})
    assert again.status_code == 410
    with app.app_context():
        assert accounts.find_organiser(site(), "second@example.org") is None
    with pytest.raises(accounts.AccountError), app.app_context():
        accounts.accept_invitation(site(), token, "third@example.org", "a long password")


def test_invitation_expires_after_seven_days(app, logged_in, organiser):
    with app.app_context():
        by = db.session().get(Organiser, organiser)
        _old, old_token = accounts.create_invitation(site(),
            Role.MODERATOR, by=by, now=utcnow() - timedelta(days=7, seconds=1))
        _fresh, fresh_token = accounts.create_invitation(site(),
            Role.MODERATOR, by=by, now=utcnow() - timedelta(days=6, hours=23))
    assert app.test_client().get(f"/organiser/invite/{old_token}").status_code == 410
    assert app.test_client().get(f"/organiser/invite/{fresh_token}").status_code == 200


def test_bad_choices_leave_the_invitation_usable(app, logged_in):
    token = invite(logged_in)
    newcomer = app.test_client()
    short = accept(newcomer, token, "x@example.org", password="short")
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    differ = accept(newcomer, token, "x@example.org", again="another long one")
    assert differ.status_code == 400
    taken = accept(newcomer, token, "admin@example.org")
    assert taken.status_code == 400 and "already exists" in taken.get_data(as_text=True)
    assert accept(newcomer, token, "x@example.org").status_code == 302


def test_revoked_invitation_stops_working(app, logged_in):
    token = invite(logged_in, note="sent to the wrong address")
    page = logged_in.get("/organiser/accounts", headers={"Accept-Language": "en"})
    assert "sent to the wrong address" in page.get_data(as_text=True)
    with app.app_context():
        invitation_id = db.session().scalars(select(Invitation.id)).one()
    response = logged_in.post(f"/organiser/accounts/invitations/{invitation_id}/revoke",
                              data={"csrf_token": csrf_token(logged_in, "/organiser/accounts")})
    assert response.status_code == 302
    assert app.test_client().get(f"/organiser/invite/{token}").status_code == 410
    page = logged_in.get("/organiser/accounts", headers={"Accept-Language": "en"})
    assert "sent to the wrong address" not in page.get_data(as_text=True)
    assert [e.action for e in entries(app)] == ["account.invite", "account.revoke"]


def test_invitation_form_needs_csrf(app, logged_in):
    token = invite(logged_in)
    response = app.test_client().post(f"/organiser/invite/{token}", data={
        "email": "x@example.org", "password": "a long password",
        "password_again": "a long password"})
    assert response.status_code == 400
    with app.app_context():
        assert accounts.find_organiser(site(), "x@example.org") is None


def test_accounts_page_lists_organisers(logged_in, moderator):
    text = logged_in.get("/organiser/accounts", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "admin@example.org" in text and "mod@example.org" in text and "moderator" in text


# --- deactivation ------------------------------------------------------------------------


def switch(client, person_id: int, active: bool):
    return client.post(f"/organiser/accounts/{person_id}/active", data={
        "csrf_token": csrf_token(client, "/organiser/accounts"), "active": "1" if active else "0"})


def test_deactivated_moderator_is_logged_out_and_cannot_log_in(app, logged_in, moderator,
                                                                moderator_client):
    assert moderator_client.get("/organiser/moderation").status_code == 200
    assert switch(logged_in, moderator, False).status_code == 302
    refused = moderator_client.get("/organiser/moderation")
    assert refused.status_code == 302 and refused.location.startswith(LOGIN)
    with app.app_context():
        assert accounts.authenticate(site(), "mod@example.org", MODERATOR_PASSWORD) is None
    assert [e.target for e in entries(app, "account.deactivate")] == ["mod@example.org"]

    # Reactivation lets the account log in again; the sessions it had stay ended.
    assert switch(logged_in, moderator, True).status_code == 302
    assert moderator_client.get("/organiser/moderation").status_code == 302
    assert len(entries(app, "account.reactivate")) == 1
    assert log_in(moderator_client, "mod@example.org", MODERATOR_PASSWORD).status_code == 302
    assert moderator_client.get("/organiser/moderation").status_code == 200


def test_admin_cannot_deactivate_themselves(app, logged_in, organiser):
    response = switch(logged_in, organiser, False)
    assert response.status_code == 302
    page = logged_in.get("/organiser/accounts", headers={"Accept-Language": "en"})
    assert "You cannot deactivate your own account." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(Organiser, organiser).active
    assert not entries(app, "account.deactivate")


# --- the audit log -----------------------------------------------------------------------


def moderate(client, action: str, code: str, **extra):
    return client.post("/organiser/moderation", data={
        "csrf_token": csrf_token(client), "action": action, "code": [code], **extra})


def test_moderation_actions_are_audited_with_who_did_them(app, moderator_client, moderator):
    code = add_photo(app)
    consent = entries(app, "consent.recorded")
    assert [(e.target, e.organiser_id) for e in consent] == [(code, None)]
    assert consent[0].detail["consent_self"] is True
    moderate(moderator_client, "approve", code)
    moderate(moderator_client, "reject", code, reason="blurry")
    moderator_client.post(f"/organiser/photos/{code}/caption", data={
        "csrf_token": csrf_token(moderator_client), "caption": "New words"})
    moderate(moderator_client, "withdraw", code)
    done = [(e.action, e.target, e.organiser_id) for e in entries(app)[1:]]
    assert done == [("photo.approve", code, moderator), ("photo.reject", code, moderator),
                    ("photo.caption", code, moderator), ("photo.withdraw", code, moderator)]
    assert entries(app, "photo.reject")[0].detail["reason"] == "blurry"


def test_participant_withdrawal_is_audited_without_an_organiser(app):
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (9, 99, 199)).save(out, "JPEG")
    with app.app_context():
        city = db.session().scalars(select(City).where(City.slug == "coventry")).one()
        result = uploads.accept_upload(site(), out.getvalue(), city=city, first_name="Ivan",
                                       age_band=AgeBand.ADULT, consent_self=True)
        withdrawals.withdraw_by_token(site(), result.withdraw_token)
    withdrawn = entries(app, "photo.withdraw")
    assert len(withdrawn) == 1 and withdrawn[0].organiser_id is None
    assert withdrawn[0].detail == {"by": "participant"}
    # Nothing identifying the participant beyond the code: no name, no token, no address.
    for entry in entries(app):
        assert "Ivan" not in str(entry.detail) and result.withdraw_token not in str(entry.detail)


def test_group_and_cloth_actions_are_audited(app, logged_in, organiser):
    from tablecloth import context
    from tablecloth.services.cloth import editions, exports

    token = csrf_token(logged_in, "/organiser/groups")
    logged_in.post("/organiser/groups", data={"csrf_token": token, "name": "Club",
                                              "city": "coventry"})
    created = entries(app, "group.create")
    assert len(created) == 1 and created[0].organiser_id == organiser
    code = created[0].target
    logged_in.post(f"/organiser/groups/{code}/active", data={"csrf_token": token, "active": "0"})
    logged_in.post(f"/organiser/groups/{code}/active", data={"csrf_token": token, "active": "1"})
    assert len(entries(app, "group.disable")) == 1 and len(entries(app, "group.enable")) == 1

    photo = add_photo(app)
    moderate(logged_in, "approve", photo)
    with app.app_context():
        by = db.session().get(Organiser, organiser)
        site = context.site()
        current = editions.current_cloth(site)
        export = exports.new_export(site, current, ["svg"], draft=True, by=by)
        export_id = export.id
        editions.freeze(site, current, by=by)
    exported = entries(app, "cloth.export")
    assert len(exported) == 1 and exported[0].detail["export"] == export_id
    frozen = entries(app, "cloth.freeze")
    assert len(frozen) == 1 and frozen[0].organiser_id == organiser


def test_audit_page_filters_and_pages_newest_first(app, logged_in, organiser):
    with app.app_context():
        for number in range(55):
            audit.record(site(), "photo.approve", f"C{number:05d}", organiser=organiser)
        audit.record(site(), "photo.reject", "ZZZ234", {"reason": "wrong"}, organiser=organiser)
        db.session().commit()
    first = logged_in.get("/organiser/audit", headers={"Accept-Language": "en"})
    text = first.get_data(as_text=True)
    assert "56 entries." in text and "Page 1 of 2" in text
    assert text.index("ZZZ234") < text.index("C00054") < text.index("C00010")
    assert "C00004" not in text  # on page 2
    assert "C00004" in logged_in.get("/organiser/audit?page=2").get_data(as_text=True)
    rejected = logged_in.get("/organiser/audit?action=photo.reject").get_data(as_text=True)
    assert "1 entry." in rejected and "ZZZ234" in rejected and "C00001" not in rejected
    by_code = logged_in.get("/organiser/audit?code=c00007").get_data(as_text=True)
    assert "1 entry." in by_code and "C00007" in by_code


def test_audit_csv(app, logged_in, organiser):
    with app.app_context():
        audit.record(site(), "photo.reject", "ABC234", {"reason": "=HYPERLINK(1)"},
                     organiser=organiser)
        audit.record(site(), "photo.withdraw", "ABC234", {"by": "participant"})
        audit.record(site(), "group.create", "COV-XYZ", organiser=organiser)
        db.session().commit()
    response = logged_in.get("/organiser/audit.csv?code=ABC234")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["at", "organiser", "action", "target", "detail"]
    assert [row[2] for row in rows[1:]] == ["photo.withdraw", "photo.reject"]
    assert rows[1][1] == "" and rows[2][1] == "admin@example.org"
    assert rows[2][4] == '{"reason": "=HYPERLINK(1)"}'
    everything = list(csv.reader(io.StringIO(logged_in.get("/organiser/audit.csv").get_data(
        as_text=True))))
    assert len(everything) == 4


def test_cli_invite_prints_a_working_link(app, runner, client):
    result = runner.invoke(args=["invite", "--role", "admin", "--note", "Coventry lead"])
    assert result.exit_code == 0, result.output
    link = result.stdout.strip().splitlines()[0]
    assert link.startswith("https://tablecloth.example.org/organiser/invite/")
    token = link.rsplit("/", 1)[1]
    assert accept(client, token, "lead@example.org").status_code == 302
    with app.app_context():
        assert accounts.find_organiser(site(), "lead@example.org").role == Role.ADMIN
    assert [e.action for e in entries(app)] == ["account.invite", "account.create"]
