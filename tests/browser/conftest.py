"""Browser fixtures: the real app on a real port, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from helpers import make_app
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
# Debian's build, never a downloaded one; these flags keep it quiet and fit for containers.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A mid-sized phone (iPhone 12 to 15), the screen participants use.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@dataclass
class LiveServer:
    """The app serving on 127.0.0.1 at an OS-chosen port."""

    app: Flask
    url: str

    def app_context(self):
        return self.app.app_context()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass  # pytest shows failures; a line per request would bury them


@pytest.fixture
def live_server(backend_settings, tmp_path) -> Iterator[LiveServer]:
    """Run the real app (fresh migrated database and store, CSRF on) in a threaded server."""
    app = make_app(
        {"SECRET_KEY": "browser-test-secret", "SECURE_COOKIES": False, **backend_settings},
        tmp_path / "instance",
    )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    # Codes and links the app prints must lead back to this server.
    app.config["PUBLIC_BASE_URL"] = url
    # shutdown() waits for the serving loop to look up: every 50 ms rather than the default 0.5 s.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=url)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        _wait_for_requests_to_end(timeout_s=10)
        app.extensions["tablecloth.engine"].dispose()


def _wait_for_requests_to_end(timeout_s: float) -> None:
    """Let requests still running (a thumbnail the page was loading) finish with the database.

    The server's request threads are daemons that shutdown() does not wait for; one that ends
    after the engine is disposed leaves its connection to be garbage-collected open, which
    fails whichever later test is running at that moment.
    """
    deadline = time.monotonic() + timeout_s
    for worker in threading.enumerate():
        if worker.name.endswith("(process_request_thread)"):
            worker.join(timeout=max(0.0, deadline - time.monotonic()))


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's Chromium once for the session."""
    if not CHROMIUM.exists():
        reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def phone(browser):
    """Return a factory of phone-sized browser contexts in a given language."""
    contexts = []

    def open_context(language: str = "ru"):
        locale = {"ru": "ru-RU", "en": "en-GB"}[language]
        context = browser.new_context(
            **PHONE,
            locale=locale,
            extra_http_headers={"Accept-Language": f"{locale},{language};q=0.9"},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def laptop(browser):
    """Return a laptop-sized browser context in English, as organisers use."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def shots(request, tmp_path_factory) -> Path:
    """Return a folder for this test's screenshots: $TABLECLOTH_TEST_SCREENSHOTS or a tmp one."""
    wanted = os.environ.get("TABLECLOTH_TEST_SCREENSHOTS")
    if wanted:
        folder = Path(wanted) / request.node.name
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return tmp_path_factory.mktemp("screenshots")
