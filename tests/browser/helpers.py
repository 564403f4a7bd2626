"""What the browser tests share besides fixtures: viewports, signing in, waiting."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import httpx

from tests.conftest import access_token
from tests.support.waiting import wait_for

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


def draw_rect(page, at: tuple[float, float]) -> str:  # type: ignore[no-untyped-def]
    """Draw a rectangle at fractions `at` of the board; its object id."""
    board = page.get_by_label("Whiteboard")
    before = set(board.locator('g[data-source="user"]').evaluate_all("gs => gs.map(g => g.dataset.id)"))
    page.get_by_role("button", name="Rectangle").click()
    box = board.bounding_box()
    x, y = box["x"] + box["width"] * at[0], box["y"] + box["height"] * at[1]
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 40, steps=4)
    page.mouse.up()
    page.get_by_role("button", name="Move").click()
    return wait_for(lambda: set(board.locator('g[data-source="user"]').evaluate_all(
        "gs => gs.map(g => g.dataset.id)")) - before, 5, "the drawn rectangle").pop()


def exported(url: str, learner, session_id: int) -> ET.Element:  # type: ignore[no-untyped-def]
    response = httpx.get(f"{url}/api/v1/sessions/{session_id}/board/export.svg", timeout=10,
                         headers={"Authorization": f"Bearer {access_token(learner)}"})
    assert response.status_code == 200, response.text
    return ET.fromstring(response.text)


def export_ids(url: str, learner, session_id: int) -> set[str]:  # type: ignore[no-untyped-def]
    return {g.get("data-id") for g in exported(url, learner, session_id) if g.get("data-id")}
