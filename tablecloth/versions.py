"""Change versions: every change to what a public page shows bumps a number.

Two numbers, each read in one indexed query:

- ``photos.version``: the photo's public page (/P/CODE) and its images. A worker keeps a
  rendered page for (code, language, version) and knows it is stale as soon as it reads a
  newer version, whichever worker or machine made the change.
- ``cloths.version``: a cloth's stored selection and plan (services.cloth.stored). Every change
  to a photo that can show on a cloth (its state, hiding, name, city, review time, files),
  to the cloth's settings or order, or to a city bumps it.

The bumps happen inside the transaction that makes the change, from two Session hooks
installed on every session factory (``db.make_sessions``), so no caller has to remember them:

- an ORM change (set an attribute, add, delete; then flush or commit);
- an UPDATE of photos through ``session.execute(update(Photo)...)`` (a state machine's
  conditional update): ``photos.version`` is added to its SET clause, and the cloths are
  bumped when it changed a row.

Only SQL that bypasses the Session (``connection.execute``, raw ``text()``) must call
``photos_changed`` itself.

After a transaction that bumped a cloth commits, the callbacks given to ``on_cloth_change``
run (the app recomputes the cloth's stored view there, in the background), whichever caller
made the change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from .models import City, Cloth, ClothItem, Photo, PhotoState, StoredFile

# Photo columns a cloth shows or orders by: a change to any of them changes the cloth.
CLOTH_FIELDS = frozenset({"code", "state", "hidden_at", "first_name", "name_other_script",
                          "city_id", "reviewed_at"})
# Our own bumps: no ORM synchronisation, and marked so that _on_execute leaves them alone.
_BUMP = {"synchronize_session": False, "tablecloth_bump": True}
# session.info key: this transaction bumped a cloth's version (read after its commit).
_CLOTH_BUMPED = "tablecloth.cloth_bumped"


def photos_changed(session: Session, photo_ids: Iterable[int]) -> None:
    """Bump the versions of these photos and of every cloth, in the session's transaction."""
    ids = sorted(set(photo_ids))
    if ids:
        session.execute(update(Photo).where(Photo.id.in_(ids))
                        .values(version=Photo.version + 1), execution_options=_BUMP)
        cloths_changed(session)


def cloths_changed(session: Session, cloth_ids: Iterable[int] | None = None) -> None:
    """Bump the version of these cloths (every cloth when None)."""
    statement = update(Cloth).values(version=Cloth.version + 1)
    if cloth_ids is not None:
        ids = sorted(set(cloth_ids))
        if not ids:
            return
        statement = statement.where(Cloth.id.in_(ids))
    session.execute(statement, execution_options=_BUMP)
    session.info[_CLOTH_BUMPED] = True


def install(sessions: sessionmaker) -> None:
    """Bump versions on every change made through sessions from this factory."""
    event.listen(sessions, "before_flush", _before_flush)
    event.listen(sessions, "do_orm_execute", _on_execute)


def on_cloth_change(sessions: sessionmaker, callback: Callable[[], None]) -> None:
    """Call callback after each commit of a transaction that bumped a cloth's version.

    It runs in the committing thread once the data is committed (a savepoint's release is
    not a commit), so it must return at once: schedule the work, do not do it.
    """

    def after_commit(session: Session) -> None:
        if not session.in_nested_transaction() and session.info.pop(_CLOTH_BUMPED, False):
            callback()

    def after_transaction_end(session: Session, transaction) -> None:
        if transaction.parent is None:  # committed (seen above) or rolled back: start afresh
            session.info.pop(_CLOTH_BUMPED, None)

    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_transaction_end", after_transaction_end)


def _changed_keys(obj) -> set[str]:
    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _before_flush(session: Session, _context, _instances) -> None:
    all_cloths = False
    cloth_ids: set[int] = set()
    photos: set[Photo] = set()
    for obj in session.dirty:
        if isinstance(obj, Photo):
            changed = _changed_keys(obj) - {"version", "files", "city", "group"}
            if changed:
                photos.add(obj)
                all_cloths = all_cloths or bool(changed & CLOTH_FIELDS)
        elif isinstance(obj, StoredFile):
            if _changed_keys(obj) - {"photo"}:
                photos.add(obj.photo)
                all_cloths = True
        elif isinstance(obj, Cloth):
            if _changed_keys(obj) - {"version"}:  # settings, title, frozen_at, items
                obj.version = Cloth.version + 1
                session.info[_CLOTH_BUMPED] = True
        elif isinstance(obj, City):
            if _changed_keys(obj):
                session.execute(update(Photo).where(Photo.city_id == obj.id)
                                .values(version=Photo.version + 1),
                                execution_options=_BUMP)
                all_cloths = True
    for obj in session.new:
        if isinstance(obj, Photo) and obj.state == PhotoState.APPROVED:
            all_cloths = True
        elif isinstance(obj, StoredFile) and obj.photo is not None:
            if obj.photo not in session.new:
                photos.add(obj.photo)
            all_cloths = True
        elif isinstance(obj, ClothItem):
            cloth_ids.add(obj.cloth_id if obj.cloth_id is not None else obj.cloth.id)
    for obj in session.deleted:
        if isinstance(obj, Photo | StoredFile | City):
            all_cloths = True
        elif isinstance(obj, ClothItem):
            cloth_ids.add(obj.cloth_id)
    for photo in photos:
        if photo.id is not None and photo not in session.new:
            photo.version = Photo.version + 1
    if all_cloths:
        cloths_changed(session)
    else:
        cloths_changed(session, {i for i in cloth_ids if i is not None})


def _on_execute(state: ORMExecuteState):
    if not state.is_update or state.execution_options.get("tablecloth_bump"):
        return None
    statement = state.statement
    if getattr(getattr(statement, "table", None), "name", None) != Photo.__tablename__:
        return None
    result = state.invoke_statement(statement=statement.values(version=Photo.version + 1))
    if result.rowcount:
        cloths_changed(state.session)
    return result
