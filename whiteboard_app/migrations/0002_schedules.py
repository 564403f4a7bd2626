"""Whiteboard maintenance in django-celery-beat's tables, so staff can change it in admin."""
from django.db import migrations

SCHEDULES = [
    # (name, task, every N minutes)
    ("Fold grown whiteboard logs into snapshots", "whiteboard_app.compact_boards", 5),
    ("Remove expired pointers and highlights from boards", "whiteboard_app.sweep_ephemeral", 1),
]


def add_schedules(apps, schema_editor):  # type: ignore[no-untyped-def]
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in SCHEDULES:
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every})


def remove_schedules(apps, schema_editor):  # type: ignore[no-untyped-def]
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("whiteboard_app", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedules, remove_schedules)]
