from django.urls import path

from agents_app import views

urlpatterns = [
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
]
