from django.apps import AppConfig


class AgentsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "agents_app"
    verbose_name = "AI agents and pipeline"

    def ready(self) -> None:
        # Registers the Celery tasks in every process: sessions_app.actions enqueues them by
        # name, and where tasks run eagerly the caller's process must know them.
        from agents_app import tasks  # noqa: F401
