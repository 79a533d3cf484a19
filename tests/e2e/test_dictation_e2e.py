"""Browser test: upload a dictation on the notes page, see the transcript in the note box, edit, analyse."""
from __future__ import annotations

import re
from pathlib import Path

from browser_helpers import select_tab
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "models/dictation-whisper/example.wav"


def test_dictate_edit_and_analyse(signed_in_page, tmp_path):
    page = signed_in_page
    page.get_by_role("link", name="Clinical notes").click()
    page.get_by_role("heading", name="Clinical notes").wait_for()
    select_tab(page, "Dictate")
    page.get_by_text("Record a dictation").wait_for()  # the browser recorder is offered beside the upload
    page.locator("input[type=file]").last.set_input_files(str(EXAMPLE))
    page.get_by_text("was added to the note box").wait_for()
    # the example names a medicine and a dose: said first, and the timed parts are open with that part marked (a
    # clinical-safety review found them folded away beside a misheard dose)
    page.get_by_text("name a medicine, a dose or a decimal number").wait_for()
    page.get_by_text("0.0-5.2 s").first.wait_for()
    expect(page.get_by_text("⚠ check").first).to_be_visible()
    select_tab(page, "Type or paste")
    box = page.get_by_role("textbox", name="Clinical note")
    # the box is redrawn by the run that added the transcript; on a loaded machine that run may still be drawing
    expect(box).to_have_value(re.compile("furosemide", re.IGNORECASE), timeout=30_000)
    box.fill(box.input_value() + " Known heart failure, breathless on exertion.")
    box.press("Control+Enter")
    page.get_by_role("button", name="Analyse note").click()
    page.get_by_text("De-identified note, coloured by each word's effect").wait_for()
    assert "breathless on exertion" in page.get_by_role("textbox", name="Clinical note").input_value()
    page.screenshot(path=str(tmp_path / "dictation.png"), full_page=True)
