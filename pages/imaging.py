"""Imaging: radiographs and ultrasound (DICOM, PNG, JPEG, TIFF, BMP, ZIP); finding with SHAP heatmap."""
import streamlit as st

from medapp.registry import list_cards
from medapp.security.uploads import content_hash
from medapp.ui import cached_model, demo_notice, model_card_summary
from medapp.ui.auth import require_role
from medapp.ui.common import upload_mb
from medapp.ui.imaging import AUTOMATIC, image_panel
from medapp.ui.pacs import from_pacs
from medapp.ui.state import kept_upload

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
    # one line per model (the tasks ran together in one paragraph, joined by "·")
    st.caption("Each image goes to the model it fits:\n" + "\n".join(f"- **{c.name}**: {c.task}" for c in cards))
    demo_notice()
# a tracked tab (key, rerun on change) is kept when the user leaves the page and comes back (ui/state.py): it
# opened on Upload again, hiding the PACS search and result behind it
upload_tab, pacs_tab = st.tabs(["Upload", "From PACS"], key="imaging_tab", on_change="rerun")
with upload_tab:
    uploads = kept_upload(st.file_uploader, "Images: DICOM (with or without preamble), PNG, JPEG, TIFF, BMP, or a ZIP of a series",
                               accept_multiple_files=True, key="imaging_upload", max_upload_size=upload_mb("imaging"),
                               help="The file type is detected from its content. Patient data in DICOM headers is "
                                    "removed before anything is stored or downloaded.")
    tag = model.card.id if model is not None else "auto"
    shown: dict[str, str] = {}
    for n, upload in enumerate(uploads or []):
        data = upload.getvalue()
        digest = content_hash(data)
        if digest in shown:  # picked twice (the box adds to what it holds): analysed and offered for saving once
            st.caption(f"{upload.name} is the same file as {shown[digest]}, shown above once.")
            continue
        shown[digest] = upload.name
        image_panel(model, data, upload.name, key=f"img{n}_{tag}", candidates=models, digest=digest)
with pacs_tab:
    # a series or batch runs one model over its images: the one chosen above, or (Automatic) the one trained on the
    # series' DICOM modality (one model for a whole search sent breast ultrasound to the chest model)
    from_pacs(model, models)
for card in ([model.card] if model is not None else cards):
    model_card_summary(card)
