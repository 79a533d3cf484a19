"""Browser test: load example profiles on the Gene expression page, see the class and the top genes, save to a case."""
from __future__ import annotations

from browser_helpers import select_tab
from playwright.sync_api import expect

from medapp.appbench import click_when_still
from medapp.registry import load_model
from medapp.ui.genomics import example_csv


def test_classify_examples_see_top_genes_and_save(signed_in_page, tmp_path):
    page = signed_in_page
    page.get_by_role("link", name="Gene expression").click()
    page.get_by_role("heading", name="Gene expression").wait_for()
    page.get_by_role("button", name="Load example profiles").click()
    page.get_by_text("5 sample(s), read as samples as rows").wait_for()
    metric = page.locator('[data-testid="stMetricValue"]').first
    metric.wait_for()
    assert metric.inner_text().strip() == "BL"
    chart = page.locator(".js-plotly-plot").first
    chart.wait_for()
    assert "Top genes" in chart.inner_text()
    select_tab(page, "Cohort figures")
    page.get_by_text("Samples (grouped by predicted class)").wait_for()

    select_tab(page, "One sample")
    page.locator("summary", has_text="Save to case").click()  # an inline form
    page.get_by_text("New case", exact=True).click()  # other browser tests may have left open cases
    page.get_by_role("textbox", name="Pseudonymous case reference").fill("E2E-GX-1")
    page.get_by_role("textbox", name="Pseudonymous case reference").press("Enter")
    # the expander may still be opening: a button clicked while it moves is missed (nothing is sent)
    click_when_still(page, page.get_by_role("button", name="Save", exact=True))
    page.get_by_text("in case E2E-GX-1").wait_for()
    page.screenshot(path=str(tmp_path / "genomics.png"), full_page=True)

    page.get_by_role("link", name="Cases").click()
    page.get_by_role("heading", name="Case ", exact=False).first.wait_for()
    # other browser tests of this session save cases too: open ours by its reference
    box = page.get_by_test_id("stSelectbox").filter(has_text="Open case")
    box.click()
    box.locator("input").fill("E2E-GX-1")
    box.locator("input").press("Enter")
    page.get_by_role("heading", name="Case E2E-GX-1").wait_for()
    # visible text only: once other tests have saved cases, the case table's grid holds hidden cells naming the model
    page.get_by_text("srbct-tumour").filter(visible=True).first.wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    assert "Top genes" in page.locator(".js-plotly-plot").first.inner_text()

    # an uploaded file outlives a trip to another page (it was not kept: the page came back without it)
    profiles = example_csv(load_model("srbct-tumour")).decode().splitlines()
    upload = tmp_path / "two-profiles.csv"
    upload.write_text("\n".join(profiles[:3]) + "\n")
    page.get_by_role("link", name="Gene expression").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.get_by_text("two-profiles.csv: 2 sample(s)").wait_for()
    page.get_by_role("link", name="Models").click()
    page.get_by_role("heading", name="Models", exact=True).wait_for()
    page.get_by_role("link", name="Gene expression").click()
    page.get_by_text("Kept from before you left this page").wait_for()
    expect(page.get_by_text("two-profiles.csv: 2 sample(s)")).to_be_visible()
