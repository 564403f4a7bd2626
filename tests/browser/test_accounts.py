"""Signing up, out and in, in a real browser."""
from __future__ import annotations

from tests.browser.helpers import sign_in


def test_a_new_learner_signs_up_logs_out_and_logs_back_in(app_url, page):
    page.goto(app_url)
    page.wait_for_url("**/login")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("a-long-enough-secret-42")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Your subjects").wait_for()
    page.get_by_text("No subjects yet").wait_for()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    page.goto(f"{app_url}/")  # signed out: the app sends the learner to the login page
    page.wait_for_url("**/login")

    sign_in(page, app_url, "grace", "a-long-enough-secret-42")
    assert page.url.rstrip("/") == app_url


def test_a_wrong_password_and_a_short_one_are_explained_beside_the_form(app_url, page, learner):
    page.goto(f"{app_url}/login")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."

    page.goto(f"{app_url}/register")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill("123")
    page.get_by_role("button", name="Create account").click()
    page.locator(".field-error").first.wait_for()
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"


def test_subjects_are_created_renamed_and_deleted(app_url, page, learner):
    sign_in(page, app_url)
    page.get_by_role("button", name="New subject").click()
    page.get_by_label("Subject name").fill("Cell biology")
    page.get_by_role("button", name="Create subject").click()
    page.get_by_role("link", name="Cell biology").wait_for()

    page.get_by_role("button", name="Rename Cell biology").click()
    page.get_by_label("New name for Cell biology").fill("Cells")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Cells", exact=True).wait_for()

    page.get_by_role("button", name="Delete Cells").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete subject").click()
    page.get_by_text("No subjects yet").wait_for()
    assert not learner.folders.filter(deleted_at__isnull=True).exists()


def test_another_learners_lesson_and_subject_are_not_shown(app_url, page, lesson, other_learner):
    sign_in(page, app_url, "mallory", "another-long-secret-9")
    page.goto(f"{app_url}/learn/{lesson.pk}")
    page.get_by_role("status").filter(has_text="This lesson is not available").wait_for()
    assert page.locator("article").count() == 0
    page.goto(f"{app_url}/folders/{lesson.folder_id}/overview")
    page.get_by_role("alert").first.wait_for()
    assert "Photosynthesis" not in page.locator("main").inner_text()
