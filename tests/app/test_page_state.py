"""AppTest: a page keeps its work when the user goes to another page and comes back.

Before: Streamlit deleted the state of widgets not drawn, so the note text, the chosen model and
form values were gone on coming back, and Clinical notes said "The note is empty" unasked.
"""
from __future__ import annotations

NOTE = "Patient has a red itchy rash on both arms and a mild fever for three days."


def test_note_text_and_model_choice_survive_a_trip_to_another_page(signed_in):
    at = signed_in
    at.switch_page("pages/notes.py").run()
    assert not at.exception
    models = at.selectbox(key="notes_model")
    other = [o for o in models.options if o != models.value][0]
    models.set_value(other).run()
    at.text_area(key="notes_text").input(NOTE).run()
    at.switch_page("pages/records.py").run()
    assert not at.exception
    at.switch_page("pages/notes.py").run()
    assert not at.exception
    assert at.text_area(key="notes_text").value == NOTE
    assert at.selectbox(key="notes_model").value == other
    assert not any("The note is empty" in e.value for e in at.error)


def test_a_value_is_kept_as_its_run_takes_it_before_any_of_the_page_runs(signed_in):
    """Before: a note committed (Ctrl+Enter) and a page link clicked within milliseconds lost the note, 1 time in
    10-14 in a browser on a loaded machine: the click stopped the note's run before app.py kept the value, and the
    page change does not send the previous page's values. Now the value is kept where the run takes it from the
    browser (medapp/ui/runtime.py), before a line of app.py runs."""
    from streamlit.proto.WidgetStates_pb2 import WidgetStates

    from medapp.ui.state import KEPT

    at = signed_in
    at.switch_page("pages/notes.py").run()
    box = at.text_area(key="notes_text")
    box.input(NOTE)  # what the browser sends with the rerun, not yet run
    sent = WidgetStates()
    sent.widgets.append(box._widget_state)
    assert NOTE not in at.session_state[KEPT].values()
    at._session_state.on_script_will_rerun(sent)  # the run takes the browser's values, and is then stopped
    assert at.session_state[KEPT]["notes_text"] == NOTE
