"""Clinical notes: paste, upload or dictate; PHI scrubbed; classification with word highlights."""
import streamlit as st

from medapp.ui import demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.model_choice import choose_model
from medapp.ui.notes import analysed_note, note_input

user = require_role("clinician")
st.title("Clinical notes")
model = choose_model(("notes",), "notes_model", what="note")
st.caption(model.card.task)
demo_notice(model.card)
text = note_input()
clicked = st.button("Analyse note", type="primary", key="notes_go")
analysed_note(model, text, clicked)  # only the text and model the button was pressed for
model_card_summary(model.card)
