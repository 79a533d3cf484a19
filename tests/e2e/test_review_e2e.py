"""Browser test of the review workflow: log in, analyse, save to a case, review, export the PDF."""
from __future__ import annotations

import io

from pypdf import PdfReader


def test_login_analyse_save_review_export(signed_in_page, tmp_path):
    page = signed_in_page
    page.get_by_role("link", name="Case records").click()
    page.get_by_role("button", name="Load example patient").click()
    page.get_by_role("button", name="Estimate risk").click()
    page.locator(".js-plotly-plot").first.wait_for()

    page.get_by_role("button", name="Save to case").click()
    page.get_by_role("textbox", name="Pseudonymous case reference").fill("E2E-CASE-1")
    page.get_by_role("textbox", name="Pseudonymous case reference").press("Enter")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("in case E2E-CASE-1").wait_for()
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Cases").click()
    page.get_by_role("heading", name="Case E2E-CASE-1").wait_for()
    page.get_by_text("disagree", exact=True).click()
    page.get_by_role("textbox", name="Final diagnosis").fill("stable angina")
    page.get_by_role("button", name="Record verdict").click()
    page.get_by_text("final diagnosis: stable angina").wait_for()

    page.get_by_role("button", name="Prepare report (PDF and HTML)").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    path = tmp_path / "case.pdf"
    download.value.save_as(path)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "Case E2E-CASE-1" in text and "stable angina" in text
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
