from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tutor_project.web.app import CLIENT_ROUTES, web_app
from tutor_project.web.health import healthz, readyz
from tutor_project.web.metrics import metrics_view

api_v1 = [
    path("", include("sessions_app.urls")),
    path("", include("agents_app.urls")),
    path("", include("boards_app.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    # Last: the web app's own routes (never an API path, so API 404s stay JSON).
    re_path(CLIENT_ROUTES, web_app, name="web-app"),
]

handler404 = "tutor_project.web.api.not_found"
handler500 = "tutor_project.web.api.server_error"
