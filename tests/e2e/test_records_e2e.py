"""Browser test: Debian's chromium against the running app: score a patient, see the explanation."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_score_a_patient_and_see_the_explanation(signed_in_page, tmp_path):
    page = signed_in_page
    page.get_by_role("link", name="Case records").click()
    page.get_by_role("heading", name="Case records").wait_for()
    page.get_by_text("Model", exact=True).wait_for()
    page.get_by_role("button", name="Load example patient").click()
    # the form is filled by a rerun: wait for it before submitting, or the click can land mid-rerun
    expect(page.get_by_role("spinbutton").first).not_to_have_value("", timeout=120_000)
    page.get_by_role("button", name="Estimate risk").click()
    metric = page.locator('[data-testid="stMetricValue"]').first
    metric.wait_for()
    assert re.fullmatch(r"\d{1,3}%", metric.inner_text().strip())
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for()
    assert "Why this estimate" in chart.inner_text()
    assert chart.locator("g.trace.waterfall, g.waterfall").count() or chart.locator("path").count() > 5
    page.screenshot(path=str(tmp_path / "records.png"), full_page=True)
