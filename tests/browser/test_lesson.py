"""The Learn page against the live tutor socket and board (offline engine)."""
from __future__ import annotations

import httpx

from tests.browser.helpers import PHONE, next_turn, next_until_question, open_lesson, record_tutor_frames, sign_in
from tests.conftest import access_token


def test_a_lesson_turn_streams_into_one_item_with_a_citation_popover(app_url, page, lesson):
    frames = record_tutor_frames(page)
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    turn = next_turn(page)

    completed = [f for f in frames if f["type"] == "turn.completed"][-1]
    deltas = [f for f in frames if f["type"] == "text.delta" and f["turn_id"] == completed["turn_id"]]
    assert deltas and all("offset" in d and "seq" not in d for d in deltas)
    assert turn.get_attribute("data-turn-id") == completed["turn_id"]
    assert page.locator(f'article[data-turn-id="{completed["turn_id"]}"]').count() == 1
    assert completed["citations"]
    turn.get_by_role("button", name="Source 1").first.click()  # a passage may be cited twice
    note = turn.get_by_role("note")
    assert "photosynthesis.md" in note.inner_text()
    assert completed["citations"][0]["quote"][:40] in note.inner_text()
    for marker in turn.locator("button.cite-marker").all()[1:]:  # every source open at once...
        marker.press("Enter")  # by keyboard: an open popover may cover the next marker
    ids = turn.get_by_role("note").evaluate_all("notes => notes.map(n => n.id)")
    assert len(ids) == turn.locator("button.cite-marker").count() and len(set(ids)) == len(ids)  # ...each its own id


def test_a_question_is_answered_by_its_button_in_the_chat(app_url, page, lesson):
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    card = next_until_question(page)
    card.get_by_role("button").first.click()
    page.locator(".verdict").first.wait_for()
    assert card.get_by_role("button").first.is_disabled()
    # The board's copy of the question is answered too: its options are disabled.
    options = page.get_by_label("Whiteboard").locator('g[data-role="option"]')
    assert options.count() >= 2 and options.first.get_attribute("aria-disabled") == "true"


def test_a_question_is_answered_on_the_board_by_keyboard(app_url, page, lesson):
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    card = next_until_question(page)
    option = page.get_by_label("Whiteboard").locator('g[data-role="option"]').first
    option.wait_for()
    assert option.bounding_box()["height"] >= 24  # fit to what is drawn, not the whole board
    option.focus()
    page.keyboard.press("Enter")
    page.locator(".verdict").first.wait_for()
    assert option.get_attribute("aria-disabled") == "true"
    assert card.get_by_role("button").first.is_disabled()


def test_a_rectangle_drawn_by_the_learner_reaches_the_server_export_and_undo_removes_only_it(app_url, page, lesson, learner):
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    board = page.get_by_label("Whiteboard")
    page.get_by_role("button", name="Rectangle").click()
    box = board.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5, steps=5)
    page.mouse.up()
    drawn = board.locator('g[data-kind="rect"][data-source="user"]')
    drawn.wait_for()
    object_id = drawn.get_attribute("data-id")

    headers = {"Authorization": f"Bearer {access_token(learner)}"}
    export = f"{app_url}/api/v1/sessions/{lesson.pk}/board/export.svg"

    def exported() -> str:
        return httpx.get(export, headers=headers, timeout=10).text

    deadline_text = ""
    for _ in range(50):
        deadline_text = exported()
        if f'data-id="{object_id}"' in deadline_text:
            break
        page.wait_for_timeout(100)
    assert f'data-id="{object_id}" data-kind="rect" data-source="user"' in deadline_text

    page.get_by_role("button", name="Undo").click()
    drawn.wait_for(state="detached")
    for _ in range(50):
        if f'data-id="{object_id}"' not in exported():
            break
        page.wait_for_timeout(100)
    assert f'data-id="{object_id}"' not in exported()


def test_on_a_phone_a_question_on_the_board_is_tappable_and_a_tap_answers_it(app_url, new_page, lesson):
    page = new_page(PHONE, has_touch=True, is_mobile=True)
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    next_until_question(page)
    page.get_by_role("tab", name="Board").locator(".unread").wait_for()  # the tutor drew while the chat was shown
    page.get_by_role("tab", name="Board").tap()
    board = page.get_by_label("Whiteboard")
    answers = page.get_by_role("group", name="The question on the board").get_by_role("button")
    answers.first.wait_for()
    # The question's options are repeated under the board as buttons a finger can hit, and
    # the whole question is in view on the board (nothing cut off).
    stage = board.bounding_box()
    assert answers.count() >= 2
    for text in answers.all_inner_texts():
        box = board.get_by_role("button", name=f"Answer: {text}", exact=True).bounding_box()
        assert stage["x"] <= box["x"] and box["x"] + box["width"] <= stage["x"] + stage["width"] + 0.5, (text, box, stage)
    height = answers.first.bounding_box()["height"]
    assert height >= 44, f"an answer button is {height:.1f} px tall on a phone"
    answers.first.tap()
    page.get_by_role("tab", name="Chat").tap()
    page.locator(".verdict").first.wait_for()


