"""Prometheus metrics: HTTP request counts and latencies per route, served at /metrics.

Routes are labelled by their URL pattern (not the raw path) and methods by name, with
every unknown method and every unmatched path collapsed to one value, so a client
sending made-up methods or paths cannot grow the number of series (SPEC 12). Each
process exposes its own numbers; Prometheus scrapes each one.
"""
from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

HTTP_REQUESTS = Counter(
    "tutor_http_requests_total", "HTTP requests by method, route and status.",
    ["method", "route", "status"], registry=REGISTRY,
)
HTTP_LATENCY = Histogram(
    "tutor_http_request_duration_seconds", "HTTP request latency by method and route.",
    ["method", "route"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WS_CONNECTIONS = Gauge(
    "tutor_websocket_connections", "Open WebSocket connections by socket kind.", ["socket"], registry=REGISTRY,
)


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER = "other"


def _method(request: HttpRequest) -> str:
    return request.method if request.method in KNOWN_METHODS else OTHER


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else "unmatched"


def _observe(request: HttpRequest, response: HttpResponse, started: float) -> None:
    route = _route(request)
    method = _method(request)
    HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
    HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)


class PrometheusMiddleware:
    """Counts and times every request; async-capable so ASGI requests stay on the loop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponse | Awaitable[HttpResponse]:
        if iscoroutinefunction(self):
            return self._acall(request)
        started = time.perf_counter()
        response = self.get_response(request)
        _observe(request, response, started)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = await self.get_response(request)
        _observe(request, response, started)
        return response


def metrics_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
