"""Gene expression: an expression matrix (one sample or a cohort); tumour class with the genes behind it."""
import streamlit as st

from medapp.registry import list_cards
from medapp.ui import cached_model, demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.genomics import genomics_panel
from medapp.ui.presses import stop_page

user = require_role("clinician")
st.title("Gene expression")
cards = [c for c in list_cards() if c.modality == "genomics"]
if not cards:
    st.info("No gene-expression model is installed: run `python -m medapp train srbct-tumour`.")
    stop_page()
names = {c.name: c.id for c in cards}
choice = st.selectbox("Model", list(names), key="genomics_model")
model = cached_model(names[choice])
st.caption(model.card.task)
demo_notice(model.card)
genomics_panel(model)
model_card_summary(model.card)
