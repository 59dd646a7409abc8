"""The storage contract, run alike against the local folder and a real S3 server (moto)."""

from __future__ import annotations

import hashlib

import pytest
import servers

from tablecloth.config import ConfigError
from tablecloth.storage import StorageError, make_storage
from tablecloth.storage.local import LocalStorage
from tablecloth.storage.s3 import S3Storage


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """Return an empty store of each kind."""
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    server = request.getfixturevalue("s3_server")
    bucket = server.create_bucket(servers.unique_name("contract-"))
    request.addfinalizer(lambda: server.delete_bucket(bucket))
    return make_storage({**server.config(bucket), "UPLOADS_DIR": str(tmp_path / "unused")})


def test_put_then_get_returns_the_same_bytes(store):
    data = bytes(range(256)) * 1000
    store.put("photos/AAAAAA/web.jpg", data, "image/jpeg")
    assert store.get("photos/AAAAAA/web.jpg") == data
    assert store.exists("photos/AAAAAA/web.jpg")
    assert store.size("photos/AAAAAA/web.jpg") == len(data)


def test_open_streams_in_pieces(store):
    data = b"0123456789" * 50_000
    store.put("big.bin", data, "application/octet-stream")
    digest = hashlib.sha256()
    with store.open("big.bin") as stream:
        while chunk := stream.read(65536):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()


def test_overwrite_replaces_the_whole_file(store):
    store.put("a/b.txt", b"a long first version", "text/plain")
    store.put("a/b.txt", b"short", "text/plain")
    assert store.get("a/b.txt") == b"short"
    assert store.size("a/b.txt") == 5


def test_empty_file_is_kept(store):
    store.put("empty", b"", "application/octet-stream")
    assert store.exists("empty")
    assert store.get("empty") == b""
    assert store.size("empty") == 0


def test_delete_removes_and_tolerates_absent_keys(store):
    store.put("x/y", b"1", "text/plain")
    assert store.exists("x/y")
    store.delete("x/y")
    assert not store.exists("x/y")
    store.delete("x/y")
    store.delete("never/was")


def test_keys_lists_everything_under_a_prefix(store):
    names = ["photos/A/web.jpg", "photos/A/thumb.jpg", "photos/B/web.jpg", "exports/1/cloth.pdf"]
    for name in names:
        store.put(name, name.encode(), "application/octet-stream")
    assert sorted(store.keys()) == sorted(names)
    assert sorted(store.keys("photos/")) == sorted(names[:3])
    assert sorted(store.keys("photos/A/")) == ["photos/A/thumb.jpg", "photos/A/web.jpg"]
    assert list(store.keys("nothing/")) == []


def test_keys_pages_past_one_listing(store):
    # S3 lists at most 1,000 keys a page; a small page size shows the backend follows pages.
    if isinstance(store, S3Storage):
        store.page_size = 3
    for number in range(10):
        store.put(f"many/{number:02d}", b"", "text/plain")
    assert sorted(store.keys("many/")) == [f"many/{number:02d}" for number in range(10)]


@pytest.mark.parametrize("operation", ["get", "open", "size"])
def test_missing_key_raises_file_not_found(store, operation):
    with pytest.raises(FileNotFoundError):
        getattr(store, operation)("photos/NOPE00/web.jpg")
    assert not store.exists("photos/NOPE00/web.jpg")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "../outside", "a/../../b", "a\\b"])
def test_invalid_key_is_refused(store, key):
    with pytest.raises(StorageError):
        store.put(key, b"x", "text/plain")
    with pytest.raises(StorageError):
        store.get(key)


def test_ping_succeeds_on_a_usable_store(store):
    assert store.ping() is None  # raises StorageError if the store is unusable
    # The store really is usable: what ping vouched for can be written and read back.
    store.put("photos/PING00/web.jpg", b"ping", "image/jpeg")
    assert store.get("photos/PING00/web.jpg") == b"ping"


