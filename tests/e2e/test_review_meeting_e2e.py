"""A review meeting in two browsers: two reviewers record verdicts at full speed; none is lost.

Before the fix, a verdict submitted while the page was still running after the previous one was dropped
while the form still showed the choice (3 of 5 at a one-second pace, 15-19 of 20 at full speed): the
click reached the server, but Streamlit abandons a callback at its first st.session_state read when the
next click's rerun request is already waiting. The page now stores submitted values that were not handled.

A second loss (1 of 20, once in six loaded runs): a "Verdict recorded" box appearing under the previous form pushed
this form down between the press and the release of its button, so the browser made no click of it. The outcome is
now said beside the button, where it moves nothing; the failure report counts the presses and clicks that reached
each button, to tell the two kinds of loss apart.

A third (1 of 20, once in six loaded runs; press and click reached the button): the run that took the click was
overtaken by the followed case's timer and stopped before handling it (medapp/ui/runtime.py; reproduced on demand in
test_click_carry_e2e.py).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from medapp.analysis import analyse
from medapp.appbench import IDLE, sign_in
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.registry import load_model

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
E2E_USER, E2E_PASSWORD = "e2e-admin", "e2e-password-123"  # created by tests/conftest.py
REVIEWERS = {"rev-ana": "rev-ana-password-1", "rev-ben": "rev-ben-password-1"}
N_ANALYSES = 10  # x 2 reviewers = 20 verdicts
VERDICT_FORMS = "[class*='st-key-verdict_']"  # each analysis's verdict fields (medapp/ui/review.verdict_form)
VERDICT_CYCLE = ("agree", "disagree", "uncertain")
# Full speed: the two reviewers interleaved, never waiting for a page to finish its run (before the fix 15-19
# of 20 were stored this way on a loaded 2-core machine).
PACE_MS = 0


@pytest.fixture(scope="module")
def meeting_case(app_url, app_var_dir):
    """A case with N_ANALYSES records analyses and two reviewer accounts, in the running app's database."""
    for name, password in REVIEWERS.items():
        env = {**os.environ, "MEDAPP_VAR_DIR": str(app_var_dir), "PW": password}
        subprocess.run([sys.executable, "-m", "medapp", "users", "add", "--role", "reviewer", name,
                        "--password-env", "PW"], cwd=REPO, env=env, check=True, capture_output=True)
    store = CaseStore(f"sqlite:///{app_var_dir / 'medapp.db'}", BlobStore(app_var_dir / "blobs"))
    model = load_model("heart-disease")
    result = analyse(model, model.example_input())
    case_id = store.create_case("MEET-20", {"username": "e2e-admin", "role": "admin"})
    for i in range(N_ANALYSES):  # distinct inputs, so each is its own analysis
        store.add_analysis(case_id, {"username": "e2e-admin", "role": "admin"}, card=model.card,
                           prediction=result.prediction, explanation=result.explanation,
                           input_bytes=f'{{"patient": {i}}}'.encode(), input_name=f"p{i}.json")
    return store, case_id


def _sign_in_and_open(browser, app_url, name, password):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    sign_in(page, app_url, name, password)
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("heading", name="Case ", exact=False).first.wait_for()  # the page has settled
    box = page.get_by_test_id("stSelectbox").filter(has_text="Open case")
    box.click()
    box.locator("input").fill("MEET-20")
    box.locator("input").press("Enter")
    page.get_by_role("heading", name="Case MEET-20").wait_for()
    expect(page.locator(VERDICT_FORMS)).to_have_count(N_ANALYSES)
    page.evaluate(_COUNT_PRESSES)
    return context, page


# For a failure's report: per form, how many presses (mousedown) and clicks reached a Record verdict button. A press
# without its click is a button that moved under the pointer; a click with nothing stored was lost in the server.
_COUNT_PRESSES = """() => {
  window.verdictInput = {mousedown: {}, click: {}};
  for (const kind of ["mousedown", "click"]) {
    document.addEventListener(kind, (event) => {
      const button = event.target.closest("button");
      if (!button || !button.innerText.includes("Record verdict")) return;
      const i = [...document.querySelectorAll(`[class*="st-key-verdict_"]`)].indexOf(button.closest(`[class*="st-key-verdict_"]`));
      window.verdictInput[kind][i] = (window.verdictInput[kind][i] || 0) + 1;
    }, true);
  }
}"""


