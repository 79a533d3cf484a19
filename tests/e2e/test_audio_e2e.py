"""Browser test: upload a heart sound, see the waveform, spectrogram with SHAP tiles and the assessment."""
from __future__ import annotations

from medapp.appbench import wait_until_still
from medapp.registry import data_root

LUNG = data_root() / "audio" / "lung_sounds_demo" / "101_1b1_Al_sc_Meditron.wav"


def test_upload_a_heart_sound_and_see_the_explanation(signed_in_page, tmp_path):
    page = signed_in_page
    recordings = sorted((data_root() / "audio" / "heart_sounds" / "MS").glob("*.wav"))
    assert recordings and LUNG.is_file(), "the heart and lung recordings of ../shared/data"
    path = recordings[0]
    page.get_by_role("link", name="Heart & lung sounds").click()
    page.get_by_role("heading", name="Heart & lung sounds").wait_for()
    page.locator('input[type="file"]').first.set_input_files(str(path))
    page.get_by_text("Model's assessment").wait_for(timeout=120_000)
    assert "mitral stenosis" in page.get_by_text("Model's assessment").inner_text()
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for()
    assert "Waveform" in chart.inner_text() and "Log-mel spectrogram" in chart.inner_text()
    assert page.get_by_text("most influential moment").count() >= 1
    assert page.locator("audio").count() >= 3
    chart = page.locator(".js-plotly-plot").last
    chart.scroll_into_view_if_needed()
    wait_until_still(page, chart)  # drawn where it will stay, for the screenshot
    page.screenshot(path=str(tmp_path / "audio.png"))
    page.get_by_text("most influential moment").first.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "audio_2.png"))

    # A lung recording dropped the moment "Lung sound" is chosen, before that choice's run has redrawn the page,
    # is read (it was lost every time: lung mode drew a notice above the upload box, and the box moved down and
    # was drawn anew, without the file)
    page.get_by_text("Lung sound", exact=True).click()
    page.locator('input[type="file"]').first.set_input_files(str(LUNG))
    page.get_by_role("heading", name=LUNG.name).wait_for(timeout=60_000)
    page.get_by_text("Lung recording (not classified)").first.wait_for()
    assert page.get_by_text("Lung sound: there is no lung-sound model").count() == 1
