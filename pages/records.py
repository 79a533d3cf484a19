"""Case records: one patient in a form, or a cohort file; calibrated risk with a SHAP waterfall."""
import streamlit as st

from medapp.registry import list_cards
from medapp.ui import cached_model, demo_notice, model_card_summary, records, survival
from medapp.ui.auth import require_role

user = require_role("clinician")
st.title("Case records")
cards = [c for c in list_cards() if c.modality in ("records", "survival")]
names = {c.name: c.id for c in cards}
choice = st.selectbox("Model", list(names), key="records_model",
                      help="Each model estimates one condition from routinely recorded findings.")
model = cached_model(names[choice])
st.caption(model.card.task)
demo_notice(model.card)
panel = survival if model.card.modality == "survival" else records  # time-to-event models draw their own panel
# tracked, so the tab chosen is kept when the user leaves the page and comes back (as on Imaging)
one, many = st.tabs(["One patient", "Cohort (CSV or Excel)"], key="records_tab", on_change="rerun")
with one:
    panel.one_patient(model)
with many:
    panel.cohort_panel(model)
model_card_summary(model.card)
