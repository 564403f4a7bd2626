"""REST endpoints of the learning domain: thin; they validate, call an action, reply."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agents_app import jobs, pipeline
from agents_app.search import search_folder
from agents_app.serializers import JobSerializer
from agents_app.tasks import start_job
from sessions_app import actions
from sessions_app.access import (
    folders_of, get_document_for_user, get_folder_for_user, get_invite, get_invite_for_owner, get_member_to_remove,
    get_owned_session, get_quiz_for_user, get_session_for_user, quizzes_of, sessions_of,
)
from sessions_app.models import FolderAnalysis, LessonPlan, SessionAnalysis
from sessions_app.presence import members
from sessions_app.quizzes import concept_map, grade_submission, submitted_answers
from sessions_app.serializers import (
    AcceptedSerializer, AttemptCreateSerializer, AttemptSerializer, ConceptMasterySerializer, DocumentSerializer,
    DocumentUploadSerializer, FolderArtifactSerializer, FolderSerializer, InviteCreateSerializer,
    InvitePreviewSerializer, InviteSerializer, MemberSerializer, MessagePageQuery, MessagePageSerializer,
    MessageSerializer, QuizCreateSerializer, QuizSerializer, RegisterSerializer, SearchHitSerializer,
    SearchQuerySerializer, SessionAnalysisSerializer, SessionCreateSerializer, SessionSerializer, UserSerializer,
)
from sessions_app.uploads import check_uploads
from tutor_project.web.errors import DomainError
from tutor_project.web.health import require_broker


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = actions.register_learner(**serializer.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class MeView(APIView):
    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        return Response(UserSerializer(request.user).data)


class FolderListView(generics.ListCreateAPIView):
    serializer_class = FolderSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return folders_of(self.request.user).annotate(document_count=Count("documents"))

    def perform_create(self, serializer: FolderSerializer) -> None:
        serializer.instance = actions.create_folder(self.request.user, **serializer.validated_data)


class FolderDetailView(generics.RetrieveUpdateDestroyAPIView):
    serializer_class = FolderSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):  # type: ignore[no-untyped-def]
        return get_folder_for_user(self.request.user, self.kwargs["pk"])

    def perform_update(self, serializer: FolderSerializer) -> None:
        serializer.instance = actions.update_folder(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance) -> None:  # type: ignore[no-untyped-def]
        actions.delete_folder(instance)


class FolderDocumentsView(generics.ListAPIView):
    serializer_class = DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        folder = get_folder_for_user(self.request.user, self.kwargs["pk"])
        return folder.documents.all()

    # A raw array: the view's pagination describes its GET, not what an upload returns.
    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer},
                   responses={201: {"type": "array", "items": {"$ref": "#/components/schemas/Document"}}})
    def post(self, request: Request, pk: int) -> Response:
        folder = get_folder_for_user(request.user, pk)
        require_broker()
        uploads = check_uploads(folder, request.FILES.getlist("files"))
        documents = actions.add_documents(folder, uploads)
        return Response(DocumentSerializer(documents, many=True).data, status=status.HTTP_201_CREATED)


class DocumentDetailView(generics.RetrieveDestroyAPIView):
    serializer_class = DocumentSerializer

    def get_object(self):  # type: ignore[no-untyped-def]
        return get_document_for_user(self.request.user, self.kwargs["pk"])

    def perform_destroy(self, instance) -> None:  # type: ignore[no-untyped-def]
        actions.delete_document(instance)


class SessionListView(generics.ListCreateAPIView):
    serializer_class = SessionSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return sessions_of(self.request.user)

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    def post(self, request: Request) -> Response:
        body = SessionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        folder = folders_of(request.user).filter(pk=body.validated_data["folder_id"]).first()
        if folder is None:  # the same answer for a missing and for someone else's folder
            raise ValidationError({"folder_id": ["No such folder."]})
        session = actions.start_session(request.user, folder)
        session = get_session_for_user(request.user, session.pk)  # as lists read it, with its role
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)


class SessionDetailView(generics.RetrieveAPIView):
    serializer_class = SessionSerializer

    def get_object(self):  # type: ignore[no-untyped-def]
        return get_session_for_user(self.request.user, self.kwargs["pk"])


class SessionEndView(APIView):
    @extend_schema(request=None, responses=SessionSerializer)
    def post(self, request: Request, pk: int) -> Response:
        session = get_owned_session(request.user, pk)
        actions.end_session(session)
        return Response(SessionSerializer(get_session_for_user(request.user, pk)).data)


class SessionMessagesView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("before", int), OpenApiParameter("limit", int)],
        responses=MessagePageSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        session = get_session_for_user(request.user, pk)
        query = MessagePageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        before, limit = query.validated_data.get("before"), query.validated_data["limit"]
        messages = session.messages.filter(Q(seq__lt=before) if before else Q()).select_related("author") \
            .order_by("-seq")[: limit + 1]
        page = list(messages)
        has_more = len(page) > limit
        page = page[:limit][::-1]  # oldest first within the page
        return Response({
            "results": MessageSerializer(page, many=True).data,
            "has_more": has_more,
            "next_before": page[0].seq if has_more and page else None,
        })


class SessionAnalysisView(APIView):
    @extend_schema(responses=SessionAnalysisSerializer)
    def get(self, request: Request, pk: int) -> Response:
        session = get_session_for_user(request.user, pk)
        analysis = SessionAnalysis.objects.filter(session=session).first()
        if analysis is None:
            raise NotFound("This session has not ended, so it has no analysis yet.", code="not_analysed")
        return Response(SessionAnalysisSerializer(analysis).data)


class DocumentReprocessView(APIView):
    @extend_schema(request=None, responses={202: DocumentSerializer})
    def post(self, request: Request, pk: int) -> Response:
        document = actions.reprocess_document(get_document_for_user(request.user, pk))
        return Response(DocumentSerializer(document).data, status=status.HTTP_202_ACCEPTED)


class FolderSearchView(APIView):
    @extend_schema(parameters=[SearchQuerySerializer],
                   responses=inline_serializer("SearchResults", {"results": SearchHitSerializer(many=True)}))
    def get(self, request: Request, pk: int) -> Response:
        folder = get_folder_for_user(request.user, pk)
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        hits = search_folder(folder.pk, query.validated_data["q"], query.validated_data["k"])
        return Response({"results": SearchHitSerializer(hits, many=True).data})


class FolderArtifactView(APIView):
    """GET a folder's analysis or lesson plan; POST regenerates it as a job (202)."""

    artifact: type[FolderAnalysis] | type[LessonPlan]
    job_kind: str
    agent: str

    @extend_schema(responses=FolderArtifactSerializer)
    def get(self, request: Request, pk: int) -> Response:
        folder = get_folder_for_user(request.user, pk)
        stored = self.artifact.objects.filter(folder=folder).first()
        body = {"status": pipeline.folder_status(folder, has_result=stored is not None),
                "offline": stored.offline if stored else None,
                "updated_at": stored.updated_at if stored else None,
                "data": stored.data if stored else None}
        return Response(FolderArtifactSerializer(body).data)

    @extend_schema(request=None, responses={202: JobSerializer})
    def post(self, request: Request, pk: int) -> Response:
        job = start_job(get_folder_for_user(request.user, pk), self.job_kind, agent=self.agent)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class FolderAnalysisView(FolderArtifactView):
    artifact = FolderAnalysis
    job_kind = jobs.ANALYSE_FOLDER
    agent = "analyzer"


