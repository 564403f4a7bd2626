"""Shared sessions in two browsers (SPEC 11): the owner shares a link from the Learn page,
another learner opens it, signs in, joins, and both follow one lesson."""
from __future__ import annotations

import re

import httpx
import pytest

from sessions_app import actions
from tests.browser.helpers import draw_rect, export_ids, next_turn, open_lesson, record_tutor_frames, sign_in
from tests.conftest import access_token
from tests.support.waiting import wait_for

GUEST_PASSWORD = "grace-hopper-long-secret"


@pytest.fixture
def guest(db):  # type: ignore[no-untyped-def]
    return actions.register_learner(username="grace", password=GUEST_PASSWORD)


def share_link(page, role: str) -> str:  # type: ignore[no-untyped-def]
    """Create an invite link in the Share dialog; the link. The dialog stays open."""
    page.get_by_role("button", name="Share").click()
    dialog = page.get_by_role("dialog", name="Share this lesson")
    dialog.get_by_label("Role").select_option(role)
    dialog.get_by_role("button", name="Create link").click()
    return dialog.get_by_label(re.compile("^Invite link")).input_value()


def invite_by_api(url: str, owner, session_id: int, role: str) -> str:  # type: ignore[no-untyped-def]
    response = httpx.post(f"{url}/api/v1/sessions/{session_id}/invites/", json={"role": role}, timeout=10,
                          headers={"Authorization": f"Bearer {access_token(owner)}"})
    assert response.status_code == 201, response.text
    return url + response.json()["url"]


def join(page, link: str) -> None:  # type: ignore[no-untyped-def]
    """Open an invite link signed in, join, and wait for the lesson to be live."""
    page.goto(link)
    page.get_by_role("button", name="Join lesson").click()
    page.wait_for_url("**/learn/*")
    page.get_by_role("status").filter(has_text="Live").wait_for()


def people(page) -> str:  # type: ignore[no-untyped-def]
    return page.get_by_role("list", name="In this lesson").inner_text()


def body(article) -> str:  # type: ignore[no-untyped-def]
    """A chat item's text without its "who" line (which names the reader's "You" or the asker)."""
    return article.evaluate("a => [...a.children].filter(c => !c.classList.contains('who')).map(c => c.innerText).join('\\n')")


def move_over_board(page, dx: float) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_label("Whiteboard").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + 20, steps=3)


def test_an_editor_joins_by_the_owners_link_after_signing_in_and_both_follow_one_lesson(
        app_url, new_page, lesson, learner, guest):
    owner, other = new_page(), new_page()
    sign_in(owner, app_url)
    open_lesson(owner, app_url, lesson.pk)
    link = share_link(owner, "editor")
    assert link.startswith(f"{app_url}/invite/")
    owner.keyboard.press("Escape")

    # Signed out: the invite asks to sign in, and signing in comes back to it.
    other.goto(link)
    other.get_by_role("link", name="Log in to join").click()
    other.get_by_label("Username").fill("grace")
    other.get_by_label("Password").fill(GUEST_PASSWORD)
    other.get_by_role("button", name="Log in").click()
    other.wait_for_url(link)
    grant = other.locator(".invite")
    grant.get_by_text("ada invites you to their lesson on Photosynthesis").wait_for()
    assert "editor" in grant.inner_text()
    frames = record_tutor_frames(other)
    other.get_by_role("button", name="Join lesson").click()
    other.wait_for_url(f"**/learn/{lesson.pk}")
    other.get_by_role("status").filter(has_text="Live").wait_for()

    wait_for(lambda: "grace" in people(owner) and "editor" in people(owner), 10, "the editor in the owner's list")
    assert "ada" in people(other) and "owner" in people(other)
    assert other.get_by_role("textbox", name="Message").is_enabled()
    assert other.get_by_role("button", name="End session").count() == 0  # only the owner ends it

    # One streamed turn, seen by both: the guest received its pieces as it streamed.
    turn_id = next_turn(owner).get_attribute("data-turn-id")
    theirs = other.locator(f'article[data-turn-id="{turn_id}"]:not(.msg-streaming)')
    theirs.wait_for()
    assert body(theirs) == body(owner.locator(f'article[data-turn-id="{turn_id}"]'))
    assert [f for f in frames if f["type"] == "text.delta" and f["turn_id"] == turn_id]
    assert "for ada" in theirs.locator(".who").inner_text()  # who asked for the turn

    # Each sees the other's cursor, named.
    move_over_board(other, 30)
    owner.locator(".board-cursors .cursor").filter(has_text="grace").wait_for()
    move_over_board(owner, -30)
    other.locator(".board-cursors .cursor").filter(has_text="ada").wait_for()

    # The editor draws; the owner sees it and so does the server.
    drawn = draw_rect(other, (0.3, 0.3))
    owner.get_by_label("Whiteboard").locator(f'g[data-id="{drawn}"]').wait_for()
    wait_for(lambda: drawn in export_ids(app_url, learner, lesson.pk), 10, "the editor's stroke on the server")

    # The editor asks; the owner sees the question under the editor's name, then the reply.
    other.get_by_role("textbox", name="Message").fill("Why are leaves green?")
    other.get_by_role("button", name="Send").click()
    asked = owner.locator("article.msg-learner").filter(has_text="Why are leaves green?")
    asked.wait_for()
    assert asked.get_attribute("aria-label") == "grace (editor)"
    owner.locator("article.msg-tutor .who").filter(has_text="for grace").wait_for()

    # The guest's subjects list the lesson shared with them, with their role.
    other.goto(app_url)
    shared = other.get_by_role("region", name="Shared with you")
    shared.get_by_role("link", name=f"Open lesson {lesson.pk}").wait_for()
    assert "editor" in shared.inner_text()

    # The guest leaves: the lesson is no longer theirs, and the owner's list drops them.
    shared.get_by_role("link", name=f"Open lesson {lesson.pk}").click()
    other.get_by_role("button", name="Leave").click()
    other.get_by_role("dialog").get_by_role("button", name="Leave lesson").click()
    other.get_by_role("heading", name="Your subjects").wait_for()
    other.wait_for_load_state("networkidle")  # the sessions list has answered
    assert other.get_by_role("region", name="Shared with you").count() == 0
    owner.get_by_role("list", name="In this lesson").wait_for(state="detached")


