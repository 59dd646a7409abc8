"""The app starts, serves its home page in both languages and has its schema."""

from sqlalchemy import select

from tablecloth import db
from tablecloth.models import City


def test_home_english(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "Digital tablecloth" in response.get_data(as_text=True)


def test_default_cities(app):
    with app.app_context():
        slugs = db.session().scalars(select(City.slug).order_by(City.position)).all()
    assert slugs == ["coventry", "volgograd"]


def test_init_db_command_is_idempotent(runner):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0
