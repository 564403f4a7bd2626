"""The nightly analytics rollup, on a beat schedule staff can change in admin."""
from django.db import migrations

from tutor_project.schedules import Daily, Schedule, add_schedules


class Migration(migrations.Migration):
    dependencies = [
        ("agents_app", "0003_daily_stats"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        add_schedules(Schedule("Compute yesterday's analytics (UTC)", "agents_app.rollup_day", Daily(hour=0, minute=30))),
    ]
