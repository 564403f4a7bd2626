from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_app"
    verbose_name = "Learning domain"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process (Daphne queues them by name too).
        from sessions_app import tasks  # noqa: F401
