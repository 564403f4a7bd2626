"""Turns run in their own task: cancel mid-stream, model failures, and the policy's other triggers."""
from __future__ import annotations

from tests.support.scripted_llm import error, reply
from sessions_app.models import Message
from tests.tutor.client import of_type

WORDS = [f"step{i} " for i in range(40)]


def test_cancel_mid_stream_stops_the_turn_and_keeps_the_partial_text(connect, tutor_session, llm):
    llm.script(reply("".join(WORDS), chunks=WORDS, chunk_delay=0.05))
    client = connect(tutor_session.pk)
    client.send({"type": "user.message", "client_id": "m1", "text": "Explain everything."})
    first = client.until_type("text.delta")[-1]
    client.send({"type": "cancel", "turn_id": first["turn_id"]})
    client.send({"type": "ping", "while": "cancelling"})
    frames = client.until_type("turn.completed")
    done = frames[-1]
    assert (done["turn_id"], done["status"]) == (first["turn_id"], "cancelled")
    said = "".join(f["text"] for f in of_type(client.frames, "text.delta"))
    assert said and done["content"]["text"] == said and len(said) < len("".join(WORDS))
    assert llm.wait_for_disconnect(5)  # the upstream stream was closed, not left running
    tutor = Message.objects.get(session=tutor_session, role="tutor")
    assert (tutor.status, tutor.text) == ("cancelled", said)
    if {"type": "pong", "while": "cancelling"} not in client.frames:  # answered mid-cancel, in any order
        client.until(lambda f: f == {"type": "pong", "while": "cancelling"})


def test_cancelling_a_turn_that_is_not_running_is_an_error(connect, tutor_session):
    client = connect(tutor_session.pk)
    client.send({"type": "cancel", "turn_id": "t-nothing"})
    error_frame = client.until_type("error")[-1]
    assert (error_frame["code"], error_frame["in_reply_to"]) == ("no_such_turn", "cancel")


def test_a_model_error_gives_a_retryable_error_and_the_session_keeps_working(connect, tutor_session, llm):
    llm.script(error(500), reply("Back again [1].", chunk_delay=0.01))
    client = connect(tutor_session.pk)
    client.send({"type": "user.message", "client_id": "m1", "text": "Hello?"})
    frames = client.until_type("turn.completed")
    failure = of_type(frames, "error")[0]
    assert (failure["code"], failure["retryable"], failure["in_reply_to"]) == ("llm_unavailable", True, "m1")
    assert frames[-1]["status"] == "failed"
    client.send({"type": "user.message", "client_id": "m2", "text": "Hello again?"})
    assert client.until_type("turn.completed")[-1]["status"] == "complete"


def test_help_asks_the_teacher_for_the_mode_requested(connect, tutor_session, llm, folder):
    from sessions_app.models import TutorSession
    from tests.tutor.test_lesson import PLAN

    session = TutorSession.objects.get(pk=tutor_session.pk)
    session.context.plan = PLAN
    session.save()
    llm.script(reply("For example, leaves look green [1].", chunk_delay=0.01))
    client = connect(tutor_session.pk)
    client.send({"type": "help", "mode": "example"})
    frames = client.until_type("turn.completed")
    assert of_type(frames, "turn.started")[0]["in_reply_to"] == "help"
    assert frames[-1]["content"]["action"] == "example"
    assert "one concrete example" in llm.chat_requests()[0]["messages"][-1]["content"]


def test_a_board_click_becomes_a_question_about_that_object(connect, tutor_session, llm):
    from whiteboard_app.actions import draw_question

    prompt = next(o for o in draw_question(tutor_session.pk, question_id="q1", prompt="Which pigment?",
                                           options=["A", "B", "C"]).objects if o.metadata.role != "option")
    llm.script(reply("That box shows the chloroplast [1].", chunk_delay=0.01))
    client = connect(tutor_session.pk)
    client.send({"type": "board.click", "object_id": prompt.id})
    frames = client.until_type("turn.completed")
    assert of_type(frames, "turn.started")[0]["in_reply_to"] == "board.click"
    assert prompt.id in llm.chat_requests()[0]["messages"][-1]["content"]


