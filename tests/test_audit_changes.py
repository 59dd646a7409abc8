"""Every organiser change leaves an audit entry: quota, expiry, city, cloth settings, order.

Issue 10: quota, expiry, city and cloth-setting changes wrote no audit entry.
"""

from __future__ import annotations

from helpers import csrf_token
from sqlalchemy import select

from tablecloth import db
from tablecloth.models import AuditEntry


def entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session().scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def post(client, path: str, page: str, **data):
    response = client.post(path, data={"csrf_token": csrf_token(client, page), **data})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def test_group_quota_and_expiry_changes_are_audited(app, logged_in, organiser, group):
    post(logged_in, f"/organiser/groups/{group}/quota", "/organiser/groups",
         quota_photos="30", quota_mb="")
    post(logged_in, f"/organiser/groups/{group}/quota", "/organiser/groups",
         quota_photos="30", quota_mb="")  # the same again: nothing changed, nothing logged
    post(logged_in, f"/organiser/groups/{group}/expiry", "/organiser/groups",
         expires="2099-12-31")
    [quota] = entries(app, "group.quota")
    assert quota.target == group and quota.organiser_id == organiser
    assert quota.detail == {"photos": 30, "mb": None}
    [expiry] = entries(app, "group.expiry")
    assert expiry.detail == {"from": None, "to": "2099-12-31"}
    assert expiry.organiser_id == organiser


def test_a_new_city_is_audited(app, logged_in, organiser):
    post(logged_in, "/organiser/cities", "/organiser/cities", slug="dresden",
         name_en="Dresden", name_ru="Дрезден", home_language="en")
    [added] = entries(app, "city.add")
    assert added.target == "dresden" and added.organiser_id == organiser
    assert added.detail == {"en": "Dresden", "ru": "Дрезден", "home": "en"}


def test_cloth_settings_and_order_are_audited(app, logged_in, organiser):
    post(logged_in, "/organiser/cloth/settings", "/organiser/cloth", preset="custom",
         width_mm="1500", height_mm="1500", module_mm="2.5", title="Twin cities")
    [changed] = entries(app, "cloth.settings")
    assert changed.target == "edition 1" and changed.organiser_id == organiser
    assert changed.detail["module_mm"] == 2.5 and changed.detail["title"] == "Twin cities"
    post(logged_in, "/organiser/cloth/order", "/organiser/cloth", mode="auto")
    [order] = entries(app, "cloth.order")
    assert order.detail == {"mode": "auto", "photos": 0}


def test_the_audit_page_offers_the_new_actions(logged_in):
    page = logged_in.get("/organiser/audit").get_data(as_text=True)
    for action in ("group.quota", "group.expiry", "city.add", "cloth.settings", "cloth.order",
                   "account.password", "account.sessions_end"):
        assert f'value="{action}"' in page


def test_the_audit_csv_neutralises_formulas(app, logged_in, organiser):
    """Every CSV the product writes: the audit log's too (a target is text someone chose)."""
    import csv
    import io

    from tablecloth.context import site
    from tablecloth.services import audit

    with app.app_context():
        for target in ("=HYPERLINK(\"http://x.example\")", "+1", "-2+3", "@SUM(A1)", "\tx"):
            audit.record(site(), "group.create", target, organiser=None)
        db.session().commit()
    response = logged_in.get("/organiser/audit.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    targets = [row[3] for row in rows[1:]]
    assert sorted(targets) == sorted(["'=HYPERLINK(\"http://x.example\")", "'+1", "'-2+3",
                                      "'@SUM(A1)", "'\tx"])
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for row in rows for value in row)
