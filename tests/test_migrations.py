"""The migrations build exactly the schema the models describe, on the test database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from tablecloth import db
from tablecloth.context import site
from tablecloth.models import Base, Photo, utcnow


def test_migrated_schema_matches_models(app):
    with app.app_context(), db.engine().connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_every_table_exists(app):
    with app.app_context():
        tables = set(inspect(db.engine()).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_stored_times_come_back_timezone_aware(app, corpus):
    from sqlalchemy import select

    from tablecloth.models import City
    from tablecloth.services.uploads import accept_upload

    with app.app_context():
        session = db.session()
        city = session.scalars(select(City).where(City.slug == "coventry")).one()
        photo = accept_upload(site(), (corpus / "jpg_Canon_40D.jpg").read_bytes(), city=city,
                              first_name="Ann", approve=True).photo
        code = photo.code
        session.expunge_all()
        again = session.scalars(select(Photo).where(Photo.code == code)).one()
        assert again.created_at.tzinfo is not None
        assert again.created_at <= utcnow()
