"""The fixtures themselves: the app fixture sees only the settings the tests give it."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from helpers import TEST_CONFIG

from tablecloth import config

LEAKED_URL = "https://leaked-from-the-environment.example"
LEAKED_FILE = 'public_base_url = "https://leaked-from-settings-toml.example"\nweb_size_px = 999\n'


def test_app_fixture_ignores_the_environment_and_the_real_instance_folder(
    request, monkeypatch, tmp_path
):
    monkeypatch.setenv("TABLECLOTH_PUBLIC_BASE_URL", LEAKED_URL)
    monkeypatch.setenv("TABLECLOTH_THUMB_SIZE_PX", "123")
    real_instance = Path(Flask("tablecloth").instance_path)  # where create_app() would look
    settings_file = real_instance / config.INSTANCE_FILE
    made_folder = not real_instance.exists()
    # A developer's own settings.toml is left alone (and must not leak either); otherwise plant
    # one for the length of the test.
    planted = not settings_file.exists()
    if planted:
        real_instance.mkdir(parents=True, exist_ok=True)
        settings_file.write_text(LEAKED_FILE, encoding="utf-8")
    try:
        # Without isolation, these would be the app's settings: the leak is real.
        surroundings = config.load(real_instance)
        assert surroundings["PUBLIC_BASE_URL"] == LEAKED_URL
        assert surroundings["THUMB_SIZE_PX"] == 123
        if planted:
            assert surroundings["WEB_SIZE_PX"] == 999

        app = request.getfixturevalue("app")  # made now, inside these surroundings
    finally:
        if planted:
            settings_file.unlink()
        if made_folder:
            real_instance.rmdir()

    assert Path(app.instance_path).is_relative_to(tmp_path)
    assert Path(app.instance_path) != real_instance
    backend = request.getfixturevalue("backend_settings")
    expected = config.load(tmp_path / "empty", environ={}, overrides={**TEST_CONFIG, **backend})
    for setting in config.SETTINGS:
        assert app.config[setting.name] == expected[setting.name], setting.name
    assert app.config["PUBLIC_BASE_URL"] == "https://tablecloth.example.org"
    assert app.config["THUMB_SIZE_PX"] == config.BY_NAME["THUMB_SIZE_PX"].default
