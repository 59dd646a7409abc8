"""Headers every response carries: a strict Content-Security-Policy and its companions.

The policy allows scripts, styles, fonts and connections from this site only: no inline
script, no inline style, no style="" or on*="" attributes (templates link static files; a
page's computed positions come as a stylesheet of their own, see viewer/cloth.py). Images
may also be blob: (the upload page previews photos before sending) and, when images are
served by redirect to a bucket, that bucket's address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response


def image_sources(settings: Mapping[str, Any]) -> list[str]:
    """Return where images may come from besides this site."""
    sources = ["'self'", "data:", "blob:"]
    if settings.get("STORAGE") == "s3" and settings.get("S3_SERVE") == "redirect":
        endpoint = settings.get("S3_ENDPOINT_URL") or ""
        if endpoint:
            parts = urlsplit(endpoint)
            # Presigned URLs name the bucket in the path or as a subdomain of the endpoint.
            sources += [f"{parts.scheme}://{parts.netloc}", f"{parts.scheme}://*.{parts.netloc}"]
        else:
            sources.append("https://*.amazonaws.com")
    return sources


def policy(settings: Mapping[str, Any]) -> str:
    """Return the Content-Security-Policy for this site's settings."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": image_sources(settings),
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'none'"],
        "object-src": ["'none'"],
        "frame-src": ["'none'"],
        "worker-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def init_app(app: Flask) -> None:
    """Add the security headers to every response (pages, files, errors, redirects)."""
    csp = policy(app.config)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
