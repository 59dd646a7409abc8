"""Organiser log-in: passwords, sessions, the rate limit, CSRF and the guard on every page."""

from __future__ import annotations

import pytest
from helpers import LOGIN, ORGANISER_PASSWORD, csrf_token, quick_hash, session_organiser
from werkzeug.routing import IntegerConverter

from tablecloth import db
from tablecloth.models import Organiser, Role
from tablecloth.ratelimit import MemoryLimiter


def test_login_succeeds_and_opens_the_dashboard(client, organiser, auth):
    response = auth.login()
    assert response.status_code == 302
    assert response.location == "/organiser/"
    assert session_organiser(client) == organiser
    dashboard = client.get("/organiser/")
    assert dashboard.status_code == 200
    assert "admin@example.org" in dashboard.get_data(as_text=True)


def test_email_is_matched_in_any_case(client, organiser, auth):
    response = auth.login(email="  Admin@Example.ORG ")
    assert response.status_code == 302
    assert response.location == "/organiser/"
    assert session_organiser(client) == organiser


@pytest.mark.parametrize(
    ("email", "password"),
    [("admin@example.org", "wrong password!"), ("nobody@example.org", ORGANISER_PASSWORD),
     ("", "")],
)
def test_wrong_credentials_get_one_generic_message(client, auth, email, password):
    response = auth.login(email=email, password=password)
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert session_organiser(client) is None


def test_inactive_organiser_cannot_log_in(app, client, organiser, auth):
    with app.app_context():
        db.session().get(Organiser, organiser).active = False
        db.session().commit()
    response = auth.login()
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.get_data(as_text=True)
    assert session_organiser(client) is None


def test_login_starts_a_fresh_session(client, organiser, auth):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session
    assert session_organiser(client) == organiser


def test_login_returns_to_the_page_asked_for(client, auth):
    guarded = client.get("/organiser/groups?x=1")
    assert guarded.status_code == 302
    assert guarded.location.startswith(LOGIN)
    response = auth.login(next="/organiser/groups?x=1")
    assert response.location == "/organiser/groups?x=1"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
     "organiser/groups"],
)
def test_login_never_redirects_off_site(client, auth, target):
    response = auth.login(next=target)
    assert response.status_code == 302
    assert response.location == "/organiser/"


def test_logout_ends_the_session(client, auth):
    assert auth.login().status_code == 302
    assert client.get("/organiser/").status_code == 200
    response = auth.logout()
    assert response.status_code == 302
    assert session_organiser(client) is None
    after = client.get("/organiser/")
    assert after.status_code == 302
    assert after.location.startswith(LOGIN)


def test_login_without_csrf_token_is_refused(client, organiser):
    assert client.application.config.get("WTF_CSRF_ENABLED", True)
    response = client.post(LOGIN, data={"email": "admin@example.org",
                                        "password": ORGANISER_PASSWORD})
    assert response.status_code == 400
    assert "The form was out of date" in response.get_data(as_text=True)
    assert session_organiser(client) is None


def test_moderation_action_without_csrf_token_is_refused(logged_in):
    response = logged_in.post("/organiser/groups", data={"name": "No token", "city": "coventry"})
    assert response.status_code == 400
    assert "No token" not in logged_in.get("/organiser/groups").get_data(as_text=True)


def test_rate_limit_refuses_after_too_many_failures(app, client, auth):
    app.config["LOGIN_RATE_LIMIT"] = 3
    for _attempt in range(3):
        assert auth.login(password="not the password").status_code == 401
    blocked = auth.login()  # even the right password waits now
    assert blocked.status_code == 429
    assert "Try again in 15 minutes." in blocked.get_data(as_text=True)
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert session_organiser(client) is None
    russian = client.post(LOGIN, data={"email": "admin@example.org", "password": "x",
                                       "csrf_token": csrf_token(client, LOGIN)},
                          headers={"Accept-Language": "ru"})
    assert russian.status_code == 429
    assert "Попробуйте снова через 15 минут." in russian.get_data(as_text=True)


def test_rate_limit_is_per_email(app, client, auth):
    app.config["LOGIN_RATE_LIMIT"] = 2
    for _attempt in range(2):
        auth.login(email="someone@example.org", password="guess guess")
    assert auth.login(email="someone@example.org").status_code == 429
    assert auth.login().status_code == 302


def test_success_clears_earlier_failures(app, client, auth):
    app.config["LOGIN_RATE_LIMIT"] = 2
    auth.login(password="not the password")
    assert auth.login().status_code == 302
    auth.login(password="not the password")
    assert auth.login(password="not the password").status_code == 401


def test_memory_limiter_window_slides():
    now = [1000.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert limiter.retry_after("k", 2, 60) == 0
    assert limiter.hit("k", 2, 60)
    now[0] += 10
    assert limiter.hit("k", 2, 60)
    assert limiter.retry_after("k", 2, 60) == pytest.approx(50)
    assert not limiter.hit("k", 2, 60)
    now[0] += 50  # the first event leaves the window, two remain: still blocked
    assert limiter.retry_after("k", 2, 60) == pytest.approx(10)
    now[0] += 10
    assert limiter.retry_after("k", 2, 60) == 0
    assert limiter.retry_after("other", 2, 60) == 0


def _sample_values(app, rule) -> dict:
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif name == "kind":
            values[name] = "thumb"
        elif name == "fmt":
            values[name] = "pdf"
        else:
            values[name] = "7K3QZ9"
    return values


def test_every_organiser_page_requires_login(app, client):
    adapter = app.url_map.bind("localhost")
    checked = []
    for rule in app.url_map.iter_rules():
        # The invitation and reset pages are for people not logged in (tests/test_roles.py).
        if not rule.endpoint.startswith("organiser.") or rule.endpoint in (
                "organiser.login", "organiser.accept_invitation", "organiser.reset_password"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            path = adapter.build(rule.endpoint, _sample_values(app, rule), method=method)
            data = {"csrf_token": csrf_token(client, LOGIN)} if method != "GET" else None
            response = client.open(path, method=method, data=data)
            assert response.status_code == 302, f"{method} {path} answered {response.status_code}"
            assert response.location.startswith(LOGIN), f"{method} {path} did not ask to log in"
            checked.append(rule.endpoint)
    assert {"organiser.dashboard", "organiser.moderation_queue", "organiser.photo_file",
            "organiser.groups", "organiser.cities"} <= set(checked)


def test_moderator_cannot_add_cities(app, client, auth):
    with app.app_context():
        db.session().add(Organiser(email="mod@example.org", role=Role.MODERATOR,
                                   password_hash=quick_hash("moderator pass")))
        db.session().commit()
    assert auth.login(email="mod@example.org", password="moderator pass").status_code == 302
    token = csrf_token(client, "/organiser/cities")
    response = client.post("/organiser/cities", data={
        "csrf_token": token, "slug": "dresden", "name_en": "Dresden", "name_ru": "Дрезден"})
    assert response.status_code == 403
    assert "Only for admins" in response.get_data(as_text=True)
    assert "Dresden" not in client.get("/organiser/cities").get_data(as_text=True)
