"""Settings: declared once, documented in the README, and bad values refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from tablecloth import config, create_app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_required_setting_names_exist():
    for name in ("DATABASE_URL", "UPLOADS_DIR", "PUBLIC_BASE_URL", "SECRET_KEY"):
        assert name in config.BY_NAME


@pytest.mark.parametrize("setting", config.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    assert f"`{setting.env_name}`" in README, f"{setting.env_name} is missing from README.md"
    assert setting.help.strip()


def test_every_cli_command_is_documented(app):
    from tablecloth.cli import main

    names = sorted(main.commands)
    assert len(names) > 1, "no CLI commands found: the check below would pass vacuously"
    for name in names:
        assert f"`tablecloth {name}" in README, f"tablecloth {name} is missing from README.md"


@pytest.mark.parametrize(
    ("name", "raw", "fragment"),
    [
        ("MAX_UPLOAD_BYTES", "lots", "a whole number"),
        ("MAX_UPLOAD_BYTES", "12", "at least"),
        ("SECURE_COOKIES", "maybe", "true or false"),
        ("STORAGE", "ftp", "one of local, s3"),
    ],
)
def test_bad_environment_value_is_refused_by_name(tmp_path, name, raw, fragment):
    with pytest.raises(config.ConfigError) as error:
        config.load(tmp_path, environ={f"TABLECLOTH_{name}": raw})
    assert f"TABLECLOTH_{name}" in str(error.value)
    assert fragment in str(error.value)


def test_instance_file_is_read_and_checked(tmp_path):
    (tmp_path / "settings.toml").write_text('public_base_url = "https://cloth.example.org/"\n')
    assert config.load(tmp_path, environ={})["PUBLIC_BASE_URL"] == "https://cloth.example.org"
    (tmp_path / "settings.toml").write_text("max_upload_bytes = 'x'\n")
    with pytest.raises(config.ConfigError, match="MAX_UPLOAD_BYTES"):
        config.load(tmp_path, environ={})
    (tmp_path / "settings.toml").write_text("no_such_setting = 1\n")
    with pytest.raises(config.ConfigError, match="unknown setting"):
        config.load(tmp_path, environ={})


def test_environment_overrides_instance_file(tmp_path):
    (tmp_path / "settings.toml").write_text("max_upload_bytes = 2048\n")
    values = config.load(tmp_path, environ={"TABLECLOTH_MAX_UPLOAD_BYTES": "4096"})
    assert values["MAX_UPLOAD_BYTES"] == 4096


def test_app_refuses_bad_setting_at_start(monkeypatch, tmp_path):
    monkeypatch.setenv("TABLECLOTH_WEB_SIZE_PX", "big")
    with pytest.raises(config.ConfigError, match="TABLECLOTH_WEB_SIZE_PX"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})
