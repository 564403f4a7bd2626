from django.apps import AppConfig


class SessionsAppConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sessions_app"
    verbose_name = "Learning domain"

    def ready(self) -> None:
        # Registers the Celery tasks in every process: the actions enqueue them by name (they
        # call the actions, so importing them there would be a cycle), and where tasks run
        # eagerly the caller's process must know them.
        from sessions_app import tasks  # noqa: F401
        from sessions_app import signals  # noqa: F401  (connects the receivers)
