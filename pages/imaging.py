"""Imaging: radiographs and ultrasound (DICOM, PNG, JPEG, TIFF, BMP, ZIP); finding with SHAP heatmap."""
import streamlit as st

from medapp.registry import list_cards
from medapp.ui import cached_model, demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.imaging import AUTOMATIC, image_panel

user = require_role("clinician")
st.title("Imaging")
cards = [c for c in list_cards() if c.modality == "imaging"]
names = {c.name: c.id for c in cards}
choice = st.selectbox("Model", [AUTOMATIC, *names], key="imaging_model",
                      help="Automatic: each image goes to the model whose training images it fits (DICOM modality and "
                           "body part, grey or colour, shape, content); when none clearly fits you are asked.")
models = [cached_model(c.id) for c in cards]
model = None if choice == AUTOMATIC else cached_model(names[choice])
if model is not None:
    st.caption(model.card.task)
    demo_notice(model.card)
else:
    st.caption(" · ".join(c.task for c in cards))
    demo_notice()
uploads = st.file_uploader("Images: DICOM (with or without preamble), PNG, JPEG, TIFF, BMP, or a ZIP of a series",
                           accept_multiple_files=True, key="imaging_upload",
                           help="The file type is detected from its content. Patient data in DICOM headers is "
                                "removed before anything is stored or downloaded.")
tag = model.card.id if model is not None else "auto"
for n, upload in enumerate(uploads or []):
    image_panel(model, upload.getvalue(), upload.name, key=f"img{n}_{tag}", candidates=models)
for card in ([model.card] if model is not None else cards):
    model_card_summary(card)
