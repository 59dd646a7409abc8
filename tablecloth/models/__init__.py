"""ORM classes for photos, groups, cities, organisers and clothes; no I/O here.

One module a family: base.py (the declarative base, UTC times, states and roles), photos.py,
people.py and cloth.py. Every class is named here, so ``from tablecloth.models import Photo``
is the one way to reach them.
"""

from __future__ import annotations

from .base import (  # noqa: F401
    AgeBand,
    Base,
    PhotoState,
    Role,
    UTCDateTime,
    utcnow,
)
from .cloth import (  # noqa: F401
    Cloth,
    ClothItem,
    ClothView,
    Export,
    Swatch,
    SwatchSample,
)
from .people import (  # noqa: F401
    AuditEntry,
    HealthProbe,
    Invitation,
    Organiser,
    OrganiserSession,
    PasswordReset,
    RateLimitHit,
)
from .photos import (  # noqa: F401
    City,
    Group,
    PartialUpload,
    Photo,
    PhotoReport,
    PhotoScan,
    StoredFile,
    Visit,
    bilingual,
)