def test_a_viewer_sees_why_it_cannot_write_cannot_draw_and_is_removed_by_the_owner(
        app_url, new_page, lesson, learner, guest):
    owner, viewer = new_page(), new_page()
    sign_in(owner, app_url)
    open_lesson(owner, app_url, lesson.pk)
    next_turn(owner)
    link = invite_by_api(app_url, learner, lesson.pk, "viewer")
    sign_in(viewer, app_url, "grace", GUEST_PASSWORD)
    join(viewer, link)

    viewer.get_by_text("You are viewing — only ada and editors can write.").wait_for()
    assert viewer.get_by_role("textbox", name="Message").is_disabled()
    assert viewer.get_by_role("button", name="Next", exact=True).is_disabled()
    assert viewer.get_by_role("button", name="Help").is_disabled()
    for tool in ("Pen", "Rectangle", "Ellipse", "Arrow", "Text", "Eraser"):
        assert viewer.get_by_role("button", name=tool, exact=True).is_disabled(), tool

    # A drag with the one tool left pans the view and draws nothing, here or for the owner.
    board = viewer.get_by_label("Whiteboard")
    box = board.bounding_box()
    viewer.mouse.move(box["x"] + 100, box["y"] + 100)
    viewer.mouse.down()
    viewer.mouse.move(box["x"] + 200, box["y"] + 160, steps=4)
    viewer.mouse.up()
    move_over_board(viewer, 40)
    owner.locator(".board-cursors .cursor").filter(has_text="grace").wait_for()  # the viewer's presence is relayed
    assert board.locator('g[data-source="user"]').count() == 0
    assert owner.get_by_label("Whiteboard").locator('g[data-source="user"]').count() == 0
    assert not [i for i in export_ids(app_url, learner, lesson.pk) if i.startswith("u")]

    # The owner removes the viewer: the viewer's lesson closes.
    owner.get_by_role("button", name="Share").click()
    dialog = owner.get_by_role("dialog", name="Share this lesson")
    dialog.get_by_role("button", name="Remove grace").click()
    viewer.get_by_role("status").filter(has_text="This lesson is not available").wait_for(timeout=5_000)
    wait_for(lambda: "grace" not in dialog.get_by_role("list", name="Members").inner_text(), 5, "grace gone from the members")

    # Revoking the link: it no longer lets anyone in, and says so.
    dialog.get_by_role("list", name="Active links").get_by_role("button", name="Revoke").click()
    dialog.get_by_text("No active links.").wait_for()
    viewer.goto(link)
    viewer.get_by_role("heading", name="This invite was revoked").wait_for()


def test_an_expired_or_unknown_invite_says_so(app_url, page, lesson, learner, guest):
    from sessions_app.models import SessionInvite
    from tests.browser.conftest import off_the_loop
    from django.utils import timezone

    link = invite_by_api(app_url, learner, lesson.pk, "editor")
    code = link.rsplit("/", 1)[1]
    off_the_loop(lambda: SessionInvite.objects.filter(code=code).update(expires_at=timezone.now()))
    sign_in(page, app_url, "grace", GUEST_PASSWORD)
    page.goto(link)
    page.get_by_role("heading", name="This invite has expired").wait_for()
    assert page.get_by_text("Ask ada for a new link.").is_visible()
    assert page.get_by_role("button", name="Join lesson").count() == 0

    page.goto(f"{app_url}/invite/not-a-real-code-0123456789")
    page.get_by_role("heading", name="This invite link is not valid").wait_for()


def test_the_share_dialog_the_invite_page_and_a_viewers_lesson_pass_axe_on_wide_and_phone_screens(
        app_url, new_page, lesson, learner, guest):
    from tests.browser.helpers import PHONE, WIDE
    from tests.browser.test_accessibility import check

    found: dict[str, list[str]] = {}
    for name, viewport in (("wide", WIDE), ("phone", PHONE)):
        owner, other = new_page(viewport, bypass_csp=True), new_page(viewport, bypass_csp=True)  # axe is inline
        sign_in(owner, app_url)
        open_lesson(owner, app_url, lesson.pk)
        share_link(owner, "viewer")
        check(owner, f"{name} share dialog", found)
        link = invite_by_api(app_url, learner, lesson.pk, "viewer")
        other.goto(link)
        other.get_by_role("link", name="Log in to join").wait_for()
        check(other, f"{name} invite signed out", found)
        sign_in(other, app_url, "grace", GUEST_PASSWORD)
        other.goto(link)
        other.get_by_role("button", name="Join lesson").wait_for()
        check(other, f"{name} invite", found)
        join(other, link)
        other.get_by_text("You are viewing").wait_for()
        check(other, f"{name} viewer's lesson", found)
    assert not found, found
