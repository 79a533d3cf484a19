"""Clinical notes: paste, upload or dictate; PHI scrubbed; classification with word highlights."""
import streamlit as st

from medapp.registry import list_cards
from medapp.ui import cached_model, demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.notes import analysed_note, note_input
from medapp.ui.presses import stop_page

user = require_role("clinician")
st.title("Clinical notes")
cards = [c for c in list_cards() if c.modality == "notes"]
if not cards:
    st.info("No note model is installed on this server.")
    stop_page()
names = {c.name: c.id for c in cards}
choice = st.selectbox("Model", list(names), key="notes_model")
model = cached_model(names[choice])
st.caption(model.card.task)
demo_notice(model.card)
text = note_input()
clicked = st.button("Analyse note", type="primary", key="notes_go")
analysed_note(model, text, clicked)  # only the text and model the button was pressed for
model_card_summary(model.card)
