"""Browser test: on every analysis page, at 1366x768 and 1920x1080, the Save-to-case form opens on screen with
its Save button usable, also when its control sits at the bottom edge of the window. (It was a popover, which
Streamlit opens downward only, cut to the room below: near the bottom edge it opened below the screen.)"""
from __future__ import annotations

import os

import pytest
from browser_helpers import choose
from playwright.sync_api import expect

from medapp.appbench import IDLE, NEXT_PAINT, wait_until_still
from medapp.registry import data_root

VIEWPORTS = [(1366, 768), (1920, 1080)]
HEART = sorted((data_root() / "audio" / "heart_sounds" / "MS").glob("*.wav"))
LUNG = data_root() / "audio" / "lung_sounds_demo" / "101_1b1_Al_sc_Meditron.wav"


def _records(page):
    page.get_by_role("link", name="Case records").click()
    page.get_by_role("button", name="Load example patient").click()
    expect(page.get_by_role("spinbutton").first).not_to_have_value("", timeout=120_000)
    page.get_by_role("button", name="Estimate risk").click()
    page.locator(".js-plotly-plot").first.wait_for()


def _survival(page):
    page.get_by_role("link", name="Case records").click()
    page.get_by_role("heading", name="Case records").wait_for()
    choose(page, page.locator('[data-testid="stSelectbox"]').first, "Heart failure survival")
    page.get_by_role("button", name="Estimate survival").wait_for()  # the survival form is drawn
    page.get_by_role("button", name="Load example patient").click()
    page.wait_for_function(IDLE)  # the example's run has ended: the fields it replaced are gone (ui/case_records._refill)
    # .first: while the run that refills the form draws it, the fields it replaced can still be on the page
    expect(page.locator('input[aria-label="Left ventricular ejection fraction (%)"]').first).not_to_have_value(
        "", timeout=120_000)
    page.get_by_role("button", name="Estimate survival").click()
    page.locator(".js-plotly-plot", has_text="Why this risk score").wait_for()


def _imaging(page):
    page.get_by_role("link", name="Imaging").click()
    page.get_by_role("heading", name="Imaging").wait_for()
    page.locator("input[type=file]").set_input_files(
        str(data_root() / "imaging/kermany_cxr224/train/PNEUMONIA/person1000_bacteria_2931.jpeg"))
    page.locator(".js-plotly-plot").first.wait_for()


def _audio(page):
    page.get_by_role("link", name="Heart & lung sounds").click()
    page.get_by_role("heading", name="Heart & lung sounds").wait_for()
    page.locator('input[type="file"]').first.set_input_files(str(HEART[0]))
    page.get_by_text("Model's assessment").wait_for()


def _lung(page):
    page.get_by_role("link", name="Heart & lung sounds").click()
    page.get_by_role("heading", name="Heart & lung sounds").wait_for()
    page.get_by_text("Lung sound", exact=True).click()
    # the upload waits for the choice to be drawn and its run to end: on a loaded machine a file set while
    # the page was still drawing was read as a heart sound (seen once in CI), or lost (see EVERY_RUN below)
    expect(page.get_by_role("radio", name="Lung sound")).to_be_checked()
    page.wait_for_function(IDLE)
    page.locator('input[type="file"]').first.set_input_files(str(LUNG))
    # the page has read the recording (its name is drawn as a heading only after it loads); the save control that
    # the test waits for next is drawn after its waveform and spectrogram. (Waiting for the figure's own title, a
    # text inside plotly's SVG, timed out 2 times in 5 full runs on a loaded machine.)
    page.get_by_role("heading", name=LUNG.name).wait_for()


def _notes(page):
    page.get_by_role("link", name="Clinical notes").click()
    page.get_by_role("heading", name="Clinical notes").wait_for()
    choose(page, page.get_by_role("combobox").first, "Disease from a symptom description (Symptom2Disease)")
    box = page.get_by_role("textbox", name="Clinical note")
    box.fill("I have a red itchy rash with silvery scales on my elbows and knees")
    box.press("Control+Enter")
    page.get_by_role("button", name="Analyse note").click()
    page.get_by_text("De-identified note, coloured by each word's effect").wait_for()


