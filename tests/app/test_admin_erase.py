"""AppTest of the Admin page's Erase tab: an analysis or a whole case erased after the reference is typed again,
confirmed on screen; a wrong confirmation or a reason that repeats an identifier erases nothing."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from medapp.cases.store import CaseStore, StoreError
from medapp.security.accounts import create_user
from tests.app.apptest_helpers import REPO, REV, heart_disease_cases, open_page
from tests.stored_inputs import aged

ADMIN = {"username": "ada", "role": "admin"}


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    store = CaseStore()
    create_user(store, "ada", "admin password 1", "admin")
    return store


def erase_tab(reference: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/admin.py"), default_timeout=120)
    at.session_state["medapp_user"] = ADMIN
    at.run()
    at.text_input(key="erase_reference_0").set_value(reference).run()
    return at


def fill(at: AppTest, choice: str, reason: str, typed: str, round_: int = 0) -> AppTest:
    [option] = [o for o in at.radio(key=f"erase_what_{round_}").options if o.startswith(choice)]
    at.radio(key=f"erase_what_{round_}").set_value(option)
    at.text_input(key=f"erase_reason_{round_}").set_value(reason)
    at.text_input(key=f"erase_confirm_{round_}").set_value(typed)
    return at.button(key="erase_go").click().run()


def test_an_admin_erases_one_analysis_then_the_whole_case(store):
    [(case_id, first), (_, other)] = heart_disease_cases(store, ("MDT-ER1", "MDT-ER2"))
    model_case = store.case_detail(case_id, ADMIN, log_view=False)
    store.set_verdict(first, REV, "agree", "stable angina", expected_version=0)
    aged(store)  # saved a minute ago: an input written seconds ago may be another save's (kept)
    at = erase_tab("mdt-er1")  # capitals do not matter
    assert not at.exception
    options = at.radio(key="erase_what_0").options
    assert options[0] == "The whole case MDT-ER1 (1 analysis and their verdicts)"
    assert f"rui's verdict on analysis #{first} ('agree', final diagnosis 'stable angina')" in options

    assert at.radio(key="erase_what_0").value is None  # nothing chosen for the administrator
    at.text_input(key="erase_reason_0").set_value("wrong patient's case")
    at.text_input(key="erase_confirm_0").set_value("MDT-ER1")
    at.button(key="erase_go").click().run()
    assert [e.value for e in at.error] == ["Choose what to erase; nothing was erased."]
    fill(at, f"Analysis #{first}", "wrong patient's case", typed="MDT-ER2")  # the other case's reference
    assert [e.value for e in at.error] == ["Type the case reference MDT-ER1 in the last box to confirm; nothing "
                                           "was erased."]
    fill(at, f"Analysis #{first}", "the name Joan Fairweather was in it", typed="MDT-ER1")
    assert "repeats an identifier" in at.error[0].value and "Nothing was erased" in at.error[0].value
    assert len(store.case_detail(case_id, ADMIN, log_view=False)["analyses"]) == 1

    fill(at, f"Analysis #{first}", "saved to the wrong patient's case", typed="MDT-ER1")
    assert not at.exception and not at.error
    assert [m.value for m in at.success] == [f"Erased analysis #{first}: 1 analysis, 1 verdict, 1 stored input "
                                             "removed; its text blanked in 1 earlier audit row that quoted it."]
    assert at.text_input(key="erase_reference_1").value == ""  # a fresh form: nothing carried to the next erasure
    assert store.case_detail(case_id, ADMIN, log_view=False)["analyses"] == []
    assert model_case["analyses"][0]["input_sha256"] and store.input_bytes(
        model_case["analyses"][0]["input_sha256"]) is None

    # the review meeting sees that it went, by whom and why, on the Cases page and on the projector
    said = (f"analysis #{first} was erased from this case by ada on .* UTC \\(saved to the wrong patient's case\\)")
    cases = open_page("pages/cases.py", REV)
    cases.selectbox(key="case_open").set_value(case_id).run()
    meeting = open_page("pages/meeting.py", REV)
    for page in (cases, meeting):
        assert not page.exception
        assert [c for c in page.caption if re.search(said, html.unescape(c.value))], [c.value for c in page.caption]

    with store.Session.begin() as s:  # a surname the title check missed
        s.execute(text("UPDATE cases SET title = 'Quill family' WHERE reference = 'MDT-ER2'"))
    at.text_input(key="erase_reference_1").set_value("MDT-ER2").run()
    assert "Only the case's title ('Quill family')" in at.radio(key="erase_what_1").options
    fill(at, "The whole case", "surname in the case title", typed="mdt-er2", round_=1)
    assert [m.value for m in at.success] == ["Erased case MDT-ER2: 1 analysis, 1 stored input removed; its text "
                                             "blanked in 1 earlier audit row that quoted it."]
    with pytest.raises(StoreError, match="was erased by ada"):
        store.set_verdict(other, REV, "agree")
    at.text_input(key="erase_reference_2").set_value("MDT-ER2").run()
    assert [html.unescape(m.value) for m in at.info] == ["There is no case with the reference 'MDT-ER2'."]
    # the audit tab reads the erasures in words, the erased targets by number
    table = at.dataframe[1].value  # users, then the audit trail
    erased = table[table["action"].isin(["case.erase", "analysis.erase"])]
    assert set(erased["what"]) == {"case erased", "analysis erased"}
    assert f"analysis #{first} (erased)" in set(erased["target"])


def test_meeting_mode_and_the_cases_page_move_on_when_the_case_on_screen_is_erased(store):
    """The projector showed the erased case's analyses until someone clicked; the next run shows another case and the
    Cases page says the case is gone (the address still names it)."""
    from medapp.cases.erasure import erase_case
    from tests.app.apptest_helpers import CLIN

    [(first, _), (second, _)] = heart_disease_cases(store, ("MDT-SHOWN", "MDT-NEXT"))
    meeting = open_page("pages/meeting.py", REV)
    cases = open_page("pages/cases.py", CLIN)
    cases.selectbox(key="case_open").set_value(first).run()
    assert any("MDT-SHOWN" in m.value for m in meeting.markdown)  # the first case is on the projector
    erase_case(store, first, ADMIN, "wrong patient's images")
    meeting.run()
    cases.run()
    assert not meeting.exception and not cases.exception
    shown = " ".join(m.value for m in meeting.markdown)
    assert "MDT-NEXT" in shown and "MDT-SHOWN" not in shown
    assert "MDT-SHOWN" not in " ".join(m.value for m in cases.markdown) and not cases.error
