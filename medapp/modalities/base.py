"""What every modality's loaded model shares, written once.

Each modality keeps the same rooms: `io.py` (bytes to an input, with its checks), `model.py`
(`load(card)`, the registry's entry point, returns a model meeting `medapp.types.Model`),
`explain.py` (the explainer: how values are computed), `train.py` (never imported by the model),
and `deid.py` where an input can identify a patient. A model class subclasses `CardModel` for the
parts that are the same everywhere:

- `read_inputs(path)`: the CLI's cases in a file; a modality supplies `inputs_from_bytes(data, name)`;
- `warm()`: one prediction and explanation of the model's own example input at load time;
- `kernel_shap(...)`: the model-agnostic reference explanation every `baseline_explain` compares with,
  a new `shap.KernelExplainer` per call (explainers keep per-call state; loaded models are shared).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..types import Explanation, InputError, ModelCard, Prediction, read_input_file


class CardModel:
    """Base of every modality's loaded model: the card and the contract's shared helpers."""

    card: ModelCard

    # -- written by each modality (besides predict and explain) -------------------------------------
    def example_input(self) -> Any:
        raise NotImplementedError

    def inputs_from_bytes(self, data: bytes, name: str) -> list[tuple[str, Any]]:
        """The cases in one uploaded file as (name, input) pairs; raises InputError for an unusable file."""
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------------
    def read_inputs(self, path: Path) -> list[tuple[str, Any]]:
        """Cases in a file for the CLI; a file that cannot be used at all is one (file name, InputError) case.

        A path that cannot be read raises InputError (the CLI reports it under the path given).
        """
        path = Path(path)
        data = read_input_file(path)
        try:
            return self.inputs_from_bytes(data, path.name)
        except InputError as exc:
            return [(path.name, exc)]

    # -- what a case keeps: a modality whose inputs carry names overrides these (genomics) ----------------
    def as_saved(self, prediction: Prediction, explanation: Explanation | None, position: str
                 ) -> tuple[Prediction, Explanation | None]:
        """The result as a case keeps it; `position` ("sample 2 of 10") stands in for an input's own name where
        that name can identify someone. Page and API both ask, so they keep the same."""
        return prediction, explanation

    def stored_input(self, x: Any) -> tuple[bytes, str] | None:
        """What a case stores of one input read from a file, as (bytes, name); None: the file as it was uploaded."""
        return None

    def warm(self) -> None:
        """First-call costs (JIT, numba, graph tracing) paid at load, not on a clinician's first click."""
        x = self.example_input()
        self.explain(x, self.predict(x))


def kernel_shap(f: Callable[[np.ndarray], np.ndarray], background: np.ndarray, x: np.ndarray,
                **shap_values_kwargs: Any) -> tuple[np.ndarray, float]:
    """shap.KernelExplainer with default settings: the values (flattened) and the base value.

    Built per call: an explainer holds per-call state and must never sit on a shared model.
    """
    import shap  # imported here: loading a model should not pay for shap's import

    explainer = shap.KernelExplainer(f, background)
    values = np.asarray(explainer.shap_values(x, silent=True, **shap_values_kwargs)).reshape(-1)
    return values, float(np.ravel(explainer.expected_value)[0])


def array_key(values: np.ndarray, extra: str = "", dtype: type = float) -> str:
    """A stable hash of an input's numbers (and any text that changes the result), for the explanation cache;
    `dtype` as the model reads them (float32 samples and pixels are not doubled to be hashed)."""
    h = hashlib.sha256(np.ascontiguousarray(values, dtype=dtype).tobytes())
    h.update(extra.encode())
    return h.hexdigest()
