"""Home: what medapp is, what each model can and cannot do, where to start."""
import streamlit as st

from medapp.registry import list_cards
from medapp.types import ModelCard
from medapp.ui.auth import require_role

require_role("clinician")
st.title("medapp")
st.markdown("An explainable clinical AI workbench: drop in what you have about a patient and see a "
            "calibrated prediction with a SHAP explanation beside it.")
st.warning(ModelCard.DEMO_NOTICE, icon=":material/science:")

MODALITY_PAGES = {"records": "pages/records.py", "imaging": "pages/imaging.py", "audio": "pages/audio.py",
                  "notes": "pages/notes.py"}
cards = list_cards()
st.markdown("**Start here.** *Case records*: one patient in a form or a cohort file. *Imaging*: a radiograph or "
            "ultrasound as DICOM or picture. *Heart & lung sounds* and *Clinical notes* where installed. Save any "
            "result to a case, then discuss it on *Cases* or in *Meeting mode*. *Models* shows every model card.")
st.subheader(f"{len(cards)} models available on this server")
cols = st.columns(max(1, min(4, len(cards))))
for i, card in enumerate(cards):
    with cols[i % len(cols)].container(border=True):
        st.markdown(f"**{card.name}**  \n`{card.id}` v{card.version} · {card.modality}")
        st.caption(card.task)
        auroc = card.metrics.get("summary", {}).get("auroc")
        if auroc is not None:
            st.caption(f"Validation AUROC {auroc:.3f}")
