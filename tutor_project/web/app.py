"""The learner's web app (frontend/, SPEC 10): its index.html for every client route.

The built files are collected into STATIC_ROOT under ``app/`` and served by WhiteNoise;
this view only answers the routes the client's router owns, with the page's security
headers. It never answers an API path, so API 404s stay JSON.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

# Routes of the client's router (frontend/src/router.ts).
CLIENT_ROUTES = r"^(?:|login|register|folders/.*|learn/.*|quizzes/.*|sessions/.*|invite/.*)$"

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>AI Tutor</title></head>
<body><h1>AI Tutor: the web app is not built</h1>
<p>Build it with <code>bash scripts/bootstrap.sh</code> (needs Node 20.19 or newer and npm),
then <code>.venv/bin/python manage.py collectstatic --noinput</code>, or just run
<code>bash scripts/run.sh</code>, which does both. The API is at <a href="/api/docs/">/api/docs/</a>.</p>
</body></html>"""


def _index_path() -> Path | None:
    collected = Path(settings.STATIC_ROOT) / "app" / "index.html"
    if collected.is_file():
        return collected
    found = finders.find("app/index.html")
    return Path(found) if found else None


def content_security_policy(request: HttpRequest) -> str:
    host = request.get_host()
    # The sockets are same-origin too, but 'self' does not cover ws:/wss: in every browser.
    sockets = f"wss://{host}" if request.is_secure() else f"ws://{host} wss://{host}"
    return "; ".join([
        "default-src 'self'",
        f"connect-src 'self' {sockets}",
        "script-src 'self'",
        # KaTeX sets inline styles on the nodes it builds.
        "style-src 'self' 'unsafe-inline'",
        "font-src 'self' data:",
        # Board images may be http(s) or inline rasters (whiteboard_app/specs.py ImageSrc).
        "img-src 'self' data: https: http:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


@require_safe
def web_app(request: HttpRequest) -> HttpResponse:
    index = _index_path()
    if index is None:
        response = HttpResponse(NOT_BUILT, status=503, content_type="text/html; charset=utf-8")
    else:
        response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = content_security_policy(request)
    response["Cache-Control"] = "no-cache"
    response["Referrer-Policy"] = "same-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response
