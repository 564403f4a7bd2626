"""`manage.py check_llm`: the configuration, and one real request through the gateway to the
scripted OpenAI-compatible server."""

import pytest
from django.core.management import CommandError

from agents_app.models import AgentConfig, AgentRun
from tests.support.scripted_llm import error, reply
from tests.support.commands import command_output

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def model_server(settings, llm):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "test-key", llm.base_url
    settings.LLM_DEFAULT_MODEL = "scripted-mini"
    return llm


def check(*args: str) -> str:
    return command_output("check_llm", *args)


def test_it_reports_the_configuration_and_the_answer_of_one_request(model_server):
    AgentConfig.objects.create(agent="teacher", model="scripted-large")
    AgentConfig.objects.create(agent="planner", enabled=False)
    model_server.script(reply("OK"))
    output = check()
    assert f"Server: {model_server.base_url}" in output and "API key: set" in output
    assert "Default model: scripted-mini" in output
    assert "  teacher: scripted-large, enabled\n" in output
    assert "  planner: scripted-mini, disabled (offline engine)\n" in output
    assert "  analyzer: scripted-mini, enabled, defaults (no AgentConfig yet)\n" in output
    assert "OK: scripted-mini answered 'OK'" in output
    [request] = model_server.chat_requests()
    assert request["model"] == "scripted-mini" and request["max_tokens"] == 8
    run = AgentRun.objects.get(agent="check_llm")
    assert run.status == "ok" and not run.offline and run.completion_tokens > 0


def test_agent_makes_the_request_with_that_agents_model(model_server):
    AgentConfig.objects.create(agent="teacher", model="scripted-large")
    model_server.script(reply("OK"))
    assert "OK: scripted-large answered" in check("--agent", "teacher")
    assert model_server.chat_requests()[0]["model"] == "scripted-large"


def test_a_failing_server_is_a_non_zero_exit_naming_the_failure(model_server):
    model_server.script(error(503))
    with pytest.raises(CommandError, match=r"did not answer \(llm_unavailable\)"):
        check()
    assert len(model_server.chat_requests()) == 1  # reported at once, not after retries
    assert AgentRun.objects.get(agent="check_llm").status == "error"


def test_an_unreachable_server_is_a_non_zero_exit(settings):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "test-key", "http://127.0.0.1:9/v1"  # nothing listens
    with pytest.raises(CommandError, match="did not answer"):
        check()


def test_without_a_key_it_says_offline_mode_and_sends_nothing(settings, llm):
    settings.OPENAI_API_KEY, settings.OPENAI_BASE_URL = "", llm.base_url
    output = check()
    assert "API key: not set" in output and "Offline mode" in output
    assert llm.requests == [] and not AgentRun.objects.exists()
