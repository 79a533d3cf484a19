"""Case records: one patient in a form, or a cohort file; calibrated risk with a SHAP waterfall."""
import streamlit as st

from medapp.registry import list_cards
from medapp.ui import cached_model, demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.records import cohort_panel, patient_form, result_panel

user = require_role("clinician")
st.title("Case records")
cards = [c for c in list_cards() if c.modality in ("records", "survival")]
names = {c.name: c.id for c in cards}
choice = st.selectbox("Model", list(names), key="records_model",
                      help="Each model estimates one condition from routinely recorded findings.")
model = cached_model(names[choice])
st.caption(model.card.task)
demo_notice(model.card)
if model.card.modality == "survival":  # time-to-event models draw their own panel (medapp/ui/survival.py)
    from medapp.ui.survival import survival_panel

    survival_panel(model)
    model_card_summary(model.card)
    st.stop()

one, many = st.tabs(["One patient", "Cohort (CSV or Excel)"])
with one:
    submitted = patient_form(model)
    state_key = f"records_values_{model.card.id}"
    if submitted is not None:
        st.session_state[state_key] = submitted
    if state_key in st.session_state:
        result_panel(model, st.session_state[state_key], key=f"one_{model.card.id}")
with many:
    cohort_panel(model)
model_card_summary(model.card)
