"""`tablecloth check`: missing, corrupt and stray files, found and repaired through the store."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from tablecloth import context, db
from tablecloth.context import site
from tablecloth.models import City, Photo
from tablecloth.services import uploads

SOURCES = ("jpg_Canon_40D.jpg", "jpg_mobile_jolla.jpg", "jpg_gps_DSCN0010.jpg")


def _photos(app, corpus) -> list[str]:
    with app.app_context():
        city = db.session().scalars(select(City).where(City.slug == "coventry")).one()
        return [
            uploads.accept_upload(site(), (corpus / name).read_bytes(), city=city,
                                  first_name="Anya",
                                  caption=f"photo {n}", approve=True).photo.code
            for n, name in enumerate(SOURCES)
        ]


def _files(app, code: str) -> dict[str, tuple[str, str]]:
    with app.app_context():
        photo = db.session().scalars(select(Photo).where(Photo.code == code)).one()
        return {f.kind: (f.key, f.sha256) for f in photo.files}


def test_clean_store_passes(app, runner, corpus):
    _photos(app, corpus)
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "Checked 12 photo files" in result.output  # master, web, thumb, tile
    assert "No problems." in result.output


def test_check_finds_and_repairs_what_it_can(app, runner, corpus):
    first, second, third = _photos(app, corpus)
    corrupt_web, _ = _files(app, first)["web"]
    lost_thumb, _ = _files(app, second)["thumb"]
    lost_master, _ = _files(app, third)["master"]
    stray = "photos/ZZZZZZ/master.jpg"
    with app.app_context():
        store = context.store()
        data = bytearray(store.get(corrupt_web))
        data[len(data) // 2] ^= 0xFF
        store.put(corrupt_web, bytes(data), "image/jpeg")
        store.delete(lost_thumb)
        store.delete(lost_master)
        store.put(stray, b"half an upload", "image/jpeg")

    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("CORRUPT") and corrupt_web in line for line in lines)
    assert any(line.startswith("MISSING") and lost_thumb in line for line in lines)
    assert any(line.startswith("MISSING") and lost_master in line for line in lines)
    assert any(line.startswith("STRAY") and stray in line for line in lines)
    assert "4 problems: 0 repaired, 4 remaining" in result.output
    with app.app_context():  # a check without --repair changes nothing
        assert context.store().exists(stray)
        assert not context.store().exists(lost_thumb)

    result = runner.invoke(args=["check", "--repair", "--grace", "0"])
    assert result.exit_code == 1  # the lost master remains
    lines = result.output.splitlines()
    assert any(corrupt_web in line and "REPAIRED" in line for line in lines)
    assert any(lost_thumb in line and "REPAIRED" in line for line in lines)
    assert any(lost_master in line and "NOT REPAIRABLE" in line and "master" in line
               for line in lines)
    assert any(stray in line and "moved to quarantine/" in line for line in lines)
    with app.app_context():
        store = context.store()
        assert not store.exists(stray)
        quarantined = [k for k in store.keys("quarantine/") if k.endswith(stray)]
        assert len(quarantined) == 1
        assert store.get(quarantined[0]) == b"half an upload"  # nothing is lost
        # The remade files are recorded with their new checksums, and the row is kept.
        for code, kind in ((first, "web"), (second, "thumb")):
            key, recorded = _files(app, code)[kind]
            assert hashlib.sha256(store.get(key)).hexdigest() == recorded
        assert not store.exists(lost_master)
        assert db.session().scalars(select(Photo).where(Photo.code == third)).one()

    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    problems = [line for line in result.output.splitlines()
                if line.split(" ", 1)[0] in ("MISSING", "CORRUPT", "STRAY")]
    assert len(problems) == 1 and lost_master in problems[0], result.output
    assert "1 problems: 0 repaired, 1 remaining" in result.output


def test_repaired_derivatives_are_served(app, client, runner, corpus):
    code = _photos(app, corpus)[0]
    key, _ = _files(app, code)["web"]
    with app.app_context():
        context.store().delete(key)
    assert client.get(f"/P/{code}/web.jpg").status_code == 404
    assert runner.invoke(args=["check", "--repair", "--grace", "0"]).exit_code == 0
    with client.get(f"/P/{code}/web.jpg") as response:
        assert response.status_code == 200
        body = response.data
    assert body[:2] == b"\xff\xd8"
    assert hashlib.sha256(body).hexdigest() == _files(app, code)["web"][1]


def test_a_damaged_tile_is_remade(app, runner, corpus):
    code = _photos(app, corpus)[0]
    key, _ = _files(app, code)["tile"]
    with app.app_context():
        context.store().put(key, b"not a tile", "image/jpeg")
    result = runner.invoke(args=["check", "--repair", "--grace", "0"])
    assert result.exit_code == 0, result.output
    assert any(key in line and "REPAIRED" in line for line in result.output.splitlines())
    with app.app_context():
        data = context.store().get(key)
    assert data[:2] == b"\xff\xd8"
    assert hashlib.sha256(data).hexdigest() == _files(app, code)["tile"][1]


def test_recorded_export_files_are_not_strays(app, runner, corpus):
    from tablecloth.models import Cloth, Export

    _photos(app, corpus)
    with app.app_context():
        session = db.session()
        cloth = Cloth(edition=1, title="", settings={})
        session.add(cloth)
        session.flush()
        data = b"%PDF-1.7 pretend"
        export = Export(cloth_id=cloth.id, status="done")
        session.add(export)
        session.flush()
        key = f"exports/{export.id}/cloth-edition1.pdf"
        export.files = [{"format": "pdf", "key": key, "size": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()}]
        session.commit()
        context.store().put(key, data, "application/pdf")
        context.store().put(f"exports/{export.id}/left-over.pdf", b"x", "application/pdf")
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert "1 export files" in result.output
    assert f"STRAY    exports/{export.id}/left-over.pdf" in result.output
    assert key not in result.output
