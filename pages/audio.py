"""Heart and lung sounds: upload or record, see and hear the recording, the heart model's assessment and why."""
import streamlit as st

from medapp.types import InputError
from medapp.ui import demo_notice, model_card_summary, show_input_error
from medapp.ui.audio import choose_input, cv_details, heart_panel, lung_panel, recording_facts
from medapp.ui.auth import require_role
from medapp.ui.model_choice import choose_model

user = require_role("clinician")
st.title("Heart & lung sounds")  # as the sidebar names it (a presenter saw the two differ)
model = choose_model(("audio",), "audio_model", what="heart-sound")
st.caption(model.card.task)
demo_notice(model.card)

mode = st.radio("What is this recording?", ["Heart sound", "Lung sound"], horizontal=True, key="audio_mode",
                help="The model was trained on heart sounds only. Lung sounds are shown, not classified.")
mode_note = st.empty()  # always drawn, so the upload box below keeps its place in the page when the mode changes
if mode == "Lung sound":  # the caption above describes the heart model, which lung sounds do not go through
    mode_note.info("Lung sounds are shown (waveform, spectrogram and any annotated breathing cycles), not classified: "
            "the model above was trained on heart sounds only.", icon=":material/info:")
chosen = choose_input(lung=mode == "Lung sound")
if chosen is not None:
    name, data, cycles, source = chosen
    try:
        x = model.load_bytes(data, name, mode="lung" if mode == "Lung sound" else "heart")
    except InputError as exc:
        show_input_error(exc, name)
    else:
        x = x.with_cycles(cycles) if cycles else x
        st.markdown(f"#### {name}")
        recording_facts(x, data)
        if mode == "Lung sound" or x.cycles:
            mode_note.empty()  # the recording's own notice says it (two blue notes said the same thing)
            lung_panel(model, x, heart_mode=mode == "Heart sound", data=data)
        else:
            heart_panel(model, x, data)
model_card_summary(model.card)
cv_details(model.card)
