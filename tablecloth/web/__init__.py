"""The web face: one blueprint per audience, CSRF and security headers for all."""

from __future__ import annotations

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Register the participant, viewer and organiser blueprints."""
    from . import health, organiser, static, upload, viewer

    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        # Behind nginx every request comes from the proxy; trust exactly its forwarded headers
        # so rate limits see the participant's address and url_for builds https links.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    csrf.init_app(app)
    static.init_app(app)
    app.register_blueprint(viewer.bp)
    app.register_blueprint(upload.bp)
    app.register_blueprint(organiser.bp)
    app.register_blueprint(health.bp)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
