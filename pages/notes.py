"""Clinical notes: paste, upload or dictate; PHI scrubbed; classification with word highlights."""
import streamlit as st

from medapp.registry import list_cards
from medapp.ui import cached_model, demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.notes import note_input, note_result

user = require_role("clinician")
st.title("Clinical notes")
cards = [c for c in list_cards() if c.modality == "notes"]
if not cards:
    st.info("No note model is installed on this server.")
    st.stop()
names = {c.name: c.id for c in cards}
choice = st.selectbox("Model", list(names), key="notes_model")
model = cached_model(names[choice])
st.caption(model.card.task)
demo_notice(model.card)
text = note_input()
if st.button("Analyse note", type="primary", key="notes_go"):
    st.session_state["notes_analysed"] = True
if st.session_state.get("notes_analysed") and text:
    note_result(model, text)
elif st.session_state.get("notes_analysed"):
    st.error("The note is empty: there is no text to analyse.", icon=":material/error:")
model_card_summary(model.card)
