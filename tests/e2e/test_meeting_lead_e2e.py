"""A review meeting in two browsers: the presenter leads, a reviewer's screen follows, and moves when the presenter
presses Next, without a click at the reviewer's desk. Every screen used to move on its own (a clinician's review)."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from browser_helpers import choose
from playwright.sync_api import expect

from medapp.analysis import analyse
from medapp.appbench import IDLE, sign_in
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.registry import load_model

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FOLLOWER, PASSWORD = "rev-fola", "rev-fola-password-1"
TITLE = re.compile(r"Case \d+ of \d+ · ")


def _screen_box(page):
    return page.get_by_test_id("stSelectbox").filter(has_text="This screen").get_by_role("combobox")


def _title(page) -> str:
    return page.get_by_role("heading", name=TITLE).inner_text()


def test_a_reviewer_screen_follows_the_presenter_without_a_click(signed_in_page, browser, app_url, app_var_dir):
    env = {**os.environ, "MEDAPP_VAR_DIR": str(app_var_dir), "PW": PASSWORD}
    subprocess.run([sys.executable, "-m", "medapp", "users", "add", "--role", "reviewer", FOLLOWER,
                    "--password-env", "PW"], cwd=REPO, env=env, check=True, capture_output=True)
    store = CaseStore(f"sqlite:///{app_var_dir / 'medapp.db'}", BlobStore(app_var_dir / "blobs"))
    model = load_model("heart-disease")
    result = analyse(model, model.example_input())
    admin = {"username": "e2e-admin", "role": "admin"}
    for ref in ("LEAD-E2E-1", "LEAD-E2E-2"):  # at least two cases, whatever the other browser tests saved
        case_id = store.create_case(ref, admin)
        store.add_analysis(case_id, admin, card=model.card, prediction=result.prediction,
                           explanation=result.explanation, input_bytes=ref.encode(), input_name="p.json")

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        # the desk opens Meeting mode before the presenter leads: "Follows e2e-admin" is offered without a reload
        desk = context.new_page()
        desk.set_default_timeout(120_000)
        sign_in(desk, app_url, FOLLOWER, PASSWORD)
        desk.get_by_role("link", name="Meeting mode").click()
        desk.get_by_role("heading", name=TITLE).wait_for()
        desk.wait_for_function(IDLE)

        chair = signed_in_page
        chair.get_by_role("link", name="Meeting mode").click()
        chair.get_by_role("heading", name=TITLE).wait_for()
        choose(chair, _screen_box(chair), "Leads: others can follow")
        chair.locator(".stMarkdownBadge", has_text="leading").wait_for()

        choose(desk, _screen_box(desk), "Follows e2e-admin")  # within the page's 4-second timer, no reload
        desk.locator(".stMarkdownBadge", has_text="following e2e-admin").wait_for()
        expect(desk.get_by_role("heading", name=TITLE)).to_have_text(_title(chair))

        # the presenter moves on; the desk's screen moves by itself, counted as the presenter counts it
        before = _title(chair)
        step = chair.get_by_role("button", name="Next ▶")
        (step if step.is_enabled() else chair.get_by_role("button", name="◀ Previous")).click()
        expect(chair.get_by_role("heading", name=TITLE)).not_to_have_text(before)
        moved = _title(chair)
        expect(desk.get_by_role("heading", name=TITLE)).to_have_text(moved, timeout=30_000)
        expect(desk.get_by_role("button", name="Next ▶")).to_be_disabled()  # the presenter's to press

        desk.reload()  # a reload keeps following (the address holds ?follow=)
        desk.locator(".stMarkdownBadge", has_text="following e2e-admin").wait_for()
        expect(desk.get_by_role("heading", name=TITLE)).to_have_text(moved)

        choose(chair, _screen_box(chair), "Moves on its own")  # stops leading
        desk.get_by_text("e2e-admin stopped leading the meeting", exact=False).first.wait_for(timeout=30_000)
        expect(desk.get_by_role("heading", name=TITLE)).to_contain_text(moved.split(" · ")[1])
    finally:
        context.close()
