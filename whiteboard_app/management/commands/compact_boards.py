from django.core.management.base import BaseCommand, CommandParser

from whiteboard_app import actions
from whiteboard_app.models import Board


class Command(BaseCommand):
    help = "Fold whiteboard update logs into snapshots (all boards, or the given session ids)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("session_ids", nargs="*", type=int)

    def handle(self, *args: object, session_ids: list[int], **options: object) -> None:
        boards = Board.objects.all()
        if session_ids:
            boards = boards.filter(session_id__in=session_ids)
        for board in boards.only("pk", "session_id"):
            snapshot = actions.compact_board(board.pk)
            status = f"snapshot at seq {snapshot.seq}" if snapshot else "nothing new"
            self.stdout.write(f"session {board.session_id}: {status}")
