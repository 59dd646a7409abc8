"""Participant pages: send photos with a group's invite code, receipts, withdrawal.

form.py holds the form's texts and checks the fields a visit's photos share; views.py the
form's pages; tus.py the resumable (tus) endpoint the page's script sends photos through;
mine.py a visit's private "my photos" page; receipts.py what a stored photo's receipt shows;
trouble.py the translated 503 when our side fails.
"""

from __future__ import annotations

from . import mine, trouble, tus, views  # noqa: F401  (importing a view registers its routes)
from .blueprint import bp  # noqa: F401  (the app factory registers it)

trouble.init_blueprint(bp)