def test_presigned_url_serves_the_object_or_is_absent(store):
    store.put("photos/C/web.jpg", b"jpeg bytes", "image/jpeg")
    url = store.presigned_url("photos/C/web.jpg", expires_s=60)
    if isinstance(store, LocalStorage):
        assert url is None
        return
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == b"jpeg bytes"
        assert response.headers["Content-Type"] == "image/jpeg"


def test_s3_without_bucket_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="TABLECLOTH_S3_BUCKET"):
        make_storage({"STORAGE": "s3", "S3_BUCKET": "", "UPLOADS_DIR": str(tmp_path)})


def test_app_with_s3_and_no_bucket_refuses_to_start(monkeypatch, tmp_path):
    from tablecloth import create_app

    monkeypatch.setenv("TABLECLOTH_STORAGE", "s3")
    monkeypatch.delenv("TABLECLOTH_S3_BUCKET", raising=False)
    with pytest.raises(ConfigError, match="TABLECLOTH_S3_BUCKET"):
        # About create_app reading the environment: its own instance folder, the real environ.
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
                    "UPLOADS_DIR": str(tmp_path / "uploads")}, instance_path=tmp_path / "i")


def test_s3_errors_other_than_missing_are_storage_errors(s3_server, tmp_path):
    store = S3Storage("no-such-bucket-here", endpoint_url=s3_server.endpoint,
                      access_key_id="testing", secret_access_key="testing")
    with pytest.raises(StorageError):
        store.put("a", b"x", "text/plain")
    with pytest.raises(StorageError):
        store.ping()
    with pytest.raises(StorageError):
        list(store.keys())


def test_unreachable_s3_is_a_storage_error():
    store = S3Storage("bucket", endpoint_url=f"http://127.0.0.1:{servers.free_port()}",
                      access_key_id="testing", secret_access_key="testing")
    with pytest.raises(StorageError):
        store.ping()


def _serving_app(app):
    from tablecloth import context
    from tablecloth.web.files import send_stored

    data = b"\xff\xd8\xff" + bytes(range(256)) * 400
    digest = hashlib.sha256(data).hexdigest()
    store = context.store(app)
    store.put("photos/SEND01/web.jpg", data, "image/jpeg")
    app.add_url_rule(
        "/_stored/<path:key>", "stored",
        lambda key: send_stored(store, app.config, key, digest, "image/jpeg", max_age=600,
                                size=len(data)),
    )
    return data, digest


def test_send_stored_streams_with_etag_and_answers_304(app):
    data, digest = _serving_app(app)
    client = app.test_client()
    with client.get("/_stored/photos/SEND01/web.jpg") as response:
        assert response.status_code == 200
        assert response.get_data() == data
        assert response.headers["ETag"] == f'"{digest}"'
        assert response.headers["Content-Length"] == str(len(data))
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Cache-Control"] == "public, max-age=600"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = client.get("/_stored/photos/SEND01/web.jpg", headers={"If-None-Match": f'"{digest}"'})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == f'"{digest}"'
    assert client.get("/_stored/photos/NOPE00/web.jpg").status_code == 404


def test_send_stored_redirects_to_a_presigned_url(s3_server, backend_settings, tmp_path):
    from helpers import make_app

    bucket = s3_server.create_bucket(servers.unique_name("redirect-"))
    try:
        app = make_app({"TESTING": True, "SECRET_KEY": "x", **backend_settings,
                        **s3_server.config(bucket), "S3_SERVE": "redirect"}, tmp_path / "i")
        data, _digest = _serving_app(app)
        response = app.test_client().get("/_stored/photos/SEND01/web.jpg")
        assert response.status_code == 302
        assert response.headers["Cache-Control"] == "private, max-age=60"
        location = response.headers["Location"]
        assert location.startswith(s3_server.endpoint)
        import urllib.request

        with urllib.request.urlopen(location, timeout=10) as direct:
            assert direct.read() == data
        app.extensions["tablecloth.engine"].dispose()
    finally:
        s3_server.delete_bucket(bucket)
