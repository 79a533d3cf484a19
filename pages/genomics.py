"""Gene expression: an expression matrix (one sample or a cohort); tumour class with the genes behind it."""
import streamlit as st

from medapp.ui import demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.genomics import genomics_panel
from medapp.ui.model_choice import choose_model

user = require_role("clinician")
st.title("Gene expression")
model = choose_model(("genomics",), "genomics_model", what="gene-expression")
st.caption(model.card.task)
demo_notice(model.card)
genomics_panel(model)
model_card_summary(model.card)
