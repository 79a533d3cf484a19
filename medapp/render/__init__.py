"""Explanation -> figure, one module per kind (no streamlit here).

`figure(expl, context)` is the one way to draw a stored explanation on screen: the Cases page and Meeting
mode call it without knowing the modality. Each kind names its renderer here as "module:function"; a new
modality adds one line. A plotly figure comes back, or escaped HTML (a str) for text. The reports draw the
same explanations as pictures (matplotlib) in `medapp.reports.figures`.
"""
from __future__ import annotations

import importlib
from typing import Any

from ..types import Explanation
from .context import Context, NoRenderer

__all__ = ["RENDERERS", "Context", "NoRenderer", "figure", "renderer"]


RENDERERS: dict[str, str] = {
    "tabular": "medapp.render.tabular:figure",
    "image": "medapp.render.image:figure",
    "text": "medapp.render.text:figure",
    "audio": "medapp.render.audio:figure",
    "genomics": "medapp.render.genomics:figure",
}


def renderer(kind: str):
    try:
        module_name, func = RENDERERS[kind].split(":")
    except KeyError:
        raise NoRenderer(f"no renderer for explanations of kind {kind!r}; known: {sorted(RENDERERS)}") from None
    return getattr(importlib.import_module(module_name), func)


def figure(expl: Explanation, context: Context | None = None) -> Any:
    """The figure of a stored explanation: a plotly Figure, or escaped HTML for text."""
    return renderer(expl.kind)(expl, context or Context())
