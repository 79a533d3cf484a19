"""Browser test: a Save followed by a click on another page in the same instant is stored, with the reference typed.

Both clicks are dispatched in one JavaScript task, so the browser sends the two rerun requests back to back: the
page change reaches the server before the Save's run has handled its button press (the gap a clinician leaves
between clicking Save and clicking the next page link is one the server does not always win).
"""
from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from medapp.appbench import IDLE
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore

ROUNDS = 4

SAVE_THEN_LEAVE = """() => {
  const save = [...document.querySelectorAll('button')].find(b => b.innerText.trim() === 'Save');
  const models = document.querySelector('[data-testid=stSidebarNav] a[href$="/models"]');
  save.click();
  setTimeout(() => models.click(), 0);  // the next task: in the same task the page change is not sent
}"""


def test_save_and_another_page_clicked_together_stores_every_save(signed_in_page, app_var_dir):
    page = signed_in_page
    references = []
    for i in range(ROUNDS):
        page.get_by_role("link", name="Case records").click()
        if i == 0:
            page.get_by_role("button", name="Load example patient").click()
            expect(page.get_by_role("spinbutton").first).not_to_have_value("", timeout=120_000)
        page.get_by_role("button", name="Estimate risk").click()
        page.locator(".js-plotly-plot").first.wait_for()
        page.locator("summary", has_text="Save to case").click()
        page.get_by_text("New case", exact=True).click()
        page.wait_for_function(IDLE)
        box = page.get_by_role("textbox", name="Pseudonymous case reference")
        references.append(f"LEAVE-{i}")
        box.fill(references[-1])
        box.press("Enter")  # committed: the text is in the request the Save button sends
        page.wait_for_function(IDLE)
        page.evaluate(SAVE_THEN_LEAVE)
        page.get_by_role("heading", name="Models").first.wait_for()
        # the user is told on the page they went to
        try:
            page.get_by_text(f"in case {references[-1]}.").first.wait_for(timeout=30_000)
        except PlaywrightTimeout:  # say whether the save or only its confirmation was lost
            raise AssertionError(f"no confirmation of {references[-1]} on the next page; stored: "
                                 f"{_stored(app_var_dir)}") from None
        page.wait_for_function(IDLE)
    assert _stored(app_var_dir) == sorted(references)  # each stored once, under the reference typed for it


def _stored(app_var_dir) -> list[str]:
    store = CaseStore(f"sqlite:///{app_var_dir / 'medapp.db'}", BlobStore(app_var_dir / "blobs"))
    return sorted(c["reference"] for c in store.list_cases() if c["reference"].startswith("LEAVE-"))
