"""Explanation -> figure, one module per kind (no streamlit here).

`figure(expl)` is the one way to draw any stored explanation: the Cases page, Meeting mode and the
reports call it without knowing the modality. Each kind names its renderer here as "module:function";
a new modality adds one line. A plotly figure comes back, or escaped HTML (a str) for text.
"""
from __future__ import annotations

import importlib
from typing import Any

from ..types import Explanation

RENDERERS: dict[str, str] = {
    "tabular": "medapp.render.tabular:figure",
    "image": "medapp.render.image:figure",
    "text": "medapp.render.text:figure",
    "audio": "medapp.render.audio:figure",
    "genomics": "medapp.render.genomics:figure",
}


class NoRenderer(LookupError):
    """No renderer is registered for an explanation kind."""


def renderer(kind: str):
    try:
        module_name, func = RENDERERS[kind].split(":")
    except KeyError:
        raise NoRenderer(f"no renderer for explanations of kind {kind!r}; known: {sorted(RENDERERS)}") from None
    return getattr(importlib.import_module(module_name), func)


def figure(expl: Explanation) -> Any:
    """The figure of a stored explanation: a plotly Figure, or escaped HTML for text."""
    return renderer(expl.kind)(expl)
