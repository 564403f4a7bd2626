from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from sessions_app import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/token/", TokenObtainPairView.as_view(), name="token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/me/", views.MeView.as_view(), name="me"),
    path("folders/", views.FolderListView.as_view(), name="folder-list"),
    path("folders/<int:pk>/", views.FolderDetailView.as_view(), name="folder-detail"),
    path("folders/<int:pk>/documents/", views.FolderDocumentsView.as_view(), name="folder-documents"),
    path("documents/<int:pk>/", views.DocumentDetailView.as_view(), name="document-detail"),
    path("documents/<int:pk>/reprocess/", views.DocumentReprocessView.as_view(), name="document-reprocess"),
    path("folders/<int:pk>/analysis/", views.FolderAnalysisView.as_view(), name="folder-analysis"),
    path("folders/<int:pk>/lesson-plan/", views.FolderLessonPlanView.as_view(), name="folder-lesson-plan"),
    path("folders/<int:pk>/search/", views.FolderSearchView.as_view(), name="folder-search"),
    path("folders/<int:pk>/quizzes/", views.FolderQuizzesView.as_view(), name="folder-quizzes"),
    path("folders/<int:pk>/mastery/", views.FolderMasteryView.as_view(), name="folder-mastery"),
    path("quizzes/<int:pk>/", views.QuizDetailView.as_view(), name="quiz-detail"),
    path("quizzes/<int:pk>/attempts/", views.QuizAttemptsView.as_view(), name="quiz-attempts"),
    path("sessions/", views.SessionListView.as_view(), name="session-list"),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("sessions/<int:pk>/end/", views.SessionEndView.as_view(), name="session-end"),
    path("sessions/<int:pk>/messages/", views.SessionMessagesView.as_view(), name="session-messages"),
    path("sessions/<int:pk>/analysis/", views.SessionAnalysisView.as_view(), name="session-analysis"),
    path("sessions/<int:pk>/invites/", views.SessionInvitesView.as_view(), name="session-invites"),
    path("sessions/<int:pk>/members/", views.SessionMembersView.as_view(), name="session-members"),
    path("sessions/<int:pk>/members/<int:user_id>/", views.SessionMemberView.as_view(), name="session-member"),
    path("invites/<str:code>/", views.InviteDetailView.as_view(), name="invite-detail"),
    path("invites/<str:code>/accept/", views.InviteAcceptView.as_view(), name="invite-accept"),
]
