"""Browser test: upload a chest radiograph on the imaging page; the chest model is chosen; see the SHAP heatmap."""
from __future__ import annotations

from pathlib import Path

from browser_helpers import select_tab
from playwright.sync_api import expect

from medapp.registry import data_root


def test_upload_radiograph_and_see_the_heatmap(signed_in_page, tmp_path):
    page = signed_in_page
    page.get_by_role("link", name="Imaging").click()
    page.get_by_role("heading", name="Imaging").wait_for()
    page.locator("input[type=file]").set_input_files(
        str(data_root() / "imaging/kermany_cxr224/train/PNEUMONIA/person1000_bacteria_2931.jpeg"))
    page.get_by_text("Model chosen for this image: Pneumonia").wait_for()
    page.get_by_text("Finding").first.wait_for()
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for()
    assert "Toward (red) / away from" in chart.inner_text() and "(blue) 'pneumonia'" in chart.inner_text()
    page.screenshot(path=str(tmp_path / "imaging.png"), full_page=True)
    assert Path(tmp_path / "imaging.png").stat().st_size > 10_000
    # the tab chosen is kept across a trip to another page (it opened on Upload again, hiding the PACS tab's work)
    select_tab(page, "From PACS")
    page.get_by_text("No PACS is configured").wait_for()
    page.get_by_role("link", name="Models").click()
    page.get_by_role("heading", name="Models").first.wait_for()
    page.get_by_role("link", name="Imaging").click()
    page.get_by_role("heading", name="Imaging").wait_for()
    expect(page.get_by_role("tab", name="From PACS")).to_have_attribute("aria-selected", "true")

