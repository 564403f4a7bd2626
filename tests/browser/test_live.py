"""The Learn page across a server crash, with a second browser, and to its end."""
from __future__ import annotations

from tests.browser.helpers import draw_rect, export_ids, exported, next_turn, next_until_question, open_lesson, sign_in
from tests.support.waiting import wait_for
from tests.conftest import access_token
from tests.support.servers import free_port, start_daphne, stop


def test_a_killed_server_loses_nothing_drawn_meanwhile_and_duplicates_no_chat_item(server_env, page, lesson, learner):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_daphne("tutor_project.asgi:application", port, **server_env)
    try:
        sign_in(page, url)
        open_lesson(page, url, lesson.pk)
        next_turn(page)
        before = draw_rect(page, (0.2, 0.6))
        wait_for(lambda: before in export_ids(url, learner, lesson.pk), 10, "the first drawing stored")

        server.kill()  # SIGKILL: no shutdown code runs
        server.wait()
        page.get_by_role("status").filter(has_text="Reconnecting").wait_for()
        during = draw_rect(page, (0.6, 0.7))  # drawn while the server is down: kept in the page

        server = start_daphne("tutor_project.asgi:application", port, **server_env)
        page.get_by_role("status").filter(has_text="Live").wait_for(timeout=30_000)
        wait_for(lambda: {before, during} <= export_ids(url, learner, lesson.pk), 15, "both drawings on the server")
        next_turn(page)
        turns = page.locator("article[data-turn-id]").evaluate_all("items => items.map(i => i.dataset.turnId)")
        assert len(turns) == len(set(turns)) == 2
    finally:
        stop(server)


def test_two_browsers_on_one_lesson_see_each_others_drawings_and_cursors(app_url, new_page, lesson):
    first, second = new_page(), new_page()
    for page in (first, second):
        sign_in(page, app_url)
        open_lesson(page, app_url, lesson.pk)
    drawn = draw_rect(first, (0.3, 0.3))
    second.get_by_label("Whiteboard").locator(f'g[data-id="{drawn}"]').wait_for()

    box = second.get_by_label("Whiteboard").bounding_box()
    second.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    second.mouse.move(box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2 + 20, steps=3)
    cursor = first.locator(".board-cursors .cursor")
    cursor.wait_for()
    assert "ada" in cursor.text_content()
    # Over the board, not in it (a cursor inside the <svg> repainted the board every frame),
    # yet where the other pointer is on the board: mapped through each page's own <svg>.
    at = second.get_by_label("Whiteboard").evaluate(
        "(svg, [x, y]) => { const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM().inverse());"
        " return [Math.round(p.x), Math.round(p.y)]; }", [box["x"] + box["width"] / 2 + 30, box["y"] + box["height"] / 2 + 20])
    want = first.get_by_label("Whiteboard").evaluate(
        "(svg, [x, y]) => { const p = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM()); return [p.x, p.y]; }", at)
    wait_for(lambda: (b := cursor.bounding_box()) and abs(b["x"] - want[0]) < 3 and abs(b["y"] - want[1]) < 3,
             10, "the cursor where the other pointer is")
    assert first.get_by_label("Whiteboard").locator(".cursor").count() == 0
    assert "ada" in first.get_by_label("Also here").inner_text()


def test_the_page_shows_the_board_the_server_exports_and_end_session_lands_on_the_analysis(
        app_url, worker, page, lesson, learner):
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    next_until_question(page)
    draw_rect(page, (0.8, 0.8))

    def on_page() -> set[tuple[str, str, str]]:
        return {tuple(x) for x in page.get_by_label("Whiteboard").locator(".board-objects > g").evaluate_all(
            "gs => gs.map(g => [g.dataset.id, g.dataset.kind, g.dataset.role || ''])")}

    def on_server() -> set[tuple[str, str, str]]:
        return {(g.get("data-id"), g.get("data-kind"), g.get("data-role") or "")
                for g in exported(app_url, learner, lesson.pk) if g.get("data-id")}

    wait_for(lambda: on_page() == on_server(), 10, "the page's board to equal the export")
    assert any(role == "option" for _, _, role in on_page())

    page.get_by_role("button", name="End session").click()
    page.get_by_role("dialog").get_by_role("button", name="End lesson").click()
    page.wait_for_url(f"**/sessions/{lesson.pk}/analysis")
    page.get_by_text("Effectiveness").wait_for(timeout=60_000)
    assert page.get_by_role("heading", name="Next steps").is_visible()


