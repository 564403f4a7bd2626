from django.urls import path

from boards_app import views

urlpatterns = [
    path("sessions/<int:pk>/board/", views.BoardSummaryView.as_view(), name="board-summary"),
    path("sessions/<int:pk>/board/snapshots/", views.BoardSnapshotsView.as_view(), name="board-snapshots"),
    path("sessions/<int:pk>/board/at/", views.BoardAtView.as_view(), name="board-at"),
    path("sessions/<int:pk>/board/export.svg", views.BoardExportView.as_view(), name="board-export"),
    path("sessions/<int:pk>/board/analytics/", views.BoardAnalyticsView.as_view(), name="board-analytics"),
]
