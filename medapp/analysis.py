"""One code path from input to prediction and explanation, shared by pages, CLI, benchmark and tests.

SHAP is the expensive step, so an explanation is computed once per (model, version, input) and
kept in a small in-process LRU cache; a re-run of the same page or a what-if back to an earlier
value does not recompute it.

Cohorts and series (a CSV of patients, an expression matrix, several files) go through
`analyse_batch`: one `Analysis` per case, or the case's `InputError`, in the order given. A model with
`predict_many` (and `explain_many`) is scored a chunk at a time, with the same results as case by case.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from .scheduling import admission
from .types import Explanation, InputError, Model, ModelCard, Prediction

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
        return Analysis(prediction, labelled(model.card, model.explain(x, prediction)) if explain else None)


def labelled(card: ModelCard, explanation: Explanation | None) -> Explanation | None:
    """The explanation naming its target as the card does: Cases, Meeting mode and the reports drew the kidney
    model's 'ckd' where its page said 'chronic kidney disease'."""
    if explanation is None or explanation.target_label:
        return explanation
    return replace(explanation, target_label=card.display(explanation.target))


def clear_cache() -> None:
    with _lock:
        _cache.clear()


@dataclass(frozen=True)
class BatchRow:
    """One case of a cohort or series: its analysis, or the reason it could not be analysed."""

    name: str
    input: Any = None
    analysis: Analysis | None = None
    error: InputError | None = None

    @property
    def prediction(self) -> Prediction | None:
        return self.analysis.prediction if self.analysis is not None else None

    @property
    def explanation(self) -> Explanation | None:
        return self.analysis.explanation if self.analysis is not None else None


@dataclass(frozen=True)
class BatchResult:
    rows: tuple[BatchRow, ...]

    @property
    def analysed(self) -> list[BatchRow]:
        return [r for r in self.rows if r.analysis is not None]

    @property
    def failed(self) -> list[BatchRow]:
        return [r for r in self.rows if r.error is not None]

    @property
    def predictions(self) -> list[Prediction]:
        return [r.analysis.prediction for r in self.analysed]

    @property
    def explanations(self) -> list[Explanation]:
        return [r.analysis.explanation for r in self.analysed if r.analysis.explanation is not None]


def analyse_batch(model: Model, cases: Iterable[tuple[str, Any]], *, explain: bool = True, use_cache: bool = True,
                  chunk: int = 2000, progress: Callable[[float], None] | None = None) -> BatchResult:
    """Analyse many cases: `cases` are (name, input) pairs, an input may be the `InputError` that made it
    unreadable (as `Model.read_inputs` gives them). A case whose analysis raises `InputError` fails alone.

    Models with `predict_many` are scored `chunk` cases at a time (vectorised, not cached: a cohort would
    flush the cache); others, and a single case, go case by case through `analyse`. `progress` gets the fraction
    done.
    """
    cases = list(cases)
    done: dict[int, Analysis | InputError] = {}
    todo = [i for i, (_, x) in enumerate(cases) if not isinstance(x, InputError)]
    if hasattr(model, "predict_many") and len(todo) > 1:
        for start in range(0, len(todo), chunk):
            part = todo[start:start + chunk]
            try:
                results: list[Analysis | InputError] = list(_compute_many(model, [cases[i][1] for i in part], explain))
            except InputError:  # one bad case spoils the chunk: find it case by case
                results = [_analyse_or_error(model, cases[i][1], explain, use_cache) for i in part]
            done.update(zip(part, results))
            if progress is not None:
                progress(min(1.0, (start + len(part)) / len(todo)))
    else:
        for n, i in enumerate(todo, start=1):
            done[i] = _analyse_or_error(model, cases[i][1], explain, use_cache)
            if progress is not None:
                progress(n / len(todo))
    rows = []
    for i, (name, x) in enumerate(cases):
        result = x if isinstance(x, InputError) else done[i]
        if isinstance(result, InputError):
            rows.append(BatchRow(name, None if x is result else x, error=result))
        else:
            rows.append(BatchRow(name, x, analysis=result))
    return BatchResult(tuple(rows))


def _analyse_or_error(model: Model, x: Any, explain: bool, use_cache: bool) -> Analysis | InputError:
    try:
        return analyse(model, x, explain=explain, use_cache=use_cache)
    except InputError as exc:
        return exc


def _compute_many(model: Any, xs: list[Any], explain: bool) -> list[Analysis]:
    with admission.slot(f"{model.card.id}:{'explain' if explain else 'predict'}"):
        predictions = model.predict_many(xs)
        if not explain:
            return [Analysis(p, None) for p in predictions]
        if hasattr(model, "explain_many"):
            explanations = model.explain_many(xs, predictions)
        else:
            explanations = [model.explain(x, p) for x, p in zip(xs, predictions)]
        return [Analysis(p, labelled(model.card, e)) for p, e in zip(predictions, explanations)]
