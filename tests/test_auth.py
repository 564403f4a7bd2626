import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db


def test_it_registers_a_learner_and_issues_working_tokens(client_for):
    anonymous = client_for()
    response = anonymous.post("/api/v1/auth/register/", {"username": "grace", "password": "a-long-pass-phrase-1"})
    assert response.status_code == 201
    assert response.json()["username"] == "grace"
    assert "password" not in response.json()

    tokens = anonymous.post("/api/v1/auth/token/", {"username": "grace", "password": "a-long-pass-phrase-1"}).json()
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert anonymous.get("/api/v1/auth/me/").json()["username"] == "grace"

    refreshed = client_for().post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200 and refreshed.json()["access"]


def test_it_rejects_a_taken_username_and_a_weak_password_with_json_errors(client_for, learner):
    anonymous = client_for()
    taken = anonymous.post("/api/v1/auth/register/", {"username": "ADA", "password": "a-long-pass-phrase-1"})
    assert taken.status_code == 400
    assert taken.json()["code"] == "invalid" and "username" in taken.json()["fields"]

    weak = anonymous.post("/api/v1/auth/register/", {"username": "bob", "password": "123"})
    assert weak.status_code == 400 and "password" in weak.json()["fields"]
    assert not get_user_model().objects.filter(username="bob").exists()


def test_it_answers_bad_credentials_and_missing_tokens_with_401_json(client_for, learner):
    anonymous = client_for()
    bad = anonymous.post("/api/v1/auth/token/", {"username": "ada", "password": "wrong"})
    assert bad.status_code == 401 and bad.json()["code"]
    missing = anonymous.get("/api/v1/auth/me/")
    assert missing.status_code == 401
    assert missing.json() == {"code": "not_authenticated", "detail": missing.json()["detail"]}
    anonymous.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert anonymous.get("/api/v1/auth/me/").status_code == 401
