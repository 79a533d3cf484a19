"""Case records: one patient in a form, or a cohort file; calibrated risk with a SHAP waterfall."""
import streamlit as st

from medapp.ui import demo_notice, model_card_summary, records, survival
from medapp.ui.auth import require_role
from medapp.ui.model_choice import choose_model

user = require_role("clinician")
st.title("Case records")
model = choose_model(("records", "survival"), "records_model", what="records",
                     help="Each model estimates one condition from routinely recorded findings.")
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
