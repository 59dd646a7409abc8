"""The archive: a BagIt bag of the whole site, restored into a fresh instance, codes intact."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import bagit
import pytest
import servers
from helpers import cli_runner, make_app
from sqlalchemy import select

from tablecloth import context, db, render
from tablecloth.models import AgeBand, City, Cloth, Export, Photo, Swatch
from tablecloth.services import moderation, uploads, withdrawals
from tablecloth.services.archive import records
from tablecloth.services.cloth import design, editions, exports, swatches
from tablecloth.storage import S3Storage

SOURCES = ("jpg_Canon_40D.jpg", "jpg_mobile_jolla.jpg", "jpg_gps_DSCN0010.jpg",
           "jpg_orientation_portrait_8.jpg", "jpg_gps_DSCN0021.jpg")


def _upload(city: City, source, name: str, caption: str):
    return uploads.accept_upload(context.site(), source.read_bytes(), city=city, first_name=name,
                                 caption=caption,
                                 age_band=AgeBand.FROM_16_TO_17, consent_self=True,
                                 consent_guardian=True)


@pytest.fixture
def site(app, corpus):
    """Fill the app: 3 approved photos on a frozen, exported cloth, then one withdrawn, one
    pending and one approved later; return what each code should show."""
    with app.app_context():
        session = db.session()
        coventry, volgograd = (session.scalars(select(City).where(City.slug == slug)).one()
                               for slug in ("coventry", "volgograd"))
        made = [
            _upload(coventry if n % 2 else volgograd, corpus / source, name, caption)
            for n, (source, name, caption) in enumerate(zip(SOURCES, (
                "Anya", "Tom", "Маша", "Priya", "Dima"), (
                "Мост через Волгу", "Canal basin at dusk", "Родина-мать\nзовёт", "Market day",
                "Снег"), strict=True))
        ]
        photos = [result.photo for result in made]
        for photo in photos[:4]:
            moderation.approve(context.site(), photo)
        site = context.site()
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, {"width_mm": 600.0, "height_mm": 600.0})
        order = [photos[2].code, photos[0].code, photos[3].code, photos[1].code]
        design.save_order(site, cloth, order)
        export = exports.run_export(site, exports.new_export(site, cloth, ["pdf", "proof"]))
        assert export.status == "done", export.message
        editions.freeze(site, cloth)
        moderation.withdraw(site, photos[1])  # on the printed cloth, then withdrawn: 410
        moderation.approve(site, photos[4])  # goes to the next edition
        expected = {
            "approved": {p.code: (p.first_name, p.caption) for p in (photos[0], photos[2],
                                                                      photos[3], photos[4])},
            "withdrawn": photos[1].code,
            "order": order,
            "token": made[0].withdraw_token,
            "edition2_settings": editions.current_cloth(site).settings,
        }
        pending = uploads.accept_upload(context.site(),
            (corpus / "jpg_orientation_landscape_6.jpg").read_bytes(), city=coventry,
            first_name="Sam", caption="waiting", age_band=AgeBand.ADULT, consent_self=True)
        expected["pending"] = pending.photo.code
    return expected


def _images(client, code: str) -> dict[str, str]:
    hashes = {}
    for kind in ("web", "thumb"):
        with client.get(f"/P/{code}/{kind}.jpg") as response:
            assert response.status_code == 200
            hashes[kind] = hashlib.sha256(response.data).hexdigest()
    return hashes


@pytest.fixture
def fresh_app(request, tmp_path):
    """Return a second, empty instance on the same kind of database and store as app."""
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'restored.sqlite3'}",
                "UPLOADS_DIR": str(tmp_path / "restored-uploads")}
    if request.config.getoption("--db") == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        name = servers.unique_name("restored_")
        settings["DATABASE_URL"] = cluster.create_database(
            name, template=request.getfixturevalue("pg_template"))
        request.addfinalizer(lambda: cluster.drop_database(name))
    if request.config.getoption("--storage") == "s3":
        server = request.getfixturevalue("s3_server")
        bucket = server.create_bucket(servers.unique_name("restored-"))
        request.addfinalizer(lambda: server.delete_bucket(bucket))
        settings.update(server.config(bucket))
    application = make_app({
        "TESTING": True, "SECRET_KEY": "other-secret", **settings,
        "PUBLIC_BASE_URL": "https://tablecloth.example.org",
    }, tmp_path / "restored-instance")
    with application.app_context():
        db.upgrade()
    yield application
    application.extensions["tablecloth.engine"].dispose()


def test_round_trip_keeps_every_code(app, client, runner, site, fresh_app, tmp_path):
    originals = {code: _images(client, code) for code in site["approved"]}
    bag_dir = tmp_path / "bag"
    result = runner.invoke(args=["archive", "--out", str(bag_dir)])
    assert result.exit_code == 0, result.output
    assert "Archived 6 photos" in result.output

    bag = bagit.Bag(str(bag_dir))
    assert bag.validate()
    assert bag.info["Source-Organization"] == "tablecloth"
    assert "sha256" in bag.algorithms
    data = bag_dir / "data"
    # A withdrawn photo keeps only what reserves its code: no files, name or caption.
    withdrawn = data / "photos" / site["withdrawn"]
    assert sorted(p.name for p in withdrawn.iterdir()) == ["metadata.json"]
    record = json.loads((withdrawn / "metadata.json").read_text())
    assert record["state"] == "withdrawn" and "first_name" not in record
    assert "caption" not in record and record["files"] == []
    for code in site["approved"]:
        assert sorted(p.name for p in (data / "photos" / code).iterdir()) == [
            "master.jpg", "metadata.json", "thumb.jpg", "tile.jpg", "web.jpg"]
    rows = list(csv.DictReader(io.StringIO((data / "photos.csv").read_text())))
    assert {r["code"]: r["state"] for r in rows}[site["pending"]] == "pending"
    assert len(rows) == 6
    assert "password" not in (data / "groups.json").read_text().lower()
    assert json.loads((data / "cloths" / "1" / "items.json").read_text()) == site["order"]
    exported = next((data / "cloths" / "1" / "exports").iterdir())
    names = sorted(p.name for p in exported.iterdir())
    # The proof sheet prints each photo's thumbnail and caption, the withdrawn one's too.
    assert names == ["cloth-edition1.pdf", "export.json", "report.json"]

    fresh_runner = cli_runner(fresh_app)
    result = fresh_runner.invoke(args=["restore", str(bag_dir)])
    assert result.exit_code == 0, result.output
    assert "Restored 6 photos" in result.output

    restored = fresh_app.test_client()
    for code, (name, caption) in site["approved"].items():
        page = restored.get(f"/P/{code}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert name in text
        assert caption.split("\n")[0] in text
        assert _images(restored, code) == originals[code]
    assert restored.get(f"/P/{site['withdrawn']}").status_code == 410
    assert restored.get(f"/P/{site['pending']}").status_code == 404
    assert restored.get(f"/p/{site['pending'].lower()}/web.jpg").status_code == 404

    with fresh_app.app_context():
        session = db.session()
        first = session.scalars(select(Cloth).where(Cloth.edition == 1)).one()
        assert first.frozen_at is not None
        assert [item.photo.code for item in first.items] == site["order"]
        second = session.scalars(select(Cloth).where(Cloth.edition == 2)).one()
        assert second.frozen_at is None
        assert second.settings == site["edition2_settings"]
        export = session.scalars(select(Export)).one()
        entry = export.files[0]
        assert entry["key"] == f"exports/{export.id}/cloth-edition1.pdf"
        assert hashlib.sha256(context.store().get(entry["key"])).hexdigest() == entry["sha256"]
        # The participant's private link still works on the restored site.
        photo = withdrawals.find_by_token(context.site(), site["token"])
        assert photo is not None and photo.code in site["approved"]
        # Every restored file is what was recorded.
        assert len(session.scalars(select(Photo)).all()) == 6
    assert fresh_runner.invoke(args=["check"]).exit_code == 0


def test_restore_accepts_the_organiser_download(app, logged_in, site, fresh_app, tmp_path):
    response = logged_in.get("/organiser/archive")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["X-Archive-Problems"] == "0"
    assert "attachment" in response.headers["Content-Disposition"]
    zipped = tmp_path / "download.zip"
    zipped.write_bytes(response.data)
    response.close()
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
    top = names[0].split("/")[0]
    assert top.startswith("tablecloth-archive-")
    assert f"{top}/bagit.txt" in names and f"{top}/manifest-sha256.txt" in names
    result = cli_runner(fresh_app).invoke(args=["restore", str(zipped)])
    assert result.exit_code == 0, result.output
    with fresh_app.test_client().get(f"/P/{site['withdrawn']}") as gone:
        assert gone.status_code == 410


def test_archive_download_is_for_admins_only(app, client, organiser, auth):
    from tablecloth.models import Organiser, Role

    anonymous = client.get("/organiser/archive")
    assert anonymous.status_code == 302
    assert anonymous.location.startswith("/organiser/login")
    with app.app_context():
        db.session().get(Organiser, organiser).role = Role.MODERATOR
        db.session().commit()
    assert auth.login().status_code == 302
    assert client.get("/organiser/archive").status_code == 403


def test_restore_refuses_a_tampered_bag(app, runner, site, fresh_app, tmp_path):
    bag_dir = tmp_path / "bag"
    assert runner.invoke(args=["archive", "--out", str(bag_dir)]).exit_code == 0
    target = bag_dir / "data" / "photos" / next(iter(site["approved"])) / "web.jpg"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    result = cli_runner(fresh_app).invoke(args=["restore", str(bag_dir)])
    assert result.exit_code == 1
    assert "damaged" in result.output
    assert f"{target.relative_to(bag_dir).as_posix()} sha256 validation failed" in result.output
    with fresh_app.app_context():
        assert db.session().scalars(select(Photo)).first() is None
        assert list(context.store().keys()) == []


def test_restore_refuses_a_non_empty_instance(app, runner, site, tmp_path):
    bag_dir = tmp_path / "bag"
    assert runner.invoke(args=["archive", "--out", str(bag_dir)]).exit_code == 0
    result = runner.invoke(args=["restore", str(bag_dir)])
    assert result.exit_code == 1
    assert "already has photos" in result.output


def test_archive_refuses_a_folder_with_files(app, runner, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    result = runner.invoke(args=["archive", "--out", str(tmp_path / "full")])
    assert result.exit_code == 1
    assert "not an empty folder" in result.output
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def test_archive_leaves_out_a_lost_file_and_says_so(app, runner, site, tmp_path):
    code = next(iter(site["approved"]))
    with app.app_context():
        photo = db.session().scalars(select(Photo).where(Photo.code == code)).one()
        context.store().delete(photo.file("thumb").key)
    bag_dir = tmp_path / "bag"
    result = runner.invoke(args=["archive", "--out", str(bag_dir)])
    assert result.exit_code == 1
    assert f"photos/{code}/thumb.jpg: missing from storage" in result.output
    assert bagit.Bag(str(bag_dir)).is_valid()  # the rest is written, and checks out
    assert not (bag_dir / "data" / "photos" / code / "thumb.jpg").exists()


def test_restore_refuses_what_is_not_a_tablecloth_bag(app, runner, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "photo.jpg").write_bytes(b"not a bag")
    result = runner.invoke(args=["restore", str(plain)])
    assert result.exit_code == 1
    assert "not a valid bag" in result.output
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("someone else's bag")
    bagit.make_bag(str(other), checksums=["sha256"])
    result = runner.invoke(args=["restore", str(other)])
    assert result.exit_code == 1
    assert "not a tablecloth archive" in result.output


def test_export_formats_come_from_the_registry(app, runner, site, fresh_app, tmp_path,
                                               monkeypatch):
    # Formats registered in one place only: the archive learns their content type and that
    # a proof-like sheet prints photos, so one showing a withdrawn photo is left out.
    for name, proof in (("toy", False), ("toysheet", True)):
        monkeypatch.setitem(render.FORMATS, name, render.Format(
            name=name, render=lambda plan, out, **options: None, extension=name,
            content_type=f"application/x-{name}", verify=None, proof=proof))
    with app.app_context():
        session = db.session()
        first = session.scalars(select(Cloth).where(Cloth.edition == 1)).one()
        export = Export(cloth_id=first.id, status="done",
                        settings={"cells": [{"code": site["withdrawn"]}]})
        session.add(export)
        session.flush()
        files = []
        for name in ("toy", "toysheet"):
            data, key = f"a {name} file".encode(), f"exports/{export.id}/cloth.{name}"
            context.store().put(key, data, "application/octet-stream")
            files.append({"format": name, "key": key, "size": len(data),
                          "sha256": hashlib.sha256(data).hexdigest()})
        export.files = files
        session.commit()
        folder = f"cloths/1/exports/{export.id}"

    bag_dir = tmp_path / "bag"
    assert runner.invoke(args=["archive", "--out", str(bag_dir)]).exit_code == 0
    assert sorted(p.name for p in (bag_dir / "data" / folder).iterdir()) == [
        "cloth.toy", "export.json", "report.json"]
    result = cli_runner(fresh_app).invoke(args=["restore", str(bag_dir)])
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        restored = [e for e in db.session().scalars(select(Export))
                    if [f["format"] for f in e.files] == ["toy"]]
        assert len(restored) == 1
        key = restored[0].files[0]["key"]
        store = context.store()
        assert store.get(key) == b"a toy file"
        if isinstance(store, S3Storage):  # only a bucket keeps each file's content type
            head = store.client.head_object(Bucket=store.bucket, Key=key)
            assert head["ContentType"] == "application/x-toy"


def test_photos_csv_neutralises_formulas(app, runner, corpus, tmp_path):
    """Issue 10: a first name `=1+2` or a caption `=HYPERLINK(...)` became a live formula."""
    with app.app_context():
        city = db.session().scalars(select(City).where(City.slug == "coventry")).one()
        _upload(city, corpus / "jpg_Canon_40D.jpg", "=1+2", '=HYPERLINK("http://x.example")')
        _upload(city, corpus / "jpg_mobile_jolla.jpg", "+Tom", "-2+3\tand @SUM(A1)")
    bag_dir = tmp_path / "bag"
    assert runner.invoke(args=["archive", "--out", str(bag_dir)]).exit_code == 0
    rows = list(csv.DictReader(io.StringIO((bag_dir / "data" / "photos.csv").read_text())))
    cells = [row[column] for row in rows for column in ("first_name", "caption")]
    assert sorted(cells) == sorted(["'=1+2", "'=HYPERLINK(\"http://x.example\")", "'+Tom",
                                    "'-2+3 and @SUM(A1)"])
    for row in rows:  # no cell of any column can start a formula
        assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r"))
                       for value in row.values())


def test_restore_names_a_file_whose_size_changed(app, runner, site, fresh_app, tmp_path):
    """Issue 10: a file that changed size was refused naming only "Payload-Oxum"."""
    bag_dir = tmp_path / "bag"
    assert runner.invoke(args=["archive", "--out", str(bag_dir)]).exit_code == 0
    target = bag_dir / "data" / "photos" / next(iter(site["approved"])) / "thumb.jpg"
    target.write_bytes(target.read_bytes()[:-100])
    result = cli_runner(fresh_app).invoke(args=["restore", str(bag_dir)])
    assert result.exit_code == 1
    assert f"{target.relative_to(bag_dir).as_posix()} sha256 validation failed" in result.output
    with fresh_app.app_context():
        assert db.session().scalars(select(Photo)).first() is None


def test_restore_says_what_it_does_not_bring_back_and_keeps_hidden_photos_hidden(
        app, runner, site, fresh_app, tmp_path):
    from tablecloth.services import reports

    hidden = sorted(site["approved"])[0]
    with app.app_context():
        reports.hide(context.site(), moderation.find_photo(context.site(), hidden))
    bag_dir = tmp_path / "bag"
    assert runner.invoke(args=["archive", "--out", str(bag_dir)]).exit_code == 0
    result = cli_runner(fresh_app).invoke(args=["restore", str(bag_dir)])
    assert result.exit_code == 0, result.output
    assert "Not brought back" in result.output
    for words in ("organiser accounts", "the audit log", "viewers' reports",
                  "page-view counts"):
        assert words in result.output
    assert fresh_app.test_client().get(f"/P/{hidden}").status_code == 410


def _kept(app) -> dict:
    """Return what organisers made beyond photos: names, translations, swatches and reads."""
    with app.app_context():
        session = db.session()
        photos = {p.code: (p.name_other_script, p.caption_translation)
                  for p in session.scalars(select(Photo))}
        swatches = []
        for swatch in session.scalars(select(Swatch).order_by(Swatch.id)):
            files = {e["name"]: (e["sha256"], hashlib.sha256(
                context.store().get(e["key"])).hexdigest()) for e in swatch.files}
            swatches.append({
                "edition": swatch.cloth.edition, "note": swatch.note, "report": swatch.report,
                "files": files,
                "samples": [(s.code, s.position, s.module_mm, s.dark, s.light, s.reads,
                             records.iso(s.first_read_at)) for s in swatch.samples]})
        return {"photos": photos, "swatches": swatches}


def test_swatches_reads_names_and_translations_come_back_identical(
        app, runner, site, fresh_app, tmp_path):
    with app.app_context():
        s = context.site()
        code = next(iter(site["approved"]))
        photo = s.db.scalars(select(Photo).where(Photo.code == code)).one()
        photo.name_other_script, photo.caption_translation = "Анья", "Bridge over the Volga"
        s.db.commit()
        made = swatches.create_swatch(s, editions.current_cloth(s), note="linen, Shop X")
        swatches.record_read(s, made.samples[1].code)
        swatches.record_read(s, made.samples[1].code)
    before = _kept(app)
    assert before["swatches"][0]["samples"][1][5] == 2  # two reads recorded
    assert before["photos"][code] == ("Анья", "Bridge over the Volga")
    # `tablecloth check` covers swatch files: all present, and a changed one is found.
    assert runner.invoke(args=["check"]).exit_code == 0
    bag_dir = tmp_path / "bag"
    assert runner.invoke(args=["archive", "--out", str(bag_dir)]).exit_code == 0
    folder = bag_dir / "data" / "cloths" / "2" / "swatches"
    assert (next(folder.iterdir()) / "swatch.json").exists()
    result = cli_runner(fresh_app).invoke(args=["restore", str(bag_dir)])
    assert result.exit_code == 0, result.output
    assert _kept(fresh_app) == before
    assert cli_runner(fresh_app).invoke(args=["check"]).exit_code == 0
    with app.app_context():
        key = db.session().scalars(select(Swatch)).first().files[0]["key"]
        context.store().put(key, b"not the swatch", "application/pdf")
    checked = runner.invoke(args=["check"])
    assert checked.exit_code != 0 and "swatch 1 (pdf)" in checked.output
