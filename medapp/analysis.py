"""One code path from input to prediction and explanation, shared by pages, CLI, benchmark and tests.

SHAP is the expensive step, so an explanation is computed once per (model, version, input) and
kept in a small in-process LRU cache; a re-run of the same page or a what-if back to an earlier
value does not recompute it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from .scheduling import admission
from .types import Explanation, Model, Prediction

_CACHE_SIZE = 512
_cache: OrderedDict[tuple[str, str, str], tuple[Prediction, Explanation | None]] = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Analysis:
    prediction: Prediction
    explanation: Explanation | None


def analyse(model: Model, x: Any, *, explain: bool = True, use_cache: bool = True) -> Analysis:
    """Predict (and explain, unless told not to) one input, reusing a cached result for the same input.

    Heavy analyses are admitted a few at a time (`medapp.scheduling`), so many sessions at once stay fast.
    """
    if not use_cache:
        return _compute(model, x, explain)
    key = (model.card.id, model.card.version, model.input_key(x))
    with _lock:
        hit = _cache.get(key)
        if hit is not None and (hit[1] is not None or not explain):
            _cache.move_to_end(key)
            return Analysis(hit[0], hit[1] if explain else None)
    result = _compute(model, x, explain)
    prediction, explanation = result.prediction, result.explanation
    with _lock:
        _cache[key] = (prediction, explanation)
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return Analysis(prediction, explanation)


def _compute(model: Model, x: Any, explain: bool) -> Analysis:
    with admission.slot(f"{model.card.id}:{'explain' if explain else 'predict'}"):
        prediction = model.predict(x)
        return Analysis(prediction, model.explain(x, prediction) if explain else None)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
