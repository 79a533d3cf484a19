"""Browser test: upload a DICOM on the imaging page and see the SHAP heatmap."""
from __future__ import annotations

from pathlib import Path

from pydicom.data import get_testdata_file


def test_upload_dicom_and_see_the_heatmap(signed_in_page, tmp_path):
    page = signed_in_page
    page.get_by_role("link", name="Imaging").click()
    page.get_by_role("heading", name="Imaging").wait_for()
    page.locator("input[type=file]").set_input_files(get_testdata_file("CT_small.dcm", download=False))
    page.get_by_text("Finding").first.wait_for()
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for()
    assert "Regions toward" in chart.inner_text()
    assert page.get_by_role("button", name="Download de-identified DICOM").is_visible()
    page.screenshot(path=str(tmp_path / "imaging.png"), full_page=True)
    assert Path(tmp_path / "imaging.png").stat().st_size > 10_000