class FolderLessonPlanView(FolderArtifactView):
    artifact = LessonPlan
    job_kind = jobs.PLAN_LESSON
    agent = "planner"


class FolderQuizzesView(generics.ListAPIView):
    serializer_class = QuizSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        folder = get_folder_for_user(self.request.user, self.kwargs["pk"])
        return quizzes_of(self.request.user).filter(folder=folder).prefetch_related("questions__chunk")

    @extend_schema(request=QuizCreateSerializer, responses={201: QuizSerializer, 202: JobSerializer})
    def post(self, request: Request, pk: int) -> Response:
        """Offline, the quiz is made at once (201); with a model it is made by a job (202)."""
        folder = get_folder_for_user(request.user, pk)
        body = QuizCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = start_job(folder, jobs.CREATE_QUIZ, agent="quiz_creator", **body.validated_data)
        if job.status == job.Status.FAILED:
            raise DomainError(job.result.get("code", "quiz_failed"), job.error, http_status=409)
        if job.status != job.Status.SUCCEEDED:
            return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        quiz = get_quiz_for_user(request.user, job.result["quiz_id"])
        return Response(QuizSerializer(quiz).data, status=status.HTTP_201_CREATED)


class QuizDetailView(generics.RetrieveAPIView):
    serializer_class = QuizSerializer

    def get_object(self):  # type: ignore[no-untyped-def]
        return get_quiz_for_user(self.request.user, self.kwargs["pk"])


