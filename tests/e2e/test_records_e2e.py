"""Browser test: Debian's chromium against the running app: score a patient, see the explanation."""
from __future__ import annotations

import re

from browser_helpers import choose
from playwright.sync_api import expect

from medapp.appbench import IDLE


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
    # the waterfall's ends and the patient's fields are drawn (a count of SVG paths passed for any chart: a review)
    drawn = " ".join(chart.locator("text").all_text_contents())  # the SVG's labels (inner_text gives the values)
    assert "training patients' mean log-odds" in drawn and re.search(r"this patient: \d{1,3}(\.\d)?%", drawn), drawn
    assert "Age = " in drawn, drawn  # a field of the patient, by its name and value
    page.screenshot(path=str(tmp_path / "records.png"), full_page=True)
    # beside the estimate where both are wide enough; under it at 1024 px, as wide as the page (beside it, the
    # waterfall's values ran into its labels: "= 0" then "-18.32" read as "= 0̶18.32", a review)
    wide = page.viewport_size
    assert chart.bounding_box()["x"] > metric.bounding_box()["x"] + 200
    page.set_viewport_size({"width": 1024, "height": 768})
    page.wait_for_timeout(500)
    under, box = chart.bounding_box(), metric.bounding_box()
    assert under["y"] > box["y"] + box["height"] and under["width"] >= box["width"] > 500, (under, box)
    page.set_viewport_size(wide)


def test_a_field_cleared_to_not_measured_stays_cleared_after_another_page(signed_in_page):
    """Seen in a browser review: a field emptied ("not measured") and estimated came back with the example's value
    after a trip to another page, and pressing Estimate again scored a value the clinician had removed."""
    page = signed_in_page
    page.get_by_role("link", name="Case records").click()
    choose(page, page.get_by_role("combobox").first, re.compile("^Heart disease"))
    chol = page.get_by_role("spinbutton", name=re.compile("Serum cholesterol")).first
    vessels = page.get_by_role("spinbutton", name=re.compile("Major vessels")).first
    chol.wait_for()  # the model's form is drawn: the click below lands on its button
    page.get_by_role("button", name="Load example patient").click()
    page.wait_for_function(IDLE)  # the example's run has ended: the fields it replaced are gone (ui/case_records._refill)
    expect(chol).not_to_have_value("", timeout=120_000)
    page.get_by_role("button", name="Estimate risk").click()  # first with every value
    expect(page.get_by_text(re.compile("Serum cholesterol = 240")).first).to_be_visible(timeout=120_000)
    age = page.get_by_role("spinbutton", name=re.compile("^Age")).first
    age.fill("61")
    chol.fill("")
    vessels.fill("")
    page.get_by_role("button", name="Estimate risk").click()
    expect(page.get_by_text(re.compile("Serum cholesterol = not measured")).first).to_be_visible(timeout=120_000)
    page.get_by_role("link", name="Models").click()
    page.get_by_role("heading", name="Models").first.wait_for()
    page.get_by_role("link", name="Case records").click()
    expect(age).to_have_value("61", timeout=120_000)
    expect(chol).to_have_value("")
    expect(vessels).to_have_value("")
    assert not page.get_by_text("The form has changed since this estimate").count()


def test_what_if_shows_the_newly_estimated_value_in_the_browser(signed_in_page):
    """A browser re-check: after the form estimated age 60 instead of 29, What if? showed 29 (the page held 60, so
    its estimate said "no change") and its + button then computed from 29."""
    page = signed_in_page
    page.get_by_role("link", name="Case records").click()
    choose(page, page.get_by_role("combobox").first, re.compile("^Heart disease"))
    age = page.get_by_test_id("stForm").get_by_role("spinbutton", name=re.compile("^Age"))
    page.get_by_role("spinbutton", name=re.compile("Serum cholesterol")).wait_for()  # this model's form is drawn
    page.get_by_role("button", name="Load example patient").click()
    page.wait_for_function(IDLE)  # the example's run has ended: the fields it replaced are gone (ui/case_records._refill)
    expect(age).to_have_value("55", timeout=120_000)
    page.get_by_role("button", name="Estimate risk").click()
    page.get_by_text("What if? Change a value").click()
    box = page.get_by_test_id("stExpander").filter(has_text="What if?")
    choose(page, box.get_by_role("combobox"), "Age")
    what_if_age = box.get_by_role("spinbutton")
    expect(what_if_age).to_have_value("55", timeout=120_000)
    age.fill("70")
    page.get_by_role("button", name="Estimate risk").click()
    expect(what_if_age).to_have_value("70", timeout=120_000)
    expect(box.get_by_text("no change")).to_be_visible()


def test_estimate_pressed_before_the_example_has_drawn_estimates_the_example(signed_in_page):
    """A presenter's review: *Load example patient* then *Estimate risk* within the example run's time (about a second
    under load) estimated the empty form the browser still showed, and that submission wiped the example."""
    page = signed_in_page
    page.get_by_role("link", name="Case records").click()
    choose(page, page.get_by_role("combobox").first, re.compile("^Heart disease"))
    age = page.get_by_role("spinbutton", name=re.compile("^Age")).first
    age.wait_for()
    page.get_by_role("button", name="Clear form").click()
    page.wait_for_function(IDLE)
    expect(age).to_have_value("", timeout=120_000)
    page.get_by_role("button", name="Load example patient").click()
    page.get_by_role("button", name="Estimate risk").click()  # at once: the browser still holds the empty form
    expect(page.get_by_text(re.compile(r"Age = 55 years")).first).to_be_visible(timeout=120_000)
    page.wait_for_function(IDLE)
    expect(age).to_have_value("55")
    assert not page.get_by_text(re.compile("Age = not measured")).count()


def test_the_example_patient_survives_a_trip_to_another_page_before_any_estimate(signed_in_page):
    """A re-check: *Load example patient*, then Models and back, showed an empty form: a form's values reach the
    server only when it is submitted, so values the page itself put in the form were never kept for the return."""
    page = signed_in_page
    page.get_by_role("link", name="Case records").click()
    choose(page, page.get_by_role("combobox").first, re.compile("^Heart disease"))
    age = page.get_by_role("spinbutton", name=re.compile("^Age")).first
    page.get_by_role("spinbutton", name=re.compile("Serum cholesterol")).first.wait_for()  # this model's form
    page.wait_for_function(IDLE)  # and its run has ended: the click below lands on its button
    page.get_by_role("button", name="Load example patient").click()
    page.wait_for_function(IDLE)
    expect(age).to_have_value("55", timeout=120_000)
    page.get_by_role("link", name="Models").click()
    page.get_by_role("heading", name="Models").first.wait_for()
    page.get_by_role("link", name="Case records").click()
    expect(age).to_have_value("55", timeout=120_000)
    expect(page.get_by_role("spinbutton", name=re.compile("Serum cholesterol")).first).to_have_value("240")
