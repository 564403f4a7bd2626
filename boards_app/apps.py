from django.apps import AppConfig


class BoardsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "boards_app"
    verbose_name = "Board management"
