"""Create a demo learner with a folder and a sample document (idempotent)."""
from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandParser

from sessions_app import actions
from sessions_app.models import Folder
from sessions_app.uploads import check_uploads

SAMPLE = Path(__file__).resolve().parents[2] / "demo" / "photosynthesis.md"


class Command(BaseCommand):
    help = "Create the demo learner, a 'Photosynthesis' folder and its sample document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo-tutor-2026")

    def handle(self, *args: object, username: str, password: str, **options: object) -> None:
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            user = actions.register_learner(username=username, password=password)
            self.stdout.write(f"Created learner {username!r} with password {password!r}.")
        folder = Folder.live.filter(owner=user, name="Photosynthesis").first()
        if folder is None:
            folder = actions.create_folder(user, name="Photosynthesis", description="Demo subject")
        if not folder.documents.exists():
            upload = SimpleUploadedFile(SAMPLE.name, SAMPLE.read_bytes(), content_type="text/markdown")
            actions.add_documents(folder, check_uploads(folder, [upload]))
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: learner {username!r}, folder {folder.pk} with {folder.documents.count()} document(s)."
        ))
