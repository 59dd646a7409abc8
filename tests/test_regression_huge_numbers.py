"""Numbers in the address beyond the id columns' range answer 404, never an OverflowError.

Issue 10: `?page=99999999999999999999` and `/organiser/cloth/exports/<huge>` raised
OverflowError in the database driver: 500.
"""

from __future__ import annotations

import pytest
from helpers import csrf_token

HUGE = "99999999999999999999"
JUST_OVER = str(2**31)


@pytest.mark.parametrize("path", [
    f"/organiser/cloth/exports/{HUGE}", f"/organiser/cloth/exports/{JUST_OVER}",
    f"/organiser/cloth/exports/{HUGE}/status", f"/organiser/cloth/exports/{HUGE}/report.json",
    f"/organiser/cloth/exports/{HUGE}/files/pdf", f"/organiser/groups/{HUGE}/invitation.pdf",
    f"/organiser/moderation?page={HUGE}", f"/organiser/moderation?page={JUST_OVER}",
    f"/organiser/audit?page={HUGE}", f"/organiser/cloth?edition={HUGE}",
    f"/organiser/cloth/preview.svg?edition={HUGE}", f"/organiser/cloth/plan.json?edition={HUGE}",
    f"/organiser/cloth?page={HUGE}", f"/cloth?page={HUGE}",
])
def test_huge_numbers_in_pages_answer_404(logged_in, path):
    assert logged_in.get(path).status_code == 404


@pytest.mark.parametrize("path", [
    f"/organiser/accounts/{HUGE}/active", f"/organiser/accounts/{HUGE}/reset",
    f"/organiser/accounts/{HUGE}/sessions/end", f"/organiser/reports/{HUGE}/dismiss",
    f"/organiser/accounts/invitations/{HUGE}/revoke",
])
def test_huge_numbers_in_forms_answer_404(logged_in, path):
    token = csrf_token(logged_in, "/organiser/accounts")
    assert logged_in.post(path, data={"csrf_token": token, "active": "0"}).status_code == 404


def test_ordinary_numbers_still_work(logged_in):
    assert logged_in.get("/organiser/moderation?page=2").status_code == 200
    assert logged_in.get("/organiser/moderation?page=x").status_code == 200  # as page 1
    assert logged_in.get("/organiser/audit?page=1").status_code == 200
    assert logged_in.get("/organiser/cloth?page=3").status_code == 200  # past the end: the last
    assert logged_in.get("/cloth?page=3").status_code == 200
    assert logged_in.get(f"/organiser/cloth/exports/{2**31 - 1}").status_code == 404
