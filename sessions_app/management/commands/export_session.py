"""Write one tutor session (transcript, events, board, analysis, mastery) as JSON."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from sessions_app.export import export_session
from sessions_app.models import TutorSession


class Command(BaseCommand):
    help = ("Export a tutor session as one JSON document: the session, its transcript, event log, board, "
            "analysis and the learner's mastery of the folder.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("session_id", type=int)
        parser.add_argument("--output", type=Path, default=None, help="write to this file instead of stdout")

    def handle(self, *args: object, session_id: int, output: Path | None, **options: object) -> None:
        session = TutorSession.objects.select_related("learner", "folder").filter(pk=session_id).first()
        if session is None:
            raise CommandError(f"no tutor session with id {session_id}")
        document = json.dumps(export_session(session), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        if output is None:
            self.stdout.write(document)
            return
        try:
            output.write_text(document + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        self.stdout.write(f"Wrote session {session_id} to {output}.")
