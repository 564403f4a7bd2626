from django.apps import AppConfig


class AgentsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agents_app"
    verbose_name = "AI agents and pipeline"

    def ready(self) -> None:
        # Register this app's Celery tasks in every process (Daphne queues them by name too).
        from agents_app import tasks  # noqa: F401
