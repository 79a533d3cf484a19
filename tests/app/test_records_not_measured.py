"""AppTest: a number field can be cleared back to 'not measured', and the explanation says so."""
from __future__ import annotations

from pathlib import Path

from apptest_helpers import form_field
from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[2]


def test_a_cleared_number_is_not_measured_not_its_minimum():
    at = AppTest.from_file(str(REPO / "pages/records.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    at.run()
    at.selectbox(key="records_model").set_value("Heart disease (UCI Cleveland)").run()
    at.button[0].click().run()  # load example patient: every field filled
    chol = form_field(at.number_input, "rec_heart-disease_chol")
    assert chol.value is not None
    chol.set_value(None)  # the user empties the field (inside the form: applied on submit)
    form_field(at.selectbox, "rec_heart-disease_thal").set_value("not measured")
    at.button[2].click().run()  # estimate
    assert not at.exception
    assert form_field(at.number_input, "rec_heart-disease_chol").value is None  # version 1.0 snapped back to 80 mg/dL
    assert any("2 of 13 values not measured (Serum cholesterol, Thallium stress test)" in w.value for w in at.warning)
    spec = at.get("plotly_chart")[0].proto.spec
    assert "Serum cholesterol = not measured" in spec and "Thallium stress test = not measured" in spec


def test_a_zero_that_means_not_recorded_is_said_so_above_the_result():
    """A browser review: diastolic blood pressure 0 was scored and explained as not measured (Pima's zeros), but
    the line above the result read "Diastolic blood pressure = 0 mmHg"."""
    at = AppTest.from_file(str(REPO / "pages/records.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    at.run()
    at.selectbox(key="records_model").set_value("Diabetes onset (Pima)").run()
    at.button(key="ex_diabetes").click().run()
    form_field(at.number_input, "rec_diabetes_blood_pressure").set_value(0)
    form_field(at.number_input, "rec_diabetes_pregnancies").set_value(0)  # a real zero
    at.button(key="FormSubmitter:patient_diabetes-Estimate risk").click().run()
    assert not at.exception
    [line] = [c.value for c in at.caption if "Estimate for the values submitted" in c.value]
    assert "Diastolic blood pressure = not measured (0 means not recorded)" in line
    assert "Pregnancies = 0 ·" in line  # no unit: "3 count" read oddly
