"""Meeting mode on a projector: the presenter turns off their own verdict forms, which sat between the analyses the
room reads (a presenter's review: about eight screens for a case of six analyses). The verdicts recorded stay listed,
and a form holding a verdict chosen and not recorded stays, so nothing typed is hidden."""
from __future__ import annotations

from apptest_helpers import CLIN, REV, open_page

from medapp.analysis import analyse
from medapp.cases.store import CaseStore
from medapp.registry import load_model

OTHER = {"username": "olga", "role": "reviewer"}


def _record_buttons(at) -> list:
    return [b for b in at.button if b.label == "Record verdict"]


def test_the_presenter_hides_their_verdict_forms_and_the_recorded_verdicts_stay(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    model = load_model("heart-disease")
    result = analyse(model, model.example_input())
    case_id = store.create_case("MEET-FORMS", CLIN)
    ids = [store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction,
                              explanation=result.explanation, input_bytes=f'{{"p": {i}}}'.encode(),
                              input_name=f"p{i}.json") for i in range(3)]
    store.set_verdict(ids[1], OTHER, "disagree", "pericarditis", "", expected_version=0)

    at = open_page("pages/meeting.py", REV)
    assert not at.exception and len(_record_buttons(at)) == 3
    at.radio(key=f"v_m{ids[0]}").set_value("agree").run()  # chosen, not recorded
    at.toggle(key="meeting_forms").set_value(False).run()
    assert not at.exception
    assert any("Verdict forms hidden" in c.value for c in at.caption)  # said in words, not only by a pale toggle
    # only the form holding the unrecorded choice stays; the others are gone from the projector
    assert len(_record_buttons(at)) == 1 and at.radio(key=f"v_m{ids[0]}").value == "agree"
    assert any("**olga**: disagree" in m.value for m in at.markdown)  # a recorded verdict is still listed
    _record_buttons(at)[0].click().run()
    assert [v["verdict"] for v in store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]] \
        == ["agree"]
    at.run()  # recorded: nothing unfinished is left in it, so that form goes too
    assert not at.exception and _record_buttons(at) == []
    assert any("**rui**: agree" in m.value for m in at.markdown)
    at.toggle(key="meeting_forms").set_value(True).run()
    assert len(_record_buttons(at)) == 3 and at.radio(key=f"v_m{ids[0]}").value == "agree"
