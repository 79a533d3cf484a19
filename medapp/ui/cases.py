"""'Save to case' widget shared by every modality page (the case store arrives with issue 6)."""
from __future__ import annotations

import streamlit as st

from ..types import Explanation, ModelCard, Prediction


def save_to_case(*, card: ModelCard, prediction: Prediction, explanation: Explanation | None,
                 input_bytes: bytes, input_name: str, key: str) -> None:
    """Offer to save this analysis to a new or existing case."""
    st.button("Save to case", key=f"save_{key}", disabled=True,
              help="The case store is not installed yet.")
