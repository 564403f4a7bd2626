"""Closing stale tutor sessions, on a beat schedule staff can change in admin."""
from django.db import migrations

from tutor_project.schedules import Every, Schedule, add_schedules


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0004_document_warnings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        add_schedules(Schedule("End tutor sessions idle past TUTOR_STALE_SESSION_HOURS",
                               "sessions_app.close_stale_sessions", Every(minutes=15))),
    ]
