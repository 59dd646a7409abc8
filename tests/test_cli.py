"""The organiser commands: accounts, groups, cities, importing and moderating photos."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import Organiser, Photo, PhotoState, Role
from tablecloth.services import accounts, groups

INVITE = re.compile(r"^COV-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{4}$")


def run(runner, *args, input=None):
    return runner.invoke(args=list(args), input=input)


# create-organiser


def test_create_organiser_from_stdin(app, runner):
    result = run(runner, "create-organiser", "Teacher@School.example", "--password-stdin",
                 "--role", "moderator", input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "teacher@school.example" in result.stdout
    with app.app_context():
        person = accounts.authenticate(site(), "teacher@school.example", "a long enough secret")
        assert person is not None and person.role == Role.MODERATOR
        assert "a long enough secret" not in person.password_hash
        assert accounts.authenticate(site(), "teacher@school.example",
                                     "a long enough secreT") is None


def test_create_organiser_with_prompt_asks_twice(app, runner):
    result = run(runner, "create-organiser", "head@school.example",
                 input="first password!\nfirst password!\n")
    assert result.exit_code == 0, result.output
    assert "first password!" not in result.output  # hidden input is not echoed
    with app.app_context():
        person = accounts.authenticate(site(), "head@school.example", "first password!")
        assert person.role == Role.ADMIN


def test_create_organiser_prompt_mismatch_asks_again(app, runner):
    result = run(runner, "create-organiser", "x@school.example",
                 input="password one!\npassword two!\nthird password\nthird password\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    with app.app_context():
        assert accounts.authenticate(site(), "x@school.example", "third password") is not None


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [("not-an-address", "long enough password", "is not a valid e-mail address"),
     ("a@b", "long enough password", "is not a valid e-mail address"),
     ("short@example.org", "123456789", "at least 10 characters"),
     ("admin@example.org", "long enough password", "already exists")],
)
def test_create_organiser_errors(app, runner, organiser, email, password, message):
    result = run(runner, "create-organiser", email, "--password-stdin", input=password + "\n")
    assert result.exit_code != 0
    assert message in result.stderr
    with app.app_context():
        assert db.session().scalars(select(Organiser)).all()[0].id == organiser
        assert len(db.session().scalars(select(Organiser)).all()) == 1


def test_create_organiser_bad_role_is_a_usage_error(runner):
    result = run(runner, "create-organiser", "a@example.org", "--role", "owner",
                 "--password-stdin", input="long enough password\n")
    assert result.exit_code == 2
    assert "'owner' is not one of 'admin', 'moderator'" in result.stderr


# groups and cities


def test_groups_create_prints_only_the_code(app, runner):
    result = run(runner, "groups", "create", "Year 10 photo club", "--city", "coventry",
                 "--expires", "2099-12-31")
    assert result.exit_code == 0, result.output
    code = result.stdout.strip()
    assert INVITE.match(code)
    assert result.stdout == code + "\n"
    with app.app_context():
        made = groups.find_group(site(), code)
        assert made.name == "Year 10 photo club"
        assert groups.last_day(made).isoformat() == "2099-12-31"


def test_groups_create_unknown_city_lists_the_known_ones(runner):
    result = run(runner, "groups", "create", "Club", "--city", "atlantis")
    assert result.exit_code == 2
    assert "unknown city 'atlantis'; known cities: coventry, volgograd" in result.stderr
    assert "--city" in result.stderr


def test_groups_create_bad_date_is_a_usage_error(runner):
    result = run(runner, "groups", "create", "Club", "--city", "coventry", "--expires", "soon")
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.stderr or "%Y-%m-%d" in result.stderr


def test_groups_list_disable_enable(app, runner, group):
    listed = run(runner, "groups", "list")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == [f"{group}\tcoventry\topen\t-\t0\tCoventry Youth Club"]
    assert run(runner, "groups", "disable", group.lower()).exit_code == 0
    with app.app_context():
        assert not groups.find_group(site(), group).accepts_uploads()
    assert "\toff\t" in run(runner, "groups", "list").stdout
    assert run(runner, "groups", "enable", group).exit_code == 0
    with app.app_context():
        assert groups.find_group(site(), group).accepts_uploads()
    missing = run(runner, "groups", "disable", "NOPE-0000")
    assert missing.exit_code == 1
    assert "No group has the invite code NOPE-0000." in missing.stderr


def test_cities_add_then_use(app, runner):
    added = run(runner, "cities", "add", "dresden", "--en", "Dresden", "--ru", "Дрезден")
    assert added.exit_code == 0, added.output
    assert "dresden\tDresden / Дрезден" in added.stdout
    again = run(runner, "cities", "add", "dresden", "--en", "Dresden", "--ru", "Дрезден")
    assert again.exit_code == 1 and "already exists" in again.stderr
    bad_home = run(runner, "cities", "add", "kyiv", "--en", "Kyiv", "--ru", "Киев",
                   "--home", "uk")
    assert bad_home.exit_code == 2
    assert "dresden\tDresden\tДрезден\ten" in run(runner, "cities", "list").stdout
    made = run(runner, "groups", "create", "Kreuzschule", "--city", "dresden")
    assert made.exit_code == 0 and made.stdout.startswith("DRE-")


# import, approve, withdraw


def photos(app) -> dict[str, Photo]:
    with app.app_context():
        query = select(Photo).options(selectinload(Photo.files))
        return {p.code: p for p in db.session().scalars(query)}


def test_import_corpus_photos(app, runner, corpus, tmp_path):
    names = ["jpg_Canon_40D.jpg", "jpg_mobile_jolla.jpg", "heic_IMG_5195.HEIC",
             "jpg_orientation_portrait_8.jpg"]
    paths = [str(corpus / name) for name in names]
    result = run(runner, "import", *paths, "--city", "volgograd", "--name", "Аня",
                 "--caption", "Вид на Волгу", "--approve")
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [path for _code, path in lines] == paths
    stored = photos(app)
    assert set(stored) == {code for code, _path in lines}
    for photo in stored.values():
        assert photo.state == PhotoState.APPROVED
        assert photo.first_name == "Аня" and photo.caption == "Вид на Волгу"
        assert photo.caption_language == "ru"
        assert {f.kind for f in photo.files} == {"master", "web", "thumb", "tile"}
    # The same pipeline as the browser: the approved photo's public page works.
    code = lines[0][0]
    assert runner.app.test_client().get(f"/P/{code}").status_code == 200


def test_import_reports_each_refused_file(app, runner, corpus, tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo at all")
    folder = tmp_path / "holiday"
    folder.mkdir()
    good = str(corpus / "jpg_Canon_40D.jpg")
    first = run(runner, "import", good, "--city", "coventry", "--name", "Sam", "--approve")
    assert first.exit_code == 0
    result = run(runner, "import", str(text), str(folder), str(tmp_path / "missing.jpg"), good,
                 str(corpus / "jpg_mobile_jolla.jpg"), "--city", "coventry", "--name", "Sam",
                 "--approve")
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert errors[0].startswith(f"{text}: not_an_image: ")
    assert errors[1].startswith(f"{folder}: not_a_file: ")
    assert errors[2].startswith(f"{tmp_path / 'missing.jpg'}: not_a_file: no such file")
    assert errors[3].startswith(f"{good}: duplicate: ")
    assert len(errors) == 4
    imported = result.stdout.splitlines()
    assert len(imported) == 1 and imported[0].endswith("\t" + str(corpus / "jpg_mobile_jolla.jpg"))
    assert len(photos(app)) == 2


def test_import_pending_needs_age_and_consent(app, runner, corpus, group):
    path = str(corpus / "jpg_mobile_jolla.jpg")
    refused = run(runner, "import", path, "--city", "coventry", "--name", "Sam")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"{path}: age_band_missing: ")
    accepted = run(runner, "import", path, "--city", "coventry", "--name", "Sam",
                   "--age", "16-17", "--consent", "--group", group.lower())
    assert accepted.exit_code == 0, accepted.output
    (photo,) = photos(app).values()
    assert photo.state == PhotoState.PENDING and photo.consent_self
    assert photo.group_id is not None


def test_import_bad_flags_are_usage_errors(runner, corpus):
    path = str(corpus / "jpg_mobile_jolla.jpg")
    city = run(runner, "import", path, "--city", "paris", "--name", "Sam")
    assert city.exit_code == 2 and "known cities: coventry, volgograd" in city.stderr
    no_name = run(runner, "import", path, "--city", "coventry")
    assert no_name.exit_code == 2 and "--name" in no_name.stderr
    no_paths = run(runner, "import", "--city", "coventry", "--name", "Sam")
    assert no_paths.exit_code == 2


def test_approve_and_withdraw_by_code(app, runner, corpus):
    imported = run(runner, "import", str(corpus / "jpg_Canon_40D.jpg"),
                   str(corpus / "jpg_mobile_jolla.jpg"), "--city", "coventry", "--name", "Sam",
                   "--age", "18+", "--consent")
    first, second = (line.split("\t")[0] for line in imported.stdout.splitlines())
    assert set(photos(app)) == {first, second}
    assert all(p.state == PhotoState.PENDING for p in photos(app).values())

    approved = run(runner, "approve", first.lower(), second)
    assert approved.exit_code == 0, approved.output
    assert approved.stdout.splitlines() == [f"{first}\tapproved", f"{second}\tapproved"]
    assert all(p.state == PhotoState.APPROVED for p in photos(app).values())

    withdrawn = run(runner, "withdraw", first)
    assert withdrawn.exit_code == 0
    assert photos(app)[first].state == PhotoState.WITHDRAWN
    assert runner.app.test_client().get(f"/p/{first.lower()}").status_code == 410

    again = run(runner, "approve", first)
    assert again.exit_code == 1
    assert f"{first}: {first} was withdrawn and cannot be approved." in again.stderr


def test_approve_unknown_and_invalid_codes(app, runner):
    result = run(runner, "approve", "ZZZZZZ", "hello!")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["ZZZZZZ: no such photo", "hello!: invalid code"]
