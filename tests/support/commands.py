"""Running management commands as an operator would, capturing what they print."""
from io import StringIO

from django.core.management import call_command


def command_output(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()
