"""The web face: one blueprint per audience; CSRF, security headers, and what is app-wide.

App-wide means every blueprint's requests: the logged-in organiser on g, the organiser
pages' labels in templates, the answers to a 404 under /P/ and to a request over the size
limit. Each blueprint keeps its own pages and its own answer to a stale form.
"""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from .. import context, images
from .csrf import csrf
from .fast_pages import FastPages
from .messages import say


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building a signer for visitors who have none.

    Most requests are viewers scanning a code, with no cookie: Flask made the signer (an
    itsdangerous serializer) for each of them first, a tenth of the photo page's time.
    """

    def open_session(self, app, request):
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Register the participant, viewer and organiser blueprints and the app-wide hooks."""
    from . import errors, headers, health, limits, numbers, organiser, static, upload, viewer
    from .organiser import auth, common
    from .viewer import photo

    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.session_interface = CookieSessions()
    # Repeat views of a photo page are answered from the copy Flask made (fast_pages.py).
    app.wsgi_app = FastPages(app, app.wsgi_app)
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        # Behind nginx every request comes from the proxy; trust exactly its forwarded headers
        # so rate limits see the participant's address and url_for builds https links.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    numbers.init_app(app)  # before any route: <int:...> stops at the id columns' range
    csrf.init_app(app)
    limits.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    static.init_app(app)
    app.register_blueprint(viewer.bp)
    app.register_blueprint(upload.bp)
    app.register_blueprint(organiser.bp)
    app.register_blueprint(health.bp)

    app.before_request(auth.load_organiser)
    app.context_processor(common.organiser_context)

    @app.errorhandler(404)
    def not_found(error: HTTPException):
        """Answer any unmatched address under /P/ with the kind page, elsewhere the plain one."""
        if request.path[:3] in ("/P/", "/p/"):
            return photo.not_found()
        return error

    @app.errorhandler(413)
    def request_too_large(_error):
        """Answer a request over the size limit with a translated message, JSON for the script."""
        limit = images.in_megabytes(context.site().settings["MAX_UPLOAD_BYTES"])
        message = say("request_too_large", {"limit": limit})
        if request.path.startswith(url_for("upload.tus_options")):
            return jsonify(ok=False, reason="request_too_large", message=message), 413
        return render_template("upload/problem.html", message=message), 413
