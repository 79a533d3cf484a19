"""Imaging: radiographs and ultrasound (uploads or from a PACS over DICOMweb); finding with SHAP heatmap."""
import streamlit as st

from medapp.registry import list_cards
from medapp.ui import cached_model, demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.imaging import image_panel
from medapp.ui.pacs import from_pacs

user = require_role("clinician")
st.title("Imaging")
cards = [c for c in list_cards() if c.modality == "imaging"]
names = {c.name: c.id for c in cards}
choice = st.selectbox("Model", list(names), key="imaging_model")
model = cached_model(names[choice])
st.caption(model.card.task)
demo_notice(model.card)
upload_tab, pacs_tab = st.tabs(["Upload", "From PACS"])
with upload_tab:
    uploads = st.file_uploader("Images: DICOM (with or without preamble), PNG, JPEG, TIFF, BMP, or a ZIP of a series",
                               accept_multiple_files=True, key="imaging_upload",
                               help="The file type is detected from its content. Patient data in DICOM headers is "
                                    "removed before anything is stored or downloaded.")
    for n, upload in enumerate(uploads or []):
        image_panel(model, upload.getvalue(), upload.name, key=f"img{n}_{model.card.id}")
with pacs_tab:
    from_pacs(model)
model_card_summary(model.card)
