"""Project-wide REST plumbing: pagination and the one JSON error format.

Every error is ``{"code": <stable machine code>, "detail": <readable text>}``,
plus ``fields`` for validation errors.
"""
from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tutor_project.web.errors import DomainError


class Pagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 200


_DEFAULT_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.detail}, status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict[str, Any]
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "detail": _first_message(exc.detail), "fields": exc.detail}
    else:
        code = getattr(exc, "default_code", None) or _DEFAULT_CODES.get(response.status_code, "error")
        if isinstance(exc, exceptions.APIException):
            codes = exc.get_codes()
            if isinstance(codes, str):
                code = codes
        body = {"code": code, "detail": _first_message(response.data)}
    response.data = body
    return response


def _first_message(data: Any) -> str:
    """The first human-readable message in DRF's nested error structure."""
    if isinstance(data, dict):
        if "detail" in data:
            return _first_message(data["detail"])
        for key, value in data.items():
            message = _first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
        return "Invalid input."
    if isinstance(data, list):
        return _first_message(data[0]) if data else "Invalid input."
    return str(data)


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """Django's 404 for paths no view matched: JSON like every other API error."""
    return JsonResponse({"code": "not_found", "detail": "Not found."}, status=404)


def server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"code": "server_error", "detail": "Internal server error."}, status=500)
