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
