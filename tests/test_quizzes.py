"""Quizzes through the API on the offline engine: generate, read without answers, submit,
graded feedback, mastery moving the right way, the concept map."""
from pathlib import Path

import pytest

from agents_app import mastery as bkt
from sessions_app import actions
from sessions_app.models import ConceptMastery, Question, QuizAttempt
from sessions_app.uploads import check_uploads
from tests.samples import upload

pytestmark = pytest.mark.django_db(transaction=True)

DOC = Path(__file__).parent / "fixtures" / "docs" / "photosynthesis.md"


@pytest.fixture
def folder(learner):
    folder = actions.create_folder(learner, name="Biology")
    actions.add_documents(folder, check_uploads(folder, [upload("photosynthesis.md", DOC.read_bytes())]))
    return folder


def make_quiz(api, folder, **body) -> dict:
    response = api.post(f"/api/v1/folders/{folder.pk}/quizzes/", {"count": 4, **body}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_generated_quiz_shows_its_questions_but_never_their_answers(api, folder):
    quiz = make_quiz(api, folder)
    assert quiz["offline"] is True and "offline mode" in quiz["title"]
    assert 1 <= len(quiz["questions"]) <= 4
    for question in quiz["questions"]:
        assert set(question) == {"id", "kind", "prompt", "options", "concept", "citation"}
        assert question["kind"] == "mcq" and len(question["options"]) >= 3
        assert question["citation"]["document_id"] and question["citation"]["chunk_id"]
    again = api.get(f"/api/v1/quizzes/{quiz['id']}/").json()
    assert again == quiz
    listing = api.get(f"/api/v1/folders/{folder.pk}/quizzes/").json()
    assert [q["id"] for q in listing["results"]] == [quiz["id"]]


def test_a_second_quiz_repeats_no_question_of_the_first(api, folder):
    first = {q["prompt"] for q in make_quiz(api, folder)["questions"]}
    second = {q["prompt"] for q in make_quiz(api, folder)["questions"]}
    assert not first & second


def test_an_attempt_is_graded_per_question_and_moves_mastery_the_right_way(api, learner, folder):
    quiz = make_quiz(api, folder, count=4)
    rows = {q.pk: q for q in Question.objects.filter(quiz_id=quiz["id"])}
    right = quiz["questions"][0]
    # Answer one question on another concept wrongly, so each concept moves one way only.
    wrong = next(q for q in quiz["questions"] if rows[q["id"]].concept != rows[right["id"]].concept)
    wrong_option = (rows[wrong["id"]].correct_index + 1) % len(wrong["options"])
    body = {"answers": [{"question_id": right["id"], "option_index": rows[right["id"]].correct_index},
                        {"question_id": wrong["id"], "option_index": wrong_option}]}
    attempt = api.post(f"/api/v1/quizzes/{quiz['id']}/attempts/", body, format="json")
    assert attempt.status_code == 201, attempt.json()
    result = attempt.json()
    total = len(quiz["questions"])  # unanswered questions count as not known
    assert (result["correct_count"], result["total"], result["score"]) == (1, total, round(1 / total, 4))
    by_question = {r["question_id"]: r for r in result["results"]}
    assert by_question[right["id"]]["correct"] is True
    assert by_question[wrong["id"]]["correct"] is False
    assert by_question[wrong["id"]]["correct_option_index"] == rows[wrong["id"]].correct_index
    assert by_question[wrong["id"]]["quote"] and by_question[wrong["id"]]["feedback"]

    changes = {c["concept"]: c for c in result["mastery_changes"]}
    up, down = changes[rows[right["id"]].concept], changes[rows[wrong["id"]].concept]
    assert up["after"] > up["before"] == pytest.approx(bkt.DEFAULT_BKT.prior)
    assert down["after"] < down["before"]
    wrong_row = ConceptMastery.objects.get(learner=learner, concept=rows[wrong["id"]].concept)
    assert wrong["options"][wrong_option] in wrong_row.confusion_notes

    history = api.get(f"/api/v1/quizzes/{quiz['id']}/attempts/").json()
    assert history["count"] == 1 and history["results"][0]["id"] == result["id"]

    concept_map = api.get(f"/api/v1/folders/{folder.pk}/mastery/").json()["results"]
    practised = {e["concept"]: e for e in concept_map if e["attempts"]}
    assert practised[rows[right["id"]].concept]["p_known"] > bkt.DEFAULT_BKT.prior
    assert any(e["attempts"] == 0 and e["trend"] == "new" for e in concept_map)


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ([], "invalid"),
        ([{"question_id": 999_999, "option_index": 0}], "invalid_answer"),
        ([{"question_id": "Q", "option_index": 0}], "invalid"),
        (["not an object"], "invalid"),
        ([{"option_index": 0}], "invalid"),
    ],
)
def test_a_malformed_attempt_is_refused_and_stores_nothing(api, folder, answers, code):
    quiz = make_quiz(api, folder, count=1)
    response = api.post(f"/api/v1/quizzes/{quiz['id']}/attempts/", {"answers": answers}, format="json")
    assert response.status_code == 400 and response.json()["code"] == code
    assert not QuizAttempt.objects.exists() and not ConceptMastery.objects.exists()


def test_answers_must_fit_their_question(api, folder):
    quiz = make_quiz(api, folder, count=1)
    question = quiz["questions"][0]
    url = f"/api/v1/quizzes/{quiz['id']}/attempts/"
    for answer in ({"question_id": question["id"], "option_index": 99},
                   {"question_id": question["id"], "text": "photosynthesis"},
                   {"question_id": question["id"], "option_index": 0, "text": "both"}):
        response = api.post(url, {"answers": [answer]}, format="json")
        assert response.status_code == 400, answer
    twice = api.post(url, {"answers": [{"question_id": question["id"], "option_index": 0}] * 2}, format="json")
    assert twice.status_code == 400 and "twice" in twice.json()["detail"]
    assert not QuizAttempt.objects.exists()


def test_a_quiz_on_an_empty_folder_is_refused_clearly(api, learner):
    empty = actions.create_folder(learner, name="Empty")
    response = api.post(f"/api/v1/folders/{empty.pk}/quizzes/", {"count": 3}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "empty_folder"


@pytest.mark.parametrize("body", [{"count": 0}, {"count": 50}, {"difficulty": "extreme"}, {"concepts": []}])
def test_bad_quiz_requests_get_field_errors(api, folder, body):
    response = api.post(f"/api/v1/folders/{folder.pk}/quizzes/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_asking_for_more_questions_than_the_documents_support_returns_what_there_is_and_says_so(api, folder):
    quiz = make_quiz(api, folder, count=20, concepts=["stomata"])
    assert quiz["requested"] == 20 and quiz["available"] == len(quiz["questions"]) >= 1
    assert quiz["available"] < 20 and str(quiz["available"]) in quiz["warning"]
    enough = make_quiz(api, folder, count=1)
    assert enough["available"] == 1 and enough["warning"] is None


def test_difficulty_changes_the_kind_of_question(api, folder):
    easy = make_quiz(api, folder, count=3, difficulty="easy")["questions"]
    hard = make_quiz(api, folder, count=3, difficulty="hard")["questions"]
    assert any(q["prompt"].startswith("Which term does your text define") for q in easy)
    assert all(q["prompt"].startswith(("Read this passage", "Apply what you know")) for q in hard)
    assert not {q["prompt"] for q in easy} & {q["prompt"] for q in hard}
