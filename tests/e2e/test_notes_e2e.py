"""Browser test: paste a note with a script tag, see highlighted words, and the script stays inert."""
from __future__ import annotations

from browser_helpers import choose
from playwright.sync_api import expect


def test_paste_a_note_and_see_highlighted_words(signed_in_page, tmp_path):
    page = signed_in_page
    page.get_by_role("link", name="Clinical notes").click()
    page.get_by_role("heading", name="Clinical notes").wait_for()
    choose(page, page.get_by_role("combobox").first, "Disease from a symptom description (Symptom2Disease)")
    box = page.get_by_role("textbox", name="Clinical note")
    box.fill("I have a red itchy rash with silvery scales on my elbows <img src=x onerror=alert(1)>")
    box.press("Control+Enter")
    page.get_by_role("button", name="Analyse note").click()
    page.get_by_text("De-identified note, coloured by each word's effect").wait_for()
    page.get_by_text("Psoriasis").first.wait_for()
    # words are coloured, with their values on hover: a caption over plain text passed before (a test review)
    toward = page.locator("span[title*=' toward ']")
    expect(toward.first).to_be_visible()
    words = " ".join(toward.all_inner_texts()).lower()
    assert any(w in words for w in ("rash", "silvery", "scales", "itchy")), words
    assert page.locator("img[src=x]").count() == 0  # the tag is shown as text, never rendered
    page.screenshot(path=str(tmp_path / "notes.png"), full_page=True)
