"""/metrics keeps a bounded number of series whatever methods and paths clients send (SPEC 12)."""
from __future__ import annotations

import secrets

import httpx


def request_series(base_url: str) -> set[str]:
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    return {line.rsplit(" ", 1)[0] for line in text.splitlines() if line.startswith("tutor_http_requests_total{")}


def test_random_methods_and_paths_collapse_to_one_label_value_each(live_server_url):
    with httpx.Client(base_url=live_server_url, timeout=10) as client:
        for _ in range(60):
            client.request(secrets.token_hex(4).upper(), "/api/v1/folders/")
            client.get(f"/{secrets.token_hex(6)}/{secrets.token_hex(3)}")
    series = request_series(live_server_url)
    assert 'tutor_http_requests_total{method="other",route="api/v1/folders/",status="401"}' in series
    assert 'tutor_http_requests_total{method="GET",route="unmatched",status="404"}' in series
    assert len(series) < 10, series
