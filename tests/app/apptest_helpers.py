"""What the AppTests of the review pages share: their users, opening a page as a user, a case to review."""
from __future__ import annotations

import html
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import load_model

REPO = Path(__file__).resolve().parents[2]
CLIN = {"username": "carla", "role": "clinician"}
REV = {"username": "rui", "role": "reviewer"}


def open_page(path: str, user: dict, timeout: float = 180) -> AppTest:
    """One page (not app.py) run as `user`, already signed in."""
    at = AppTest.from_file(str(REPO / path), default_timeout=timeout)
    at.session_state["medapp_user"] = user
    return at.run()


_SAID = re.compile(r"^:(green|red)\[:material/\w+: (.*)\]$", re.S)


def verdict_outcomes(at: AppTest) -> list[tuple[str, str]]:
    """What the verdict forms say beside Record verdict, as ("success" or "error", text), in page order."""
    found = [_SAID.match(m.value) for m in at.markdown]
    return [("success" if m[1] == "green" else "error", html.unescape(m[2])) for m in found if m]


def records_page(model_name: str) -> AppTest:
    """The Case records page as a clinician, with `model_name` chosen."""
    at = open_page("pages/records.py", CLIN)
    at.selectbox(key="records_model").set_value(model_name).run()
    return at


def heart_disease_save_form() -> tuple[AppTest, str]:
    """The Case records page after the heart-disease example was estimated: (page, key of its Save-to-case form)."""
    at = records_page("Heart disease (UCI Cleveland)")
    at.button(key="ex_heart-disease").click().run()
    next(b for b in at.button if b.label == "Estimate risk").click().run()
    [mode] = [r for r in at.radio if r.key and r.key.startswith("case_mode_")]
    return at, mode.key.removeprefix("case_mode_")


def heart_disease_cases(store: CaseStore, references: tuple[str, ...]) -> list[tuple[int, int]]:
    """One case per reference, each holding the heart-disease model's analysis of its example patient (a
    different input per case): [(case id, analysis id)]."""
    model = load_model("heart-disease")
    result = analyse(model, model.example_input())
    out = []
    for ref in references:
        case_id = store.create_case(ref, CLIN)
        out.append((case_id, store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction,
                                                explanation=result.explanation, input_bytes=ref.encode(),
                                                input_name=f"{ref}.json")))
    return out


def form_field(widgets, key: str):
    """The Case records form field keyed `key` as the page last drew it: `key`, or `key.N` once *Load example
    patient* or *Clear form* has filled the form (`ui/case_records.field_key`). `widgets`: at.number_input or
    at.selectbox."""
    found = [w for w in widgets if w.key == key or str(w.key).startswith(f"{key}.")]
    assert len(found) == 1, (key, [w.key for w in widgets])
    return found[0]
