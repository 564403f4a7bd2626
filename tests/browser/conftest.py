"""Browser tests: Python Playwright driving Debian's Chromium against a live Daphne that
serves the built web app (frontend/dist, collected as static files).

Without Chromium, Playwright or a built app these tests skip with the reason, unless
REQUIRE_BROWSER=1 (CI sets it): then they fail, so CI cannot pass by skipping them.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from sessions_app import actions
from sessions_app.uploads import check_uploads
from tests.browser.helpers import WIDE
from tests.support.servers import ROOT, celery_worker, daphne

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
DIST = ROOT / "frontend" / "dist"
ARTIFACTS = ROOT / "var" / "browser-failures"
DOCS = ROOT / "tests" / "fixtures" / "docs"
FRONTEND_AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.django_db(transaction=True)
T = TypeVar("T")


def unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="module")
def playwright_api():  # type: ignore[no-untyped-def]
    """Per module, not per session: while it runs, Playwright's sync API keeps an event loop
    running in this thread, and every later test that calls asyncio.run would fail."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Python Playwright is not installed (scripts/bootstrap.sh installs requirements-test.txt)")
    if not Path(CHROMIUM).exists():
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-liberation)")
    # Playwright's sync API keeps an event loop running in this thread, which Django's
    # ORM guard takes for async code; the tests' own ORM calls are plain sync code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    with sync_playwright() as api:
        yield api
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")


@pytest.fixture(scope="module")
def browser(playwright_api):  # type: ignore[no-untyped-def]
    browser = playwright_api.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> str:
    """The built app collected as the server would serve it (scripts/run.sh does the same)."""
    if not (DIST / "index.html").exists():
        unavailable("the web app is not built (bash scripts/bootstrap.sh builds frontend/dist)")
    root = tmp_path_factory.mktemp("static")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True,
                   env={**os.environ, "STATIC_ROOT": str(root)})
    return str(root)


@pytest.fixture
def server_env(transactional_db, playwright_api, static_root, media_root, tmp_path) -> dict[str, str]:
    """What Daphne and a worker share: files, static files, the broker folder."""
    return {"STATIC_ROOT": static_root, "MEDIA_ROOT": str(media_root), "TUTOR_DATA_DIR": str(tmp_path / "data"),
            "TUTOR_LLM_TURNS_PER_MINUTE": "1000", "DJANGO_ALLOW_ASYNC_UNSAFE": ""}  # the servers keep the guard


@pytest.fixture
def app_url(server_env) -> Iterator[str]:
    """A live Daphne serving the API, the sockets and the app (offline engine)."""
    with daphne(**server_env) as url:
        yield url


@pytest.fixture
def worker(server_env) -> Iterator[None]:
    with celery_worker(**server_env):
        yield


@pytest.fixture
def new_page(browser, request) -> Iterator[Callable[..., object]]:
    """Pages in fresh browser contexts; on failure each leaves a screenshot, its console
    and a trace in var/browser-failures/."""
    opened: list[tuple[object, object, list[str]]] = []

    def make(viewport: dict[str, int] = WIDE, **options: object):  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport=viewport, **options)
        context.tracing.start(screenshots=True, snapshots=True)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.set_default_timeout(15_000)
        opened.append((context, page, console))
        return page

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for n, (context, page, console) in enumerate(opened):
        if failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            stem = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', request.node.name)}-{n}"
            try:
                page.screenshot(path=f"{stem}.png", full_page=True)
            except Exception:  # noqa: BLE001 (a closed page has nothing to show)
                pass
            Path(f"{stem}.console.txt").write_text("\n".join(console))
            context.tracing.stop(path=f"{stem}.trace.zip")
        else:
            context.tracing.stop()
        context.close()


@pytest.fixture
def page(new_page):  # type: ignore[no-untyped-def]
    return new_page()


def off_the_loop(work: Callable[[], T]) -> T:
    """Run ORM work that reaches async_to_sync (progress publishing) in its own thread:
    Playwright's loop runs in this one."""
    def run() -> T:
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def studied_folder(learner):  # type: ignore[no-untyped-def]
    """A folder with one processed document (the pipeline runs inline: eager Celery)."""
    def make():  # type: ignore[no-untyped-def]
        folder = actions.create_folder(learner, name="Photosynthesis")
        upload = SimpleUploadedFile("photosynthesis.md", (DOCS / "photosynthesis.md").read_bytes(),
                                    content_type="text/markdown")
        actions.add_documents(folder, check_uploads(folder, [upload]))
        return folder

    return off_the_loop(make)


@pytest.fixture
def lesson(learner, studied_folder):  # type: ignore[no-untyped-def]
    return actions.start_session(learner, studied_folder)

