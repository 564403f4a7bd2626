import xml.etree.ElementTree as ET

import pytest
from pycrdt import Doc

from sessions_app import actions as session_actions
from tests.whiteboard.factories import learner_stroke
from whiteboard_app import actions
from whiteboard_app.board import objects_map
from whiteboard_app.skills import draw_mcq, draw_table

pytestmark = pytest.mark.urls("tests.boards.urls")


@pytest.fixture
def session(learner):
    return session_actions.start_session(learner, session_actions.create_folder(learner, name="Biology"))


def learner_draws(session, object_id: str) -> None:
    doc, captured = Doc(), []
    doc.observe(lambda event: captured.append(event.update))
    objects_map(doc)[object_id] = learner_stroke(object_id, [(900, 900), (950, 960)]).to_json()
    board = actions.board_for_session(session)
    actions.append_update(board.pk, captured[0], origin="test")


@pytest.fixture
def drawn(session):
    """A question, a learner stroke, a snapshot, then a table."""
    actions.draw_on_board(session.pk, lambda ctx, state: draw_mcq(ctx, "Which gas?", ["O2", "CO2"], question_id="q1"))
    learner_draws(session, "u-1")
    actions.compact_board(actions.board_for_session(session).pk)
    actions.draw_on_board(session.pk, lambda ctx, state: draw_table(ctx, [["a", "b"]]))
    return session


def test_the_summary_names_what_is_drawn_within_its_bound(api, drawn):
    response = api.get(f"/api/v1/sessions/{drawn.pk}/board/", {"max_chars": 1500})
    assert response.status_code == 200
    body = response.json()
    assert body["seq"] == 3
    assert {g["what"] for g in body["summary"]["groups"]} == {"multiple-choice question", "table"}
    assert "Which gas?" in body["text"]
    assert body["summary"]["objects_by_source"]["user"] == 1
    assert api.get(f"/api/v1/sessions/{drawn.pk}/board/", {"max_chars": 5}).json()["code"] == "invalid"


def test_history_lists_snapshots_and_gives_the_state_at_a_point(api, drawn):
    snapshots = api.get(f"/api/v1/sessions/{drawn.pk}/board/snapshots/").json()
    assert [s["seq"] for s in snapshots["results"]] == [2]
    early = api.get(f"/api/v1/sessions/{drawn.pk}/board/at/", {"seq": 1}).json()
    assert early["seq"] == 1 and "mcq-q1-opt-1" in early["objects"] and "u-1" not in early["objects"]
    later = api.get(f"/api/v1/sessions/{drawn.pk}/board/at/", {"seq": 3}).json()
    assert "u-1" in later["objects"] and any(k.startswith("table-") for k in later["objects"])
    missing = api.get(f"/api/v1/sessions/{drawn.pk}/board/at/")
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"


def test_the_export_is_svg_of_the_board(api, drawn):
    response = api.get(f"/api/v1/sessions/{drawn.pk}/board/export.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    ids = {g.get("data-id") for g in root.iter("{http://www.w3.org/2000/svg}g")}
    assert {"mcq-q1-text", "u-1"} <= ids
    old = ET.fromstring(api.get(f"/api/v1/sessions/{drawn.pk}/board/export.svg", {"seq": 1}).content)
    assert "u-1" not in {g.get("data-id") for g in old.iter("{http://www.w3.org/2000/svg}g")}


def test_analytics_count_objects_and_learner_annotations(api, drawn):
    body = api.get(f"/api/v1/sessions/{drawn.pk}/board/analytics/").json()
    assert body["objects_by_source_and_kind"]["user"] == {"path": 1}
    assert body["objects_by_source_and_kind"]["assistant"]["rect"] == 4  # 2 options + 2 cells
    buckets = body["learner_annotations"]["buckets"]
    assert sum(b["added"] for b in buckets) == 1 and buckets[-1]["total"] == 1


def test_a_board_nobody_drew_on_is_empty(api, session):
    body = api.get(f"/api/v1/sessions/{session.pk}/board/").json()
    assert body["seq"] == 0 and body["summary"]["groups"] == []
    assert api.get(f"/api/v1/sessions/{session.pk}/board/snapshots/").json()["results"] == []


@pytest.mark.parametrize("path", ["board/", "board/snapshots/", "board/at/?seq=1", "board/export.svg",
                                  "board/analytics/"])
def test_every_board_endpoint_is_hidden_from_other_users(client_for, other_learner, drawn, path):
    outsider = client_for(other_learner)
    response = outsider.get(f"/api/v1/sessions/{drawn.pk}/{path}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert client_for().get(f"/api/v1/sessions/{drawn.pk}/{path}").status_code == 401
