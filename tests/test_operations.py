import pytest

pytestmark = pytest.mark.django_db


def test_healthz_and_readyz_report_the_checks(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"] == {"database": "ok", "channel_layer": "ok", "broker": "ok"}


def test_readyz_answers_503_naming_the_failing_check(client, monkeypatch):
    from tutor_project.web import health

    async def broken() -> None:
        raise ConnectionError("broker down")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error: ConnectionError")


def test_metrics_count_requests_by_route_in_prometheus_text(api, client):
    api.get("/api/v1/folders/")
    api.get("/api/v1/folders/")
    body = client.get("/metrics").content.decode()
    line = next(l for l in body.splitlines()
                if l.startswith('tutor_http_requests_total{method="GET",route="api/v1/folders/",status="200"}'))
    assert float(line.rsplit(" ", 1)[1]) >= 2
    assert "tutor_http_request_duration_seconds_bucket" in body


def test_the_openapi_schema_lists_the_api_and_the_docs_page_is_self_hosted(client):
    schema = client.get("/api/schema/?format=json").json()
    for path in ("/api/v1/folders/", "/api/v1/folders/{id}/documents/", "/api/v1/sessions/{id}/messages/",
                 "/api/v1/auth/register/", "/api/v1/jobs/{id}/"):
        assert path in schema["paths"], path
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower() and b"swagger-ui" in docs.content.lower()


def test_api_errors_are_json_with_a_stable_code(api):
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    method = api.put("/api/v1/folders/")
    assert method.status_code == 405 and method.json()["code"] == "method_not_allowed"


def test_the_server_process_freezes_what_it_loaded_out_of_the_collector():
    # Full collections walking the loaded app stalled every socket for ~120 ms (SPEC 6 latency).
    import subprocess
    import sys

    script = "import gc, tutor_project.asgi; print(gc.get_freeze_count())"
    frozen = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert int(frozen) > 50_000
