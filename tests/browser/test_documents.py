"""Uploads never fail silently: byte progress, live stage + percent to ready, refusals on the row."""
from __future__ import annotations

from sessions_app import actions
from sessions_app.models import Document
from tests.browser.conftest import DOCS
from tests.browser.helpers import sign_in


def test_an_upload_shows_progress_then_its_stage_live_until_ready(app_url, worker, page, learner):
    folder = actions.create_folder(learner, name="Science")
    sign_in(page, app_url)
    page.goto(f"{app_url}/folders/{folder.pk}")
    seen: set[str] = set()
    page.expose_function("noteStatus", lambda status: seen.add(status))
    # Watch every status word the row shows, so the test sees the live stages, not just the end.
    page.evaluate("""() => new MutationObserver(() => document.querySelectorAll('.docs li').forEach(
        (li) => window.noteStatus(li.dataset.status))).observe(document.body, {subtree: true, childList: true, attributes: true})""")
    page.get_by_label("Upload documents").set_input_files(str(DOCS / "newtons_laws.md"))
    row = page.locator(".docs li", has_text="newtons_laws.md")
    row.locator(".status-word", has_text="ready").wait_for(timeout=60_000)
    assert Document.objects.get(folder=folder).status == "ready"
    assert "uploading" in seen and "ready" in seen
    assert seen & {"queued", "extracting", "chunking", "indexing", "analysing"}, seen


def test_a_refused_upload_stays_on_its_row_with_the_reason(app_url, page, learner):
    folder = actions.create_folder(learner, name="Science")
    sign_in(page, app_url)
    page.goto(f"{app_url}/folders/{folder.pk}/documents")
    page.get_by_label("Upload documents").set_input_files(
        files=[{"name": "holiday.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64}])
    row = page.locator(".docs li", has_text="holiday.png")
    row.locator(".status-word", has_text="rejected").wait_for()
    assert "(415)" in row.get_by_role("alert").inner_text()
    assert not Document.objects.filter(folder=folder).exists()

    page.get_by_label("Upload documents").set_input_files(str(DOCS / "water_cycle.md"))
    page.locator(".docs li", has_text="water_cycle.md").locator(".status-word").wait_for()
    page.get_by_label("Upload documents").set_input_files(str(DOCS / "water_cycle.md"))
    duplicate = page.locator(".docs li[data-status=rejected]", has_text="water_cycle.md")
    assert "(409)" in duplicate.get_by_role("alert").inner_text()


def test_a_failed_document_shows_its_reason_and_reprocess_runs_it_again(app_url, worker, page, learner):
    import io

    from pypdf import PdfWriter

    folder = actions.create_folder(learner, name="Scans")
    scan = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(612, 792)  # a page without a text layer, like a scan
    writer.write(scan)
    sign_in(page, app_url)
    page.goto(f"{app_url}/folders/{folder.pk}")
    page.get_by_label("Upload documents").set_input_files(
        files=[{"name": "scan.pdf", "mimeType": "application/pdf", "buffer": scan.getvalue()}])
    row = page.locator(".docs li", has_text="scan.pdf")
    row.locator(".status-word", has_text="failed").wait_for(timeout=60_000)
    assert "no text layer" in row.locator(".reason").inner_text()

    with page.expect_response("**/reprocess/") as reprocessed:
        row.get_by_role("button", name="Reprocess scan.pdf").click()
    assert reprocessed.value.status == 202
    row.locator(".status-word", has_text="failed").wait_for(timeout=60_000)
    document = Document.objects.get(folder=folder)
    assert document.status == "failed" and document.updated_at > document.created_at