def test_the_learn_page_works_by_keyboard_alone(app_url, page, lesson):
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    next_button = page.get_by_role("button", name="Next", exact=True)
    next_button.focus()
    for _ in range(6):
        before = page.locator("article.msg-tutor").count()
        page.keyboard.press("Enter")
        page.locator("article.msg-tutor").nth(before).wait_for()
        page.locator("article.msg-streaming").wait_for(state="detached")
        options = page.locator("article.msg-tutor").last.locator(".option-button:enabled")
        if options.count():
            break
        next_button.focus()
    options.first.focus()
    page.keyboard.press("Tab")  # to the second option
    page.keyboard.press("Enter")
    page.locator(".verdict").first.wait_for()

    page.get_by_label("Message").focus()
    page.keyboard.type("Why are leaves green?")
    page.keyboard.press("Enter")  # Enter sends; Shift+Enter would be a new line
    page.locator("article.msg-learner", has_text="Why are leaves green?").wait_for()


def test_a_refused_token_on_the_socket_is_refreshed_and_the_lesson_reconnects(app_url, page, lesson):
    refused = []

    def tutor_socket(ws):  # type: ignore[no-untyped-def]
        if not refused:
            refused.append(ws.url)
            ws.close(code=4401, reason="token expired")  # as the server does for an expired access token
        else:
            ws.connect_to_server()

    page.route_web_socket("**/ws/tutor/**", tutor_socket)
    refreshes = []
    page.on("requestfinished", lambda r: refreshes.append(r.response().status) if r.url.endswith("/auth/token/refresh/") else None)
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    # One refresh for the page load (the access token lives in memory), one for the 4401.
    assert refreshes == [200, 200] and len(refused) == 1
    next_turn(page)


def test_stop_ends_a_streaming_reply_and_keeps_its_partial_text(server_env, page, lesson):
    from tests.support.scripted_llm import ScriptedLLM
    from tests.support.servers import daphne

    model = ScriptedLLM(tokens_per_second=4).start()  # a slow model: the reply streams for ~10 s
    try:
        with daphne(**server_env, OPENAI_API_KEY="test-key", OPENAI_BASE_URL=f"{model.base_url}", LLM_MAX_RETRIES="0") as url:
            sign_in(page, url)
            open_lesson(page, url, lesson.pk)
            page.get_by_label("Message").fill("Why are leaves green?")
            page.get_by_role("button", name="Send").click()
            streaming = page.locator("article.msg-streaming")
            streaming.wait_for()
            page.wait_for_function("() => document.querySelector('article.msg-streaming .streaming-text').textContent.length > 10")
            page.get_by_role("button", name="Stop").click()
            stopped = page.locator("article.msg-cancelled")
            stopped.wait_for()
            assert stopped.get_by_text("Stopped").is_visible()
            assert len(stopped.locator(".md").inner_text()) > 10
            assert page.get_by_role("button", name="Stop").count() == 0
    finally:
        model.stop()


def test_a_question_skipped_with_next_is_closed_in_the_chat_and_on_the_board_also_after_a_reload(app_url, page, lesson):
    """`next` over a waiting question shows its answer; its buttons stayed live, and a click
    then answered a question the server no longer waited for."""
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    card = next_until_question(page)
    turn_id = card.locator("xpath=ancestor::article").get_attribute("data-turn-id")
    options = page.get_by_label("Whiteboard").locator('g[data-role="option"]')
    options.first.wait_for()
    assert options.first.get_attribute("aria-disabled") != "true"
    next_turn(page)  # the skip
    card = page.locator(f'article[data-turn-id="{turn_id}"]').get_by_role("group", name="Question:")
    assert all(button.is_disabled() for button in card.get_by_role("button").all())
    assert "closed" in card.get_attribute("class")  # shown as closed, not only disabled
    assert options.first.get_attribute("aria-disabled") == "true"
    page.reload()
    page.get_by_role("status").filter(has_text="Live").wait_for()
    options.first.wait_for()
    assert all(option.get_attribute("aria-disabled") == "true" for option in options.all())
