"""AppTest: the words chart is never led by placeholders or labels, and the end of a long note is explained."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]
NOTE = ("Patient: Jane Miller   DOB: 12/03/1956   MRN: 4471203\nSeen by Dr Alice Morgan on 14 March 2024.\n"
        + "She was reviewed in clinic today and the history was taken with her daughter Siobhan present. " * 8
        + "\nAssessment: red itchy rash with silvery scales on both elbows and knees, pitted nails.")


def test_the_words_chart_names_words_of_the_note_not_placeholders():
    at = AppTest.from_file(str(REPO / "pages/notes.py"), default_timeout=240)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    at.run()
    at.selectbox(key="notes_model").set_value("Disease from a symptom description (Symptom2Disease)").run()
    at.text_area(key="notes_text").set_value(NOTE).run()
    at.button(key="notes_go").click().run()
    assert not at.exception
    assert at.subheader[0].value == "Psoriasis"
    assert any("Removed before analysis" in c.value and "NAME" in c.value for c in at.caption)
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if "Words that moved the probability" in c.proto.spec)
    names = [str(y) for trace in spec["data"] for y in trace["y"]]
    assert names
    for hidden in ("[NAME]", "[DATE]", "[ID]", "DOB:", "MRN:", "Patient:"):
        assert not any(hidden in n for n in names), names
    assert "Siobhan" not in " ".join(names)
    assert any(w in names[-1].lower() for w in ("rash", "scales", "silvery", "elbows", "nails", "itchy", "pitted"))
