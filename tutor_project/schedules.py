"""Beat schedules stored by data migrations in django-celery-beat's tables, so staff can
change or pause them in admin (the DatabaseScheduler reads them there)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db import migrations


@dataclass(frozen=True)
class Every:
    minutes: int


@dataclass(frozen=True)
class Daily:
    """Once a day at this time, UTC (CELERY_TIMEZONE)."""

    hour: int
    minute: int = 0


@dataclass(frozen=True)
class Schedule:
    name: str
    task: str
    when: Every | Daily


def add_schedules(*schedules: Schedule) -> migrations.RunPython:
    """A migration operation creating the periodic tasks (kept as they are if staff already
    have them) and removing them when migrated back."""

    def add(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        for schedule in schedules:
            PeriodicTask.objects.get_or_create(name=schedule.name,
                                               defaults={"task": schedule.task, **_timing(apps, schedule.when)})

    def remove(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        PeriodicTask.objects.filter(name__in=[schedule.name for schedule in schedules]).delete()

    return migrations.RunPython(add, remove)


def _timing(apps, when: Every | Daily) -> dict:  # type: ignore[no-untyped-def]
    if isinstance(when, Every):
        IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
        interval, _ = IntervalSchedule.objects.get_or_create(every=when.minutes, period="minutes")
        return {"interval": interval}
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(when.minute), hour=str(when.hour), day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="UTC",
    )
    return {"crontab": crontab}