def _genomics(page):
    page.get_by_role("link", name="Gene expression").click()
    page.get_by_role("button", name="Load example profiles").click()
    page.locator('[data-testid="stMetricValue"]').first.wait_for()


PAGES = {"records": _records, "survival": _survival, "imaging": _imaging, "heart sound": _audio,
         "lung sound": _lung, "notes": _notes, "genomics": _genomics}
# Every page draws the same control (medapp/ui/cases.py save_to_case); the full suite checks three page layouts
# (about 2.5 minutes on a loaded 2-core machine). MEDAPP_E2E_ALL_PAGES=1 checks all seven (about 6 minutes there).
# The audio page is checked with a heart sound. Its lung variant lost the upload in 3 of 6 loaded full runs on
# 2026-12-03: lung mode drew a notice above the upload box, so a file dropped before that run ended went to a box
# that was then drawn anew, empty (a product defect, fixed in pages/audio.py; tests/e2e/test_audio_e2e.py drops a
# lung recording the moment the mode is chosen). Saving a lung recording is covered by tests/app/test_audio_save.py;
# MEDAPP_E2E_ALL_PAGES=1 runs it here too.
EVERY_RUN = ("records", "imaging", "heart sound")
ALL_PAGES = os.environ.get("MEDAPP_E2E_ALL_PAGES") == "1"


def save_control(page):
    """The Save-to-case expander of an analysis page."""
    return page.get_by_test_id("stExpander").filter(has=page.locator("summary", has_text="Save to case"))


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["x"] >= outer["x"] - 1 and inner["y"] >= outer["y"] - 1
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1)


def _case(name: str):
    """Skipped at collection, so a skipped page does not sign a browser in first (5 s each)."""
    if name not in EVERY_RUN and not ALL_PAGES:
        why = "same control as the pages checked on every run; MEDAPP_E2E_ALL_PAGES=1 checks it here too"
    elif name == "heart sound" and not HEART:
        why = "heart-sound recordings not present"
    elif name == "lung sound" and not LUNG.is_file():
        why = "ICBHI demo recordings not present"
    else:
        return name
    return pytest.param(name, marks=pytest.mark.skip(reason=why))


@pytest.mark.parametrize("name", [_case(name) for name in PAGES])
def test_save_to_case_opens_within_the_window(module_signed_in_page, name):
    page = module_signed_in_page
    PAGES[name](page)
    control = save_control(page)
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        window = {"x": 0, "y": 0, "width": width, "height": height}
        for edge in ("end", "start"):  # the control at the bottom, then at the top edge of the window
            control.locator("summary").evaluate(f"e => e.scrollIntoView({{block: '{edge}'}})")
            page.evaluate(NEXT_PAINT)
            if control.locator("details").get_attribute("open") is None:
                control.locator("summary").click()
            control.get_by_text("New case", exact=True).click()  # the taller of the two forms
            control.get_by_role("textbox", name="Pseudonymous case reference").wait_for()  # its fields are drawn
            page.wait_for_function(IDLE)  # and the run that draws them has ended
            save = control.get_by_role("button", name="Save", exact=True)
            save.wait_for()
            # The form is where the user looks: in view once the page scrolls to it, whole, in one window.
            # (the expander grows while it opens: scroll again until it and its button have stopped moving
            # for 100 ms)
            box, save_box = wait_until_still(
                page, control, save, still_ms=100, each=lambda: control.evaluate("e => e.scrollIntoView({block: 'nearest'})"))
            page.screenshot(path=f"/tmp/save_to_case_{name.replace(' ', '_')}_{width}_{edge}.png")
            assert _inside(box, window), f"{name} {width}x{height}, control at the {edge}: form at {box}"
            assert _inside(save_box, box), f"{name} {width}x{height}: Save button cut off ({save_box} in {box})"
            # and nothing covers it: the button is what a click at its centre reaches
            assert save.evaluate("e => { const r = e.getBoundingClientRect();"
                                 " const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
                                 " return e.contains(hit); }")
            control.locator("summary").click()  # closed again for the next position
            expect(save).to_be_hidden()
