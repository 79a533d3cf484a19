"""A comment being typed reaches the server without the box being left: a following screen moved on from a comment
still being typed and lost it, never kept as a draft (a re-check of the review meeting)."""
from __future__ import annotations

import time

from medapp.analysis import analyse
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.registry import load_model


def test_a_comment_being_typed_is_kept_as_a_draft_while_the_box_keeps_the_focus(signed_in_page, app_url, app_var_dir):
    page = signed_in_page
    store = CaseStore(f"sqlite:///{app_var_dir / 'medapp.db'}", BlobStore(app_var_dir / "blobs"))
    model = load_model("diabetes")
    result = analyse(model, model.example_input())
    admin = {"username": "e2e-admin", "role": "admin"}
    case_id = store.create_case("TYPING-1", admin)
    analysis_id = store.add_analysis(case_id, admin, card=model.card, prediction=result.prediction,
                                     explanation=result.explanation, input_bytes=b'{"typing": 1}',
                                     input_name="typing.json")
    page.goto(f"{app_url}/meeting?case={case_id}")
    page.get_by_role("heading", name="TYPING-1").wait_for(timeout=60_000)
    comment = page.locator(f".st-key-verdict_m{analysis_id} textarea")
    comment.click()
    comment.press_sequentially("effusion on the left, still typing", delay=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # about 1.2 s after the last key, then one run of the page
        draft = store.verdict_drafts(admin, [analysis_id]).get(analysis_id)
        if draft is not None and draft.comment == "effusion on the left, still typing":
            break
        time.sleep(0.3)
    else:
        raise AssertionError(f"no draft of the comment being typed: {draft}")
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"  # the box kept the focus
    comment.press_sequentially(" and more", delay=30)  # typing on after the application is not lost
    time.sleep(3)
    assert comment.input_value() == "effusion on the left, still typing and more"
    assert store.verdict_drafts(admin, [analysis_id])[analysis_id].comment.endswith("and more")
