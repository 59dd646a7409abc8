"""Names in both scripts: automatic Cyrillic <-> Latin, printed on the labels, corrected by hand."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest
from helpers import csrf_token
from sqlalchemy import select

from tablecloth import codes, context, db
from tablecloth.models import AgeBand, AuditEntry, City, Photo, PhotoState, utcnow
from tablecloth.names import both_scripts, script_of, transliterate
from tablecloth.render import render
from tablecloth.services.cloth import design, editions


@pytest.mark.parametrize(("name", "other"), [
    ("Аня", "Anya"), ("Наталья", "Natalya"), ("Дмитрий", "Dmitry"), ("Щукин", "Shchukin"),
    ("Priya", "Прия"), ("Oliver", "Оливер"), ("Tom", "Том"), ("Mary-Jane", "Мари-Жане"),
    ("Zoë", "Зое"), ("ОЛЕГ", "OLEG"),
])
def test_transliterate_both_ways(name, other):
    assert transliterate(name) == other
    assert script_of(other) != script_of(name)


def test_other_scripts_get_no_automatic_form():
    assert transliterate("李娜") is None and transliterate("سارا") is None
    assert both_scripts("李娜") == "李娜"
    assert both_scripts("Аня", corrected="Anja") == "Аня / Anja"
    assert both_scripts("James", corrected="Джеймс") == "James / Джеймс"


def _photo(name: str, city: City, n: int) -> Photo:
    now = utcnow()
    return Photo(code=codes.new_code(), state=PhotoState.APPROVED, city_id=city.id,
                 first_name=name, source_sha256=f"{n:064x}", age_band=AgeBand.ADULT,
                 consent_self=True, created_at=now, reviewed_at=now)


def _labels(app) -> dict[str, str]:
    with app.app_context():
        site = context.site()
        cloth = editions.current_cloth(site)
        design.save_settings(site, cloth, {"width_mm": 600.0, "height_mm": 600.0})
        plan = design.build_plan(site, cloth)
        out = io.BytesIO()
        render("pdf", plan, out)
    pdf = pdfium.PdfDocument(out.getvalue())
    text = "".join(page.get_textpage().get_text_range() for page in pdf)
    pdf.close()
    labels = {c.spec.name: c.label_text for c in plan.cells}
    for label in labels.values():
        assert label in text  # printed as text in the embedded font, both scripts
    return labels


def test_labels_carry_the_name_in_both_scripts_and_an_organiser_corrects_it(app, logged_in):
    with app.app_context():
        session = db.session()
        cities = {c.slug: c for c in session.scalars(select(City))}
        session.add_all([_photo("Аня", cities["volgograd"], 1),
                         _photo("Priya", cities["coventry"], 2),
                         _photo("James", cities["coventry"], 3)])
        session.commit()
        james = session.scalars(select(Photo).where(Photo.first_name == "James")).one().code
    labels = _labels(app)
    assert labels["Аня"] == "Аня / Anya · Волгоград / Volgograd"
    assert labels["Priya"] == "Priya / Прия · Coventry / Ковентри"
    assert labels["James"].startswith("James / Жамес")  # letter by letter: rough, so ...

    queue = logged_in.get("/organiser/moderation?state=approved").get_data(as_text=True)
    assert f'id="name-other-{james}"' in queue and 'value="Жамес"' in queue
    token = csrf_token(logged_in, "/organiser/moderation")
    saved = logged_in.post(f"/organiser/photos/{james}/name", data={
        "csrf_token": token, "name_other": " Джеймс ", "state": "approved"},
        follow_redirects=True)
    assert "On the cloth: James / Джеймс" in saved.get_data(as_text=True)
    assert _labels(app)["James"] == "James / Джеймс · Coventry / Ковентри"  # ... corrected
    with app.app_context():
        entry = db.session().scalars(select(AuditEntry).where(
            AuditEntry.action == "photo.name")).one()
        assert (entry.target, entry.detail) == (james, {"corrected": True})
    # Blank brings the automatic form back.
    logged_in.post(f"/organiser/photos/{james}/name", data={"csrf_token": token,
                                                             "name_other": ""})
    assert _labels(app)["James"].startswith("James / Жамес")
