"""The web app is served by Django from the same origin: index.html for client routes with
a Content-Security-Policy, never for API paths, and a plain page when it was never built."""
from __future__ import annotations

import pytest


@pytest.fixture
def built(settings, tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "index.html").write_text('<!doctype html><div id="app"></div>')
    settings.STATIC_ROOT = tmp_path
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/folders/3/mastery", "/learn/12", "/quizzes/4/results",
                                  "/sessions/12/analysis", "/invite/Zk3_q-8xYtP2mW0aLd9s1Q"])
def test_client_routes_answer_the_app_with_its_security_headers(client, settings, built, path):
    settings.ALLOWED_HOSTS = ["tutor.example.org"]
    response = client.get(path, HTTP_HOST="tutor.example.org")
    assert response.status_code == 200
    assert b'<div id="app">' in response.content
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "connect-src 'self' ws://tutor.example.org wss://tutor.example.org" in csp


@pytest.mark.parametrize("path", ["/api/v1/nothing/", "/api/v1/folders/999/", "/nothing-here", "/static/app/missing.js"])
def test_api_and_unknown_paths_stay_json_404s(client, built, path):
    response = client.get(path)
    assert response.status_code in (401, 404)
    assert response["Content-Type"].startswith("application/json")


def test_an_unbuilt_app_answers_how_to_build_it_not_a_500(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_DIRS = []
    response = client.get("/")
    assert response.status_code == 503
    assert b"scripts/bootstrap.sh" in response.content
