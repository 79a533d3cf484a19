"""Home: what medapp is, what each model can and cannot do, where to start."""
import streamlit as st

from medapp.registry import list_cards
from medapp.render.metrics import headline_caveat, headline_metric
from medapp.ui import demo_notice
from medapp.ui.auth import require_role

require_role("clinician")
st.title("medapp")
st.markdown("An explainable clinical AI workbench: drop in what you have about a patient and see a "
            "calibrated prediction with a SHAP explanation beside it.")
demo_notice()  # the one style of the notice, as on every analysis page

cards = list_cards()
st.markdown("**Start here.** *Case records*: one patient in a form or a cohort file, for a risk now or survival "
            "over time. *Imaging*: a radiograph or ultrasound as DICOM or picture. *Heart & lung sounds*, *Clinical "
            "notes* (typed, uploaded or dictated) and *Gene expression* (one profile or a cohort) where installed. "
            "Save any result to a case, then discuss it on *Cases* or in *Meeting mode*. *Models* shows every model "
            "card.")
st.subheader(f"{len(cards)} models available on this server")
# keyed: READABLE_STYLE (ui/common.py) lets the cards go two to a row where four would be too narrow (1024 px)
cols = st.container(key="model_cards").columns(max(1, min(4, len(cards))))
for i, card in enumerate(cards):
    with cols[i % len(cols)].container(border=True):
        st.markdown(f"**{card.name}**  \n`{card.id}` v{card.version} · {card.modality}")
        st.caption(card.task)
        figure = headline_metric(card)
        if figure is not None:
            st.caption(figure[0].upper() + figure[1:])
        if caveat := headline_caveat(card):
            st.caption(f":orange[{caveat}]")
