from django.apps import AppConfig


class WhiteboardAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "whiteboard_app"
    verbose_name = "Live whiteboard"
