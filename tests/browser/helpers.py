"""What the browser tests share besides fixtures: viewports, signing in, waiting."""
from __future__ import annotations

import json
from typing import Any

WIDE = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(page: Any, url: str, username: str = "ada", password: str = "correct-horse-battery") -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Your subjects").wait_for()


def record_tutor_frames(page: Any) -> list[dict]:
    """Every frame the tutor socket receives on this page, parsed, in order."""
    frames: list[dict] = []

    def on_socket(ws: Any) -> None:
        if "/ws/tutor/" in ws.url:
            ws.on("framereceived", lambda payload: frames.append(json.loads(payload)) if isinstance(payload, str) else None)

    page.on("websocket", on_socket)
    return frames


def open_lesson(page: Any, url: str, session_id: int) -> None:
    page.goto(f"{url}/learn/{session_id}")
    page.get_by_role("status").filter(has_text="Live").wait_for()


def next_turn(page: Any) -> Any:
    """Press Next and wait until the tutor's new turn is complete; that turn's item."""
    turns = page.locator("article.msg-tutor")
    before = turns.count()
    page.get_by_role("button", name="Next", exact=True).click()
    turns.nth(before).wait_for()
    page.locator("article.msg-streaming").wait_for(state="detached")
    return turns.last


def next_until_question(page: Any, tries: int = 6) -> Any:
    """Press Next until the tutor asks a question that is still open; its chat card."""
    for _ in range(tries):
        turn_id = next_turn(page).get_attribute("data-turn-id")
        card = page.locator(f'article[data-turn-id="{turn_id}"]').get_by_role("group", name="Question:")
        if card.count() and card.get_by_role("button").first.is_enabled():
            return card
    raise AssertionError("the tutor asked no question")
