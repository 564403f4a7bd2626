"""The board endpoints at their contract paths, whether or not the project's URLConf
includes them yet."""
from django.urls import include, path

urlpatterns = [path("api/v1/", include("boards_app.urls"))]
