"""Imaging: radiographs and ultrasound (DICOM, PNG, JPEG, TIFF, BMP, ZIP); finding with SHAP heatmap."""
import streamlit as st

from medapp.registry import list_cards
from medapp.ui import cached_model, demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.imaging import image_panel
from medapp.ui.state import kept_upload

user = require_role("clinician")
st.title("Imaging")
cards = [c for c in list_cards() if c.modality == "imaging"]
names = {c.name: c.id for c in cards}
choice = st.selectbox("Model", list(names), key="imaging_model")
model = cached_model(names[choice])
st.caption(model.card.task)
demo_notice(model.card)
uploads = kept_upload(st.file_uploader, "Images: DICOM (with or without preamble), PNG, JPEG, TIFF, BMP, or a ZIP of a series",
                           accept_multiple_files=True, key="imaging_upload",
                           help="The file type is detected from its content. Patient data in DICOM headers is "
                                "removed before anything is stored or downloaded.")
for n, upload in enumerate(uploads or []):
    image_panel(model, upload.getvalue(), upload.name, key=f"img{n}_{model.card.id}")
model_card_summary(model.card)
