"""Periodic maintenance in django-celery-beat's tables, so staff can change it in admin."""
from django.db import migrations

from tutor_project.schedules import Every, Schedule, add_schedules


class Migration(migrations.Migration):
    dependencies = [
        ("agents_app", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        add_schedules(Schedule("Re-enqueue documents stuck in a stage", "agents_app.sweep_stuck_documents",
                               Every(minutes=5))),
    ]
