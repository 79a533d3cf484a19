"""What renderers share with the package that picks them: the drawing context and the refusal. Here, not in
render/__init__.py, which names each renderer to import on demand: a renderer importing its own registry made a
cycle (an onboarding review's import graph, strings included)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Context:
    """What a stored explanation's figure may use besides itself, given by whoever draws it: the stored
    (de-identified) picture of an image analysis, asked for only by the image renderer, and how the analysis page
    wrote a probability (a records model's bands: never "20%" beside a low band's 19.7%)."""

    picture: Callable[[], Any] | None = None
    percent: Callable[[float], str] | None = None


class NoRenderer(LookupError):
    """No renderer is registered for an explanation kind."""