def test_a_click_on_an_object_that_is_not_drawn_is_an_error_not_a_turn(connect, tutor_session):
    client = connect(tutor_session.pk)
    client.send({"type": "board.click", "object_id": "nope"})
    error = client.until_type("error")[-1]
    assert error["code"] == "no_such_object" and error["in_reply_to"] == "board.click"
    assert not Message.objects.filter(session=tutor_session).exists()


def test_an_answer_without_a_pending_question_is_an_error(connect, tutor_session):
    client = connect(tutor_session.pk)
    client.send({"type": "quiz.answer", "question_id": 5, "option_index": 0})
    assert client.until_type("error")[-1]["code"] == "no_pending_question"


def test_after_session_end_turns_are_refused_but_the_socket_answers(connect, tutor_session, llm):
    from tests.tutor.test_lesson import ANALYSIS
    from tests.support.scripted_llm import json_reply

    llm.script(json_reply(ANALYSIS))
    client = connect(tutor_session.pk)
    client.send({"type": "session.end"})
    assert client.until_type("session.ended")[-1]["analysis_status"] == "queued"
    client.send({"type": "next"})
    assert client.until_type("error")[-1]["code"] == "session_ended"
    client.send({"type": "session.end"})  # ending twice is harmless, and answered
    assert client.until_type("session.ended")[-1]["analysis_status"] in ("running", "done")


def test_the_teacher_draws_on_the_board_and_sees_the_result(connect, tutor_session, llm):
    from tests.support.scripted_llm import tool_call

    llm.script(tool_call("draw_text", {"text": "6 CO2 + 6 H2O -> C6H12O6 + 6 O2"}),
               reply("I wrote the overall reaction on the board [1].", chunk_delay=0.01))
    client = connect(tutor_session.pk)
    client.send({"type": "user.message", "client_id": "m1", "text": "What is the overall reaction?"})
    frames = client.until_type("turn.completed")
    drawn = of_type(frames, "board.updated")[0]
    assert drawn["object_ids"] and drawn["turn_id"] == frames[-1]["turn_id"]
    tool_result = llm.chat_requests()[1]["messages"][-1]
    assert tool_result["role"] == "tool" and '"ok": true' in tool_result["content"]
    assert "draw_text" in {t["function"]["name"] for t in llm.chat_requests()[0]["tools"]}


def test_clicking_an_option_drawn_on_the_board_answers_the_question(connect, tutor_session):
    from sessions_app.models import Question, TutorSession
    from whiteboard_app.actions import draw_question

    question = Question.objects.create(session=tutor_session, kind="mcq", prompt="Which pigment is green?",
                                       options=["Chlorophyll", "Carotene", "Xanthophyll"], correct_index=0,
                                       concept="Chlorophyll", quote="Chlorophyll is the green pigment.")
    session = TutorSession.objects.get(pk=tutor_session.pk)
    session.context.pending_question_id = question.pk
    session.save()
    option = next(o for o in draw_question(session.pk, question_id=str(question.pk), prompt=question.prompt,
                                           options=question.options).objects if o.metadata.option_index == 0)
    client = connect(tutor_session.pk)
    client.send({"type": "board.click", "object_id": option.id})
    frames = client.until_type("turn.completed")
    assert of_type(frames, "turn.started")[0]["in_reply_to"] == "board.click"
    assert of_type(frames, "feedback")[0]["correct"] is True
    client.send({"type": "board.click", "object_id": option.id})  # answered already
    assert client.until_type("error")[-1]["code"] == "no_pending_question"


def test_a_session_ended_elsewhere_refuses_turns_on_an_open_socket(connect, tutor_session):
    from sessions_app import actions

    client = connect(tutor_session.pk)
    client.send({"type": "ping"})
    client.until_type("pong")
    actions.end_session(tutor_session)
    client.send({"type": "next"})
    assert client.until_type("error")[-1]["code"] == "session_ended"
    client.send({"type": "user.message", "client_id": "late", "text": "Still there?"})
    refused = client.until_type("error")[-1]
    assert (refused["code"], refused["in_reply_to"]) == ("session_ended", "late")
    client.send({"type": "pace", "value": 1.2})
    assert client.until_type("error")[-1]["code"] == "session_ended"
    # Refused means nothing stored: no message, no turn started.
    assert not Message.objects.filter(session=tutor_session).exists()
    assert not tutor_session.events.filter(type="turn.started").exists()
