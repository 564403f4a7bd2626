"""Show the LLM configuration and check that the model server answers."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents_app import llm_check
from agents_app.errors import AgentError
from agents_app.registry import agent_names


class Command(BaseCommand):
    help = ("Report the LLM configuration (server, key, default model, per-agent AgentConfig) and make one tiny "
            "request through the gateway; exits non-zero when the server does not answer.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agent", choices=agent_names(), default=None,
                            help="make the request with this agent's model settings (default: LLM_DEFAULT_MODEL)")

    def handle(self, *args: object, agent: str | None, **options: object) -> None:
        self._report_configuration()
        if not llm_check.has_key():
            self.stdout.write("Offline mode: OPENAI_API_KEY is not set, so the offline engine answers every agent; "
                              "no request made.")
            return
        try:
            result = llm_check.probe(agent)
        except AgentError as exc:
            raise CommandError(f"The model server did not answer ({exc.code}): {exc.message}") from None
        self.stdout.write(self.style.SUCCESS(
            f"OK: {result.model} answered {result.text[:80]!r} in {result.latency_ms} ms "
            f"({result.prompt_tokens} prompt + {result.completion_tokens} completion tokens)."
        ))

    def _report_configuration(self) -> None:
        self.stdout.write(f"Server: {settings.OPENAI_BASE_URL or 'OpenAI (OPENAI_BASE_URL unset)'}")
        self.stdout.write(f"API key: {'set' if llm_check.has_key() else 'not set'}")
        self.stdout.write(f"Default model: {settings.LLM_DEFAULT_MODEL}")
        self.stdout.write(f"Embedding model: {settings.EMBEDDING_MODEL or 'unset (keyword search only)'}")
        self.stdout.write("Agents:")
        for line in llm_check.agent_lines():
            state = "enabled" if line.enabled else "disabled (offline engine)"
            source = "" if line.configured else ", defaults (no AgentConfig yet)"
            self.stdout.write(f"  {line.agent}: {line.model}, {state}{source}")
