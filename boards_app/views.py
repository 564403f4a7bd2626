"""Board endpoints (SPEC 4): the summary the LLM sees, snapshot history, the state at
a point, SVG export and analytics. Read-only; 404 for anyone but the session's learner."""
from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from boards_app.analytics import learner_annotations_over_time, objects_by_source_and_kind
from boards_app.serializers import AnalyticsQuery, AtQuery, ExportQuery, SnapshotSerializer, SummaryQuery
from boards_app.summary import summarize_board
from boards_app.svg import render_svg
from sessions_app.access import get_session_for_user
from whiteboard_app.history import board_of, board_state, update_log
from whiteboard_app.models import BoardSnapshot


def _query(serializer_class: type, request: Request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class BoardSummaryView(APIView):
    @extend_schema(parameters=[OpenApiParameter("max_chars", int)], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        session = get_session_for_user(request.user, pk)
        max_chars = _query(SummaryQuery, request)["max_chars"]
        state, seq = board_state(session)
        summary = summarize_board(state, max_chars=max_chars)
        return Response({"seq": seq, "summary": summary.model_dump(mode="json"), "text": summary.as_text()})


class BoardSnapshotsView(generics.ListAPIView):
    serializer_class = SnapshotSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        session = get_session_for_user(self.request.user, self.kwargs["pk"])
        return BoardSnapshot.objects.filter(board=board_of(session)).order_by("-seq")


class BoardAtView(APIView):
    @extend_schema(parameters=[OpenApiParameter("seq", int, required=True)], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        session = get_session_for_user(request.user, pk)
        state, seq = board_state(session, _query(AtQuery, request)["seq"])
        return Response({"seq": seq, **state.to_json()})


class BoardExportView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("seq", int), OpenApiParameter("ephemeral", bool)],
        responses={(200, "image/svg+xml"): OpenApiTypes.STR},
    )
    def get(self, request: Request, pk: int) -> HttpResponse:
        session = get_session_for_user(request.user, pk)
        query = _query(ExportQuery, request)
        state, _ = board_state(session, query.get("seq"))
        svg = render_svg(state, include_ephemeral=query["ephemeral"])
        response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="board-{session.pk}.svg"'
        return response


class BoardAnalyticsView(APIView):
    @extend_schema(parameters=[OpenApiParameter("bucket_minutes", int)], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, pk: int) -> Response:
        session = get_session_for_user(request.user, pk)
        bucket = timedelta(minutes=_query(AnalyticsQuery, request)["bucket_minutes"])
        state, seq = board_state(session)
        timeline = learner_annotations_over_time(update_log(session), bucket=bucket)
        return Response({
            "seq": seq,
            "objects_by_source_and_kind": objects_by_source_and_kind(state.objects.values()),
            "learner_annotations": timeline.model_dump(mode="json"),
        })
