"""One storage interface for every stored file; the local folder and S3 sit behind it.

No Flask here: the app attaches the backend ``make_storage`` builds (``create_app``), services
get it as ``site.store``, and the web answers downloads with ``web.files.send_stored``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .base import Storage, StorageError, check_key, digest
from .local import LocalStorage
from .s3 import S3Storage


def make_storage(config: Mapping[str, Any]) -> Storage:
    """Build the backend the settings name."""
    if config["STORAGE"] == "s3":
        return S3Storage.from_config(config)
    return LocalStorage(config["UPLOADS_DIR"])


__all__ = ["LocalStorage", "S3Storage", "Storage", "StorageError", "check_key", "digest",
           "make_storage"]
