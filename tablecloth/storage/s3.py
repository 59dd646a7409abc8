"""Files in an S3-compatible bucket (AWS, MinIO, Garage, ...): the storage for several machines."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from ..config import ConfigError
from .base import StorageError, check_key

# boto3 and botocore are imported where first used: they take a good part of a second to load,
# and a site on a local folder never needs them.

# Object-store errors that mean "this key is not there" rather than "the store is broken".
_MISSING = {"NoSuchKey", "404", "NotFound"}


class S3Storage:
    """Store each key as an object in one bucket; a PUT replaces an object atomically."""

    page_size = 1000  # keys per listing request, S3's maximum

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str = "",
        region: str = "us-east-1",
        access_key_id: str = "",
        secret_access_key: str = "",
    ) -> None:
        if not bucket:
            raise ValueError("an S3 bucket name is required")
        self.bucket = bucket
        self._options: dict[str, Any] = {"region_name": region or "us-east-1"}
        if endpoint_url:
            self._options["endpoint_url"] = endpoint_url
        if access_key_id or secret_access_key:
            self._options["aws_access_key_id"] = access_key_id
            self._options["aws_secret_access_key"] = secret_access_key
        self._path_style = bool(endpoint_url)
        self._lock = threading.Lock()
        self._client: Any = None
        self._client_pid = 0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> S3Storage:
        """Build the backend from TABLECLOTH_S3_* settings; refuse a missing bucket clearly."""
        if not config.get("S3_BUCKET"):
            raise ConfigError(
                "TABLECLOTH_STORAGE is s3 but TABLECLOTH_S3_BUCKET is empty: "
                "name the bucket that holds the photos"
            )
        return cls(
            config["S3_BUCKET"],
            endpoint_url=config.get("S3_ENDPOINT_URL", ""),
            region=config.get("S3_REGION", "us-east-1"),
            access_key_id=config.get("S3_ACCESS_KEY_ID", ""),
            secret_access_key=config.get("S3_SECRET_ACCESS_KEY", ""),
        )

    @property
    def client(self) -> Any:
        """Return this process's client; made lazily because gunicorn forks after loading."""
        pid = os.getpid()
        if self._client is None or self._client_pid != pid:
            with self._lock:
                if self._client is None or self._client_pid != pid:
                    import boto3
                    from botocore.config import Config

                    config = Config(
                        signature_version="s3v4",
                        s3={"addressing_style": "path" if self._path_style else "auto"},
                        retries={"mode": "standard", "max_attempts": 3},
                        connect_timeout=5,
                        read_timeout=30,
                        max_pool_connections=32,
                    )
                    self._client = boto3.session.Session().client(
                        "s3", config=config, **self._options
                    )
                    self._client_pid = pid
        return self._client

    def _call(self, key: str, operation: str, **params: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, **params)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise FileNotFoundError(f"no stored file {key!r}") from None
            raise StorageError(f"S3 {operation} of {key!r} failed: {code or exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {operation} of {key!r} failed: {exc}") from exc

    def put(self, key: str, data: bytes, content_type: str, *, durable: bool = True) -> None:
        # An object store has nothing cheaper than a durable put: durable is ignored.
        check_key(key)
        self._call(key, "put_object", Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    def open(self, key: str) -> BinaryIO:
        check_key(key)
        return self._call(key, "get_object", Key=key)["Body"]

    def exists(self, key: str) -> bool:
        check_key(key)
        try:
            self._call(key, "head_object", Key=key)
        except FileNotFoundError:
            return False
        return True

    def size(self, key: str) -> int:
        check_key(key)
        return int(self._call(key, "head_object", Key=key)["ContentLength"])

    def delete(self, key: str) -> None:
        check_key(key)
        self._call(key, "delete_object", Key=key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix, PaginationConfig={"PageSize": self.page_size}
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    yield item["Key"]
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 listing of {prefix!r} failed: {exc}") from exc

    def presigned_url(self, key: str, expires_s: int = 300) -> str | None:
        check_key(key)
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_s
        )

    def local_path(self, key: str) -> str | None:
        return None

    def ping(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise StorageError(f"S3 bucket {self.bucket!r} is not reachable: {exc}") from exc

    def free_bytes(self) -> int | None:
        return None  # a bucket has no free space to run out of that we can see

    def temporaries(self, older_than_s: float) -> Iterator[str]:
        return iter(())  # an object appears whole or not at all

    def quarantine_temporary(self, name: str, to_key: str) -> None:
        raise StorageError("a bucket holds no temporary files")
