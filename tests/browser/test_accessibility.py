"""axe-core (the npm package, injected into each page) finds no serious or critical
violation on any page; the quiz flow outside a lesson is walked on the way."""
from __future__ import annotations

import json

from tests.browser.conftest import FRONTEND_AXE, off_the_loop
from tests.browser.helpers import PHONE, WIDE, next_turn, open_lesson, sign_in


def violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.add_script_tag(path=str(FRONTEND_AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {json.dumps([n['target'] for n in v['nodes']][:3])}" for v in bad]


def check(page, where: str, found: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_load_state("networkidle")
    problems = violations(page)
    if problems:
        found[where] = problems


def test_no_page_has_a_serious_or_critical_accessibility_violation(app_url, new_page, lesson):
    found: dict[str, list[str]] = {}
    for viewport in (WIDE, PHONE):
        page = new_page(viewport, bypass_csp=True)  # axe is injected as an inline script
        name = "phone" if viewport is PHONE else "wide"
        page.goto(f"{app_url}/login")
        check(page, f"{name} login", found)
        page.goto(f"{app_url}/register")
        check(page, f"{name} register", found)
        sign_in(page, app_url)
        check(page, f"{name} subjects", found)
        folder = lesson.folder_id
        for tab in ("documents", "overview", "plan", "mastery", "quizzes", "sessions"):
            page.goto(f"{app_url}/folders/{folder}/{tab}")
            page.locator(".tab-panel").wait_for()
            check(page, f"{name} folder {tab}", found)
        open_lesson(page, app_url, lesson.pk)
        next_turn(page)
        check(page, f"{name} learn", found)
        if viewport is WIDE:
            page.goto(f"{app_url}/folders/{folder}/quizzes")
            page.get_by_role("button", name="Generate quiz").click()
            page.wait_for_url("**/quizzes/*")
            page.locator("fieldset.question").first.wait_for()
            check(page, "quiz", found)
            written = 0
            for question in page.locator("fieldset.question").all():
                radios = question.get_by_role("radio")
                if radios.count():
                    radios.first.check()
                else:
                    question.get_by_role("textbox").fill("Light energy becomes chemical energy.")
                    written += 1
            page.get_by_role("button", name="Submit answers").click()
            page.get_by_role("heading", name="Score:").wait_for()
            # A choice's feedback quotes its passage already: only written answers show the quote apart.
            assert page.locator("li.result blockquote").count() == written
            check(page, "quiz results", found)
    from sessions_app import actions

    off_the_loop(lambda: actions.end_session(type(lesson).objects.get(pk=lesson.pk)))
    page.goto(f"{app_url}/sessions/{lesson.pk}/analysis")
    page.get_by_text("Effectiveness").wait_for(timeout=30_000)
    check(page, "session analysis", found)
    assert not found, json.dumps(found, indent=1)
