"""Whiteboard maintenance in django-celery-beat's tables, so staff can change it in admin."""
from django.db import migrations

from tutor_project.schedules import Every, Schedule, add_schedules


class Migration(migrations.Migration):
    dependencies = [
        ("whiteboard_app", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        add_schedules(
            Schedule("Fold grown whiteboard logs into snapshots", "whiteboard_app.compact_boards", Every(minutes=5)),
            Schedule("Remove expired pointers and highlights from boards", "whiteboard_app.sweep_ephemeral",
                     Every(minutes=1)),
        ),
    ]
