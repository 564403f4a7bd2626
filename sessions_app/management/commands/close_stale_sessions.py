"""End tutor sessions left active with no activity, as the scheduled sweep does."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sessions_app import stale


class Command(BaseCommand):
    help = ("End tutor sessions with no activity for longer than --hours (default TUTOR_STALE_SESSION_HOURS), "
            "queueing their analysis as ending them over the API does.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=float, default=None,
                            help="idle time that counts as stale (default TUTOR_STALE_SESSION_HOURS)")
        parser.add_argument("--dry-run", action="store_true", help="list the stale sessions, end none")

    def handle(self, *args: object, hours: float | None, dry_run: bool, **options: object) -> None:
        hours = settings.TUTOR_STALE_SESSION_HOURS if hours is None else hours
        if hours <= 0:
            raise CommandError("--hours must be more than 0")
        idle = timedelta(hours=hours)
        if dry_run:
            sessions = stale.stale_sessions(idle).select_related("learner")
            for session in sessions:
                self.stdout.write(f"Would end session {session.pk} of {session.learner.username} "
                                  f"(last activity {session.last_activity_at:%Y-%m-%d %H:%M} UTC).")
            self.stdout.write(f"{len(sessions)} session(s) idle for more than {hours:g} hour(s); none ended.")
            return
        closed = stale.close_stale_sessions(idle)
        self.stdout.write(f"Ended {len(closed)} session(s) idle for more than {hours:g} hour(s)"
                          + (f": {', '.join(map(str, closed))}." if closed else "."))