def _presenter(browser, app_url, case_id):
    """The chair's projector: Meeting mode on the case, opened before the reviewers start, never clicked again."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{app_url}/meeting?case={case_id}")  # the case's address; the sign-in form opens there
    page.get_by_label("User name").fill(E2E_USER)
    page.get_by_label("Password", exact=True).fill(E2E_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="MEET-20").wait_for()
    return context, page


def _what_the_forms_show(stored: dict, expected: dict, sessions: dict) -> str:
    """For a failure: each verdict not stored as chosen, with what its form shows (its choice, its messages),
    and a screenshot per reviewer. A verdict lost once under full-suite load (2026-12-04) could not be
    reproduced in four loaded runs; this says next time whether the click, the callback or the store lost it."""
    lines = []
    for (i, name), verdict in expected.items():
        if stored.get((i, name)) != verdict:
            page = sessions[name][1]
            form = page.locator(VERDICT_FORMS).nth(i)
            checked = [v for v in VERDICT_CYCLE if form.get_by_role("radio", name=v, exact=True).is_checked()]
            shown = form.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]").inner_text()
            reached = page.evaluate(f"[window.verdictInput.mousedown[{i}] || 0, window.verdictInput.click[{i}] || 0]")
            lines.append(f"{name} analysis {i}: chose {verdict}, stored {stored.get((i, name))}, form checked "
                         f"{checked}; presses/clicks that reached its button {reached}; the analysis shows: {shown!r}")
    for name, (_, page) in sessions.items():
        page.screenshot(path=f"/tmp/review_meeting_failure_{name}.png", full_page=True)
    return "\n".join(lines) + "\n(screenshots: /tmp/review_meeting_failure_*.png)"


def test_two_reviewers_record_twenty_verdicts_at_full_speed(browser, app_url, meeting_case):
    store, case_id = meeting_case
    projector = _presenter(browser, app_url, case_id)
    # the chair starts a verdict on the projector (a choice and a comment) and does not press Record verdict
    chair_form = projector[1].locator(VERDICT_FORMS).first
    chair_form.get_by_text("uncertain", exact=True).click()
    typing = chair_form.get_by_role("textbox", name="Comment")
    typing.fill("half-typed: discuss the ECG")
    sessions = {name: _sign_in_and_open(browser, app_url, name, pw) for name, pw in REVIEWERS.items()}
    expected = {}
    # Interleaved, without waiting for any page to finish redrawing: clicks land mid-rerun.
    for i in range(N_ANALYSES):
        for r, (name, (_, page)) in enumerate(sessions.items()):
            verdict = VERDICT_CYCLE[(i + r) % 3]
            form = page.locator(VERDICT_FORMS).nth(i)
            for _ in range(3):  # a redraw can replace the radio under the click; the reviewer sees that and clicks again
                form.get_by_text(verdict, exact=True).click()
                if form.get_by_role("radio", name=verdict, exact=True).is_checked():
                    break
            form.get_by_role("button", name="Record verdict").click()
            expected[(i, name)] = verdict
            page.wait_for_timeout(PACE_MS)

    def stored() -> dict:
        analyses = store.case_detail(case_id, {"username": "e2e-admin", "role": "admin"}, log_view=False)["analyses"]
        ids = [a["id"] for a in analyses]
        return {(ids.index(a["id"]), v["reviewer"]): v["verdict"] for a in analyses for v in a["verdicts"]}

    deadline = time.time() + 120  # the clicks were sent; their reruns may still be running on 2 cores
    while len(stored()) < len(expected) and time.time() < deadline:
        time.sleep(1)
    assert stored() == expected, _what_the_forms_show(stored(), expected, sessions)  # all 20, each as chosen
    events = [e for e in store.audit_events(action="verdict") if e["username"] in REVIEWERS]
    assert len(events) == 2 * N_ANALYSES  # each stored once: no duplicate writes
    for name, (_, page) in sessions.items():  # and each reviewer sees all of their verdicts on the page
        lines = page.get_by_text(re.compile(rf"{name}: (agree|disagree|uncertain)$"))
        expect(lines).to_have_count(N_ANALYSES, timeout=120_000)
        assert [t.split(": ")[1] for t in lines.all_inner_texts()] == [expected[(i, name)] for i in range(N_ANALYSES)]
        # and each form confirms its verdict (a confirmation that a cut-short run swallowed would be missing)
        # (beside the button, after its icon)
        confirmations = page.get_by_text(re.compile(r"Verdict recorded: (agree|disagree|uncertain) on analysis #"))
        expect(confirmations).to_have_count(N_ANALYSES)
        assert [t.split(": ")[1].split(" ")[0] for t in confirmations.all_inner_texts()] == \
            [expected[(i, name)] for i in range(N_ANALYSES)]
    # Everyone's verdicts appear without a click (ui/review.follow_case): on each reviewer's Cases page the other
    # reviewer's ten, and on the projector all twenty, in the order of the analyses
    everyone = re.compile(r"rev-(ana|ben): (agree|disagree|uncertain)$")
    # per analysis, in the order of the analyses (the two reviewers' verdicts in the order they were stored)
    per_analysis = [{f"{name}: {expected[(i, name)]}" for name in REVIEWERS} for i in range(N_ANALYSES)]
    for _, page in (*sessions.values(), projector):
        expect(page.get_by_text(everyone)).to_have_count(2 * N_ANALYSES, timeout=60_000)
    shown = [everyone.search(text).group(0) for text in projector[1].get_by_text(everyone).all_inner_texts()]
    assert [set(shown[i: i + 2]) for i in range(0, len(shown), 2)] == per_analysis  # (text starts with the icon)
    expect(typing).to_have_value("half-typed: discuss the ECG")  # the redraws kept what the chair was typing
    sessions["rev-ana"][1].screenshot(path="/tmp/review_meeting_two_reviewers.png", full_page=True)
    for context, _ in sessions.values():  # the reviewers are done
        context.close()
    # a reviewer closes the case while the chair is still typing: the forms stay, locked, holding what was typed
    # (each form was replaced by a line, and the typing lost, until 2026-12-04)
    store.set_status(case_id, {"username": "rev-ana", "role": "reviewer"}, "closed")
    closed = projector[1].get_by_text(re.compile(r"^This case is closed by rev-ana at \d\d:\d\d UTC"))
    expect(closed).to_have_count(N_ANALYSES, timeout=60_000)
    expect(typing).to_have_value("half-typed: discuss the ECG")
    expect(projector[1].get_by_role("button", name="Record verdict").first).to_be_disabled()
    # reopened: what the chair typed is still only typed (a reopen stored it as a verdict nobody pressed, until
    # 2026-12-04); a follow check and its run pass before the store is read
    store.set_status(case_id, {"username": "rev-ana", "role": "reviewer"}, "open")
    expect(projector[1].get_by_role("button", name="Record verdict").first).to_be_enabled(timeout=60_000)
    projector[1].wait_for_timeout(5000)
    projector[1].wait_for_function(IDLE)
    chair_verdicts = [v for a in store.case_detail(case_id, {"username": E2E_USER, "role": "admin"},
                                                   log_view=False)["analyses"]
                      for v in a["verdicts"] if v["reviewer"] == E2E_USER]  # (another test's verdicts are elsewhere)
    assert chair_verdicts == []
    expect(typing).to_have_value("half-typed: discuss the ECG")
    expect(chair_form.get_by_role("radio", name="uncertain", exact=True)).to_be_checked()
    projector[1].screenshot(path="/tmp/review_meeting_projector.png", full_page=True)
    projector[0].close()
