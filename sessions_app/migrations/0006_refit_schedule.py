"""Refitting BKT parameters nightly, on a beat schedule staff can change in admin."""
from django.db import migrations

from tutor_project.schedules import Daily, Schedule, add_schedules


class Migration(migrations.Migration):
    dependencies = [
        ("sessions_app", "0005_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        add_schedules(Schedule("Refit BKT parameters from answer history", "sessions_app.refit_bkt",
                               Daily(hour=1, minute=0))),
    ]
