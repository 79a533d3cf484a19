"""The model an analysis page works with: one choice, the same on every page."""
from __future__ import annotations

import streamlit as st

from ..registry import list_cards
from ..types import Model
from .common import cached_model
from .presses import stop_page


def choose_model(modalities: tuple[str, ...], key: str, *, what: str, help: str | None = None) -> Model:
    """A choice among the installed models of these modalities, loaded; without any, a note and the page ends.

    Every page names its model in a box, also when there is one (Heart & lung sounds showed none, Gene expression
    did); Case records had no note at all and failed when no records or survival model was installed."""
    cards = [c for c in list_cards() if c.modality in modalities]
    if not cards:
        st.info(f"No {what} model is installed on this server. `python -m medapp train --help` lists the models this "
                "release can train.", icon=":material/info:")
        stop_page()
    names = {c.name: c.id for c in cards}
    choice = st.selectbox("Model", list(names), key=key, help=help)
    return cached_model(names[choice])
