"""Static files: content-versioned URLs cached for a year, with ETags for revalidation."""

from __future__ import annotations

import re


def test_pages_link_static_files_with_a_content_version(client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/static/site\.css\?v=[0-9a-f]{12}"', page)


def test_versioned_static_file_is_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/site\.css\?v=[0-9a-f]{12})"', page).group(1)
    with client.get(url) as response:
        assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache and "public" in cache
    assert response.headers["ETag"]
    with client.get(url, headers={"If-None-Match": response.headers["ETag"]}) as again:
        assert again.status_code == 304


def test_unversioned_static_file_is_revalidated(client):
    with client.get("/static/site.css") as response:
        assert response.status_code == 200
    assert "max-age=31536000" not in response.headers.get("Cache-Control", "")


def test_version_changes_with_content(app, tmp_path):
    from tablecloth.web import static

    file = tmp_path / "a.css"
    file.write_text("a{}")
    first = static._version(file, 1)
    file.write_text("b{}")
    assert static._version(file, 2) != first
