"""A projector opened before the first save: the case appears on it without a click.

A review opened Meeting mode before the clinicians saved anything; the screen said "No case matches these filters"
and, 18 s after the case was made, still did (the page stopped before it started its timer)."""
from __future__ import annotations

from browser_helpers import choose

from medapp.analysis import analyse
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.registry import load_model

MODEL = "kidney-disease"  # no other browser test saves an analysis of it: the filtered list starts empty


def test_a_case_saved_after_meeting_mode_opened_appears_without_a_click(signed_in_page, app_var_dir):
    page = signed_in_page
    page.get_by_role("link", name="Meeting mode").click()
    page.get_by_text("Which cases").click()
    box = page.get_by_test_id("stSelectbox").filter(has_text="Model")
    choose(page, box.get_by_role("combobox"), MODEL)
    page.get_by_text("No case matches these filters").wait_for()

    store = CaseStore(f"sqlite:///{app_var_dir / 'medapp.db'}", BlobStore(app_var_dir / "blobs"))
    model = load_model(MODEL)
    result = analyse(model, model.example_input())
    admin = {"username": "e2e-admin", "role": "admin"}
    case_id = store.create_case("MEET-LATE", admin)
    store.add_analysis(case_id, admin, card=model.card, prediction=result.prediction,
                       explanation=result.explanation, input_bytes=b'{"late": 1}', input_name="late.json")
    # the page's timer asks every 4 s; on a loaded 2-core machine a rerun takes a few more
    page.get_by_role("heading", name="MEET-LATE").wait_for(timeout=30_000)
    assert page.get_by_text("No case matches these filters").count() == 0