class QuizAttemptsView(generics.ListAPIView):
    serializer_class = AttemptSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        quiz = get_quiz_for_user(self.request.user, self.kwargs["pk"])
        return quiz.attempts.filter(learner=self.request.user).prefetch_related("answers__question")

    @extend_schema(request=AttemptCreateSerializer, responses={201: AttemptSerializer})
    def post(self, request: Request, pk: int) -> Response:
        quiz = get_quiz_for_user(request.user, pk)
        body = AttemptCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answers = submitted_answers(quiz, body.validated_data["answers"])
        grades = grade_submission(request.user.pk, answers)
        attempt, changes = actions.record_attempt(quiz, request.user, answers, grades)
        return Response({**AttemptSerializer(attempt).data, "mastery_changes": changes},
                        status=status.HTTP_201_CREATED)


class FolderMasteryView(APIView):
    @extend_schema(responses=inline_serializer("ConceptMap", {"results": ConceptMasterySerializer(many=True)}))
    def get(self, request: Request, pk: int) -> Response:
        folder = get_folder_for_user(request.user, pk)
        return Response({"results": ConceptMasterySerializer(concept_map(request.user.pk, folder), many=True).data})


# --- shared sessions (SPEC 11) ------------------------------------------------------------


class SessionInvitesView(generics.ListAPIView):
    """The owner's invite links to a session."""

    serializer_class = InviteSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        session = get_owned_session(self.request.user, self.kwargs["pk"])
        return session.invites.annotate(accepted_count=Count("members")).order_by("-created_at", "-id")

    @extend_schema(request=InviteCreateSerializer, responses={201: InviteSerializer})
    def post(self, request: Request, pk: int) -> Response:
        session = get_owned_session(request.user, pk)
        body = InviteCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invite = actions.create_invite(session, role=body.validated_data["role"],
                                       expires_in=timedelta(seconds=body.validated_data["expires_in"]))
        invite.accepted_count = 0
        return Response(InviteSerializer(invite).data, status=status.HTTP_201_CREATED)


class InviteDetailView(APIView):
    @extend_schema(responses=InvitePreviewSerializer)
    def get(self, request: Request, code: str) -> Response:
        """What the invite grants: for anyone signed in who holds the link."""
        return Response(InvitePreviewSerializer(get_invite(code)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, code: str) -> Response:
        """Revoke: nobody joins through it any more, and who joined through it leaves (the owner
        only; anyone else gets 404)."""
        actions.revoke_invite(get_invite_for_owner(request.user, code))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteAcceptView(APIView):
    @extend_schema(request=None, responses=AcceptedSerializer)
    def post(self, request: Request, code: str) -> Response:
        member = actions.accept_invite(get_invite(code), request.user)
        return Response(AcceptedSerializer({"session_id": member.session_id, "role": member.role}).data)


class SessionMembersView(generics.ListAPIView):
    """The owner and the members of a session, for the owner and the members."""

    serializer_class = MemberSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        session = get_session_for_user(self.request.user, self.kwargs["pk"])
        return members(session)


class SessionMemberView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, user_id: int) -> Response:
        """The owner removes a member, or a member leaves; their sockets of the session close (4403)."""
        member = get_member_to_remove(request.user, pk, user_id)
        actions.remove_member(member)
        return Response(status=status.HTTP_204_NO_CONTENT)
