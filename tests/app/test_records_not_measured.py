"""AppTest: a number field can be cleared back to 'not measured', and the explanation says so."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]


def test_a_cleared_number_is_not_measured_not_its_minimum():
    at = AppTest.from_file(str(REPO / "pages/records.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    at.run()
    at.selectbox(key="records_model").set_value("Heart disease (UCI Cleveland)").run()
    at.button[0].click().run()  # load example patient: every field filled
    chol = at.number_input(key="rec_heart-disease_chol")
    assert chol.value is not None
    chol.set_value(None)  # the user empties the field (inside the form: applied on submit)
    at.selectbox(key="rec_heart-disease_thal").set_value("not measured")
    at.button[2].click().run()  # estimate
    assert not at.exception
    assert at.number_input(key="rec_heart-disease_chol").value is None  # version 1.0 snapped back to 80 mg/dL
    assert any("2 of 13 values not measured (Serum cholesterol, Thallium stress test)" in w.value for w in at.warning)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Serum cholesterol = not measured" in spec and "Thallium stress test = not measured" in spec
