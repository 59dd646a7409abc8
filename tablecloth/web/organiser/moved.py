"""Organiser addresses used before they were tidied, answered with permanent redirects.

Organiser pages now name a photo by its code under /photos/ and a group by its invite code
under /groups/. Bookmarks and open tabs may still hold the old forms; 308 keeps a form's
method and body, so an old form posted from an open tab still does what it says. Like the
pages they lead to, they answer only a logged-in organiser.
"""

from __future__ import annotations

from flask import redirect, url_for

from ... import context
from ...services import groups
from .auth import login_required
from .blueprint import bp
from .common import or_404


@bp.get("/photo/<code>/<kind>")
@login_required
def old_photo_file(code: str, kind: str):
    """Send the old address of a photo's image to /organiser/photos/CODE/KIND."""
    return redirect(url_for("organiser.photo_file", code=code, kind=kind), 308)


@bp.post("/moderation/<code>/caption")
@login_required
def old_edit_caption(code: str):
    """Send the old caption form's post to /organiser/photos/CODE/caption."""
    return redirect(url_for("organiser.edit_caption", code=code), 308)


@bp.get("/groups/<int:group_id>/invitation.pdf")
@login_required
def old_group_invitation(group_id: int):
    """Send the old id-based invitation address to /organiser/groups/CODE/invitation.pdf."""
    group = or_404(groups.get_group(context.site(), group_id))
    return redirect(url_for("organiser.group_invitation", code=group.invite_code), 308)
