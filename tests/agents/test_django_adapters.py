"""AgentConfig edited in admin drives the next call; every call leaves an AgentRun row."""
from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse

from agents_app.agents.teacher import TeacherRequest, teach
from agents_app.models import AgentConfig, AgentRun
from agents_app.policy import Action
from agents_app.runs import AgentSettings, CallContext, RunRecord
from tests.support.scripted_llm import Step, error
from agents_app.telemetry import DjangoConfigProvider, DjangoRunRecorder, DjangoSessionBudget
from agents_app.wiring import build_gateway, gateway_config
from tests.agents.conftest import collect, make_gateway
from sessions_app import actions
from tests.agents.sample_docs import load_chunks

REQUEST = TeacherRequest(action=Action.EXPLAIN, message="What is mass?", passages=load_chunks("newtons_laws")[:2])


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("staff", "staff@example.org", "a-long-staff-pw-1"))
    return client


@pytest.fixture
def django_gateway(llm):
    return make_gateway(llm, DjangoConfigProvider("test-model"), DjangoRunRecorder())


async def teach_once(gateway) -> list:
    return await collect(teach(gateway, CallContext(), REQUEST))


def edit(client, row: AgentConfig, **changes):
    data = {"agent": row.agent, "model": row.model, "temperature": row.temperature, "max_tokens": row.max_tokens,
            "prompt_version": row.prompt_version, "enabled": "on" if row.enabled else "", **changes}
    return client.post(reverse("admin:agents_app_agentconfig_change", args=[row.pk]), data)


@pytest.mark.django_db(transaction=True)
def test_changing_an_agent_config_in_admin_changes_the_next_call(staff_client, django_gateway, llm):
    llm.script(Step(text="Mass is matter [1]."), Step(text="Mass is measured in kilograms [1]."))
    async_to_sync(teach_once)(django_gateway)
    row = AgentConfig.objects.get(agent="teacher")
    response = edit(staff_client, row, model="admin-chosen-model", temperature=1.1, max_tokens=77)
    assert response.status_code == 302
    async_to_sync(teach_once)(django_gateway)
    first, second = llm.chat_requests()
    assert (first["model"], first["temperature"], first["max_tokens"]) == ("test-model", 0.3, 1024)
    assert (second["model"], second["temperature"], second["max_tokens"]) == ("admin-chosen-model", 1.1, 77)
    runs = list(AgentRun.objects.order_by("id").values_list("agent", "model", "status"))
    assert runs == [("teacher", "test-model", "ok"), ("teacher", "admin-chosen-model", "ok")]


@pytest.mark.django_db(transaction=True)
def test_disabling_an_agent_in_admin_switches_it_to_the_offline_engine(staff_client, django_gateway, llm):
    row = AgentConfig.objects.create(agent="teacher")
    assert edit(staff_client, row, enabled="").status_code == 302
    events = async_to_sync(teach_once)(django_gateway)
    assert events[-1].offline and llm.chat_requests() == []
    assert AgentRun.objects.get().offline


@pytest.mark.django_db(transaction=True)
def test_admin_refuses_unknown_agents_and_prompt_versions(staff_client):
    row = AgentConfig.objects.create(agent="planner")
    response = edit(staff_client, row, prompt_version="v99")
    assert response.status_code == 200 and "planner has prompt versions: v1" in response.content.decode()
    add = staff_client.post(reverse("admin:agents_app_agentconfig_add"),
                            {"agent": "oracle", "temperature": 0.3, "max_tokens": 10, "prompt_version": "v1"})
    assert add.status_code == 200 and not AgentConfig.objects.filter(agent="oracle").exists()


@pytest.mark.django_db(transaction=True)
def test_agent_runs_are_listed_read_only_in_admin(staff_client, django_gateway, llm):
    llm.script(error(429, retry_after=0.01), Step(text="ok"))
    async_to_sync(teach_once)(django_gateway)
    run = AgentRun.objects.get()
    assert run.attempts == 2 and run.latency_ms >= 0 and run.prompt_tokens > 0
    listing = staff_client.get(reverse("admin:agents_app_agentrun_changelist"))
    assert listing.status_code == 200 and "teacher" in listing.content.decode()
    assert staff_client.get(reverse("admin:agents_app_agentrun_add")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_recorder_links_runs_to_their_learner(django_user_model):
    learner = django_user_model.objects.create_user("lin", password="a-long-password-2")
    async_to_sync(DjangoRunRecorder().record)(RunRecord(agent="planner", model="offline", prompt_version="v1",
                                                         status="ok", offline=True, user_id=learner.pk))
    assert AgentRun.objects.get().user == learner


def test_no_api_key_in_settings_means_the_offline_engine(settings):
    settings.OPENAI_API_KEY = ""
    settings.LLM_PRICES = {"local-model": {"input": 0, "output": 0}}
    config = gateway_config()
    assert config.api_key is None and "local-model" in config.prices
    assert not build_gateway().uses_llm(AgentSettings(agent="teacher", model="m"))
    assert build_gateway().guard is None
    settings.LLM_SESSION_BUDGET_USD = "0.50"
    assert build_gateway().guard.limit_usd == Decimal("0.50")


@pytest.fixture
def learner_session(learner):
    return actions.start_session(learner, actions.create_folder(learner, name="Physics"))


@pytest.mark.django_db(transaction=True)
def test_a_session_past_its_budget_continues_on_the_offline_engine(llm, learner_session):
    gateway = make_gateway(llm, DjangoConfigProvider("test-model"), DjangoRunRecorder(),
                           guard=DjangoSessionBudget(Decimal("0.01")))
    ctx = CallContext(session_id=learner_session.pk)
    AgentRun.objects.create(agent="teacher", model="m", status="ok", cost_usd=Decimal("0.006"), session=learner_session)
    llm.script(Step(text="Mass is matter [1]."))
    assert not async_to_sync(teach_once_in)(gateway, ctx)[-1].offline
    AgentRun.objects.create(agent="teacher", model="m", status="ok", cost_usd=Decimal("0.006"), session=learner_session)
    events = async_to_sync(teach_once_in)(gateway, ctx)
    assert events[-1].offline and events[-1].text.startswith("(offline mode)")
    assert len(llm.chat_requests()) == 1


async def teach_once_in(gateway, ctx) -> list:
    return await collect(teach(gateway, ctx, REQUEST))