def test_maths_on_the_board_loads_katex_only_when_it_appears(app_url, page, lesson, learner):
    import asyncio

    from tests.browser.conftest import off_the_loop
    from tests.support.whiteboard_client import BoardClient

    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.resource_type == "script" else None)
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    assert not [s for s in scripts if "katex" in s]

    async def draw_latex() -> None:
        ws = app_url.replace("http", "ws")
        client = BoardClient(f"{ws}/ws/whiteboard/{lesson.pk}/?token={access_token(learner)}")
        await client.connect()
        await asyncio.wait_for(client.synced.wait(), 10)
        client.objects["eq-1"] = {"id": "eq-1", "kind": "latex", "x": 100, "y": 100, "width": 400, "height": 60,
                                  "latex": r"6CO_2 + 6H_2O \to C_6H_{12}O_6", "metadata": {"source": "assistant"}}
        await asyncio.sleep(1)
        await client.close()

    off_the_loop(lambda: asyncio.run(draw_latex()))
    typeset = page.get_by_label("Whiteboard").locator('g[data-id="eq-1"] foreignObject .katex')
    typeset.wait_for()
    assert [s for s in scripts if "katex" in s]
    assert "→" in typeset.text_content()  # typeset: the source's \\to became an arrow


def test_a_lone_learners_board_stays_connected_for_70_seconds_idle(app_url, page, lesson):
    """The stock y-websocket provider drops a socket it has heard nothing on for 30 s; the
    server echoes each awareness update to its sender too (SPEC 7), so a learner alone on a
    quiet board keeps the one socket it opened."""
    boards: list = []
    page.on("websocket", lambda ws: boards.append(ws) if "/ws/whiteboard/" in ws.url else None)
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)
    wait_for(lambda: boards, 10, "the board's socket")
    page.wait_for_timeout(70_000)  # the idle time is the point of the test
    assert len(boards) == 1 and not boards[0].is_closed()


def test_a_board_with_many_people_keeps_the_pages_socket(app_url, page, lesson, learner):
    """The stock provider sends on every awareness change it hears, other people's too; the
    server allows a connection a few client ids (then 4429). The page sends only its own."""
    import asyncio

    from tests.browser.conftest import off_the_loop
    from tests.support.whiteboard_client import BoardClient

    boards: list = []
    page.on("websocket", lambda ws: boards.append(ws) if "/ws/whiteboard/" in ws.url else None)
    sign_in(page, app_url)
    open_lesson(page, app_url, lesson.pk)

    async def crowd() -> None:
        ws = app_url.replace("http", "ws")
        peers = [BoardClient(f"{ws}/ws/whiteboard/{lesson.pk}/?token={access_token(learner)}") for _ in range(6)]
        for peer in peers:
            await peer.connect()
            await asyncio.wait_for(peer.synced.wait(), 10)
        for clock in (1, 2, 3):
            for n, peer in enumerate(peers):
                await peer.announce({"user": {"id": n, "name": f"peer {n}", "color": "#1d4ed8"},
                                     "cursor": {"x": 100 + 10 * clock, "y": 100 + 20 * n}}, clock=clock)
            await asyncio.sleep(0.3)
        peers[0].objects["after-the-crowd"] = {"id": "after-the-crowd", "kind": "rect", "x": 50, "y": 50, "width": 80,
                                               "height": 40, "metadata": {"source": "user"}}
        await asyncio.sleep(1)
        await asyncio.gather(*(peer.close() for peer in peers))

    off_the_loop(lambda: asyncio.run(crowd()))
    page.get_by_label("Whiteboard").locator('g[data-id="after-the-crowd"]').wait_for()
    assert len(boards) == 1 and not boards[0].is_closed()
