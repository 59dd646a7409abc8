"""Headers on every response: a strict Content-Security-Policy, and templates that keep it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import tablecloth
from tablecloth.web.headers import policy

TEMPLATES = Path(tablecloth.__file__).parent / "templates"
# What the policy blocks: executable inline script, inline style, style and on* attributes.
INLINE = re.compile(r"<script(?![^>]*\b(src=|type=\"application/json\"))|<style\b|\sstyle=|"
                    r"\son[a-z]+=", re.IGNORECASE)


@pytest.mark.parametrize("path", ["/", "/cloth", "/P/7K3QZ9", "/upload", "/organiser/login",
                                  "/healthz", "/static/site.css", "/organiser/"])
def test_every_response_carries_the_policy(client, path):
    response = client.get(path)
    response.close()  # a static file is streamed
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_no_template_has_inline_script_or_style():
    found = [f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}"
             for path in TEMPLATES.rglob("*.html")
             for match in INLINE.finditer(path.read_text())]
    assert found == []


def test_images_from_a_bucket_are_allowed_only_when_served_by_redirect():
    local = policy({"STORAGE": "local"})
    assert "img-src 'self' data: blob:;" in local
    redirect = policy({"STORAGE": "s3", "S3_SERVE": "redirect",
                       "S3_ENDPOINT_URL": "https://s3.example.net"})
    assert "https://s3.example.net" in redirect
    assert "https://s3.example.net" not in policy({"STORAGE": "s3", "S3_SERVE": "proxy",
                                                   "S3_ENDPOINT_URL": "https://s3.example.net"})
