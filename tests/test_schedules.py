import pytest
from django_celery_beat.models import PeriodicTask

from tutor_project.celery import app

pytestmark = pytest.mark.django_db


def test_every_stored_schedule_names_a_registered_task_and_the_sweep_is_scheduled():
    app.loader.import_default_modules()
    scheduled = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert scheduled.get("agents_app.sweep_stuck_documents") is True
    unknown = set(scheduled) - set(app.tasks)
    assert not unknown, f"schedules for unregistered tasks: {unknown}"
