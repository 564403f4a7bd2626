from sessions_app import actions as session_actions
from boards_app.summary import summary_text
from whiteboard_app.history import drawn_object, option_of
from whiteboard_app import actions


def test_the_teacher_sees_the_board_as_bounded_text(learner):
    session = session_actions.start_session(learner, session_actions.create_folder(learner, name="Maths"))
    assert summary_text(session).startswith("board 1600x1000; objects by source: none")
    actions.draw_question(session.pk, question_id="q5", prompt="What is 7 x 6?", options=["42", "48"])
    text = summary_text(session, max_chars=800)
    assert "multiple-choice question" in text and "What is 7 x 6?" in text and len(text) <= 800


def test_a_click_on_an_option_names_its_question_and_index(learner):
    session = session_actions.start_session(learner, session_actions.create_folder(learner, name="Maths"))
    actions.draw_question(session.pk, question_id="q5", prompt="What is 7 x 6?", options=["42", "48"])
    assert option_of(drawn_object(session, "mcq-q5-opt-1")) == ("q5", 1)
    assert option_of(drawn_object(session, "mcq-q5-text")) is None
    assert drawn_object(session, "missing") is None
