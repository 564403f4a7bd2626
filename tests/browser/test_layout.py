"""At phone width no page scrolls sideways, and the mastery chart's words are readable:
the chart once scaled a 600-unit viewBox down to the phone, labels ~7 px high, and the
table pushed past the screen's edge."""
from __future__ import annotations

from tests.browser.helpers import PHONE, sign_in

SIDEWAYS = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def test_phone_pages_fit_the_screen_and_the_mastery_chart_reads_at_full_size(app_url, new_page, lesson):
    page = new_page(PHONE, has_touch=True, is_mobile=True)
    sign_in(page, app_url)
    assert page.evaluate(SIDEWAYS) <= 0, "subjects"
    for tab in ("documents", "overview", "plan", "quizzes", "sessions", "mastery"):  # mastery last: checked below
        page.goto(f"{app_url}/folders/{lesson.folder_id}/{tab}")
        page.locator(".tab-panel").wait_for()
        page.wait_for_load_state("networkidle")
        assert page.evaluate(SIDEWAYS) <= 0, tab
    chart = page.locator(".mastery-chart")
    # Rendered glyph heights, not the font-size attribute: a scaled SVG keeps the attribute.
    heights = chart.locator("text").evaluate_all("texts => texts.map(t => t.getBoundingClientRect().height)")
    assert len(heights) > 2 and min(heights) >= 13, heights
    labels = chart.locator("text").all_text_contents()
    rows = page.get_by_role("region", name="Mastery table").get_by_role("rowheader").all_text_contents()
    assert set(rows) <= set(labels), "every concept's whole name is on the chart"
    region = page.get_by_role("region", name="Mastery table").bounding_box()
    assert region and region["x"] >= 0 and region["x"] + region["width"] <= PHONE["width"]
