"""The one lookup behind every ownership gate."""
from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_or_404(queryset: QuerySet[M], pk: object) -> M:
    """The row of an owner-filtered queryset; a missing row, someone else's row and a
    malformed id all give the same 404, so existence never leaks."""
    try:
        return queryset.get(pk=int(pk))  # type: ignore[call-overload]
    except (queryset.model.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
