"""Private tokens never reach a log: the access log of a live server, Flask's error log."""

from __future__ import annotations

import logging
import urllib.error
import urllib.request

import pytest
import servers

from tablecloth import codes
from tablecloth.redact import redact

TOKEN = codes.new_token()


@pytest.mark.parametrize("path", [
    f"/upload/withdraw/{TOKEN}", f"/upload/receipt/{TOKEN}/thumb", f"/upload/mine/{TOKEN}",
    f"/organiser/invite/{TOKEN}", f"/organiser/reset/{TOKEN}?lang=ru",
    f"POST /upload/withdraw/{TOKEN} HTTP/1.1",
])
def test_redact_cuts_the_token_out(path):
    cut = redact(path)
    assert TOKEN not in cut and "[private]" in cut


def test_redact_leaves_public_paths_alone():
    for path in ("/P/7K3QZ9", "/upload?code=COV-7K3QZ9AB", "/organiser/moderation", None, ""):
        assert redact(path) == path


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_access_log_of_a_live_server_holds_no_private_token(backend_settings, tmp_path):
    paths = [f"/upload/withdraw/{TOKEN}", f"/upload/receipt/{TOKEN}/thumb",
             f"/organiser/invite/{TOKEN}", f"/organiser/reset/{TOKEN}", "/P/7K3QZ9"]
    site = servers.LiveSite(backend_settings, tmp_path / "serve.log", "--workers", "1")
    with site:
        statuses = [_get(site.base + path) for path in paths]
    log = site.log()
    assert statuses == [404, 404, 410, 410, 404]
    assert TOKEN not in log
    assert log.count("[private]") == 4, log
    assert "GET /P/7K3QZ9" in log  # the access log is on, and public paths stay readable


def test_flask_logs_a_failing_private_page_without_its_token(app, client, monkeypatch, caplog):
    from tablecloth.services import withdrawals

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(withdrawals, "find_by_token", lambda *_args: 1 / 0)
    with caplog.at_level(logging.ERROR):
        assert client.get(f"/upload/withdraw/{TOKEN}").status_code == 500
    assert "Exception on /upload/withdraw/[private] [GET]" in caplog.text
    assert TOKEN not in caplog.text
