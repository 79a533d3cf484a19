"""The only streamlit code inside medapp/: shared widgets and the cached model loader.

Pages import from here and stay thin; everything they show comes from medapp's core functions.
"""
from .common import (
    cached_model,
    demo_notice,
    model_card_summary,
    show_input_error,
)

__all__ = ["cached_model", "demo_notice", "model_card_summary", "show_input_error"]
