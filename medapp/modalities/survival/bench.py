"""Survival benchmark: one patient's curve (with its bootstrap band) and explanation (target: 200 ms p50)."""
from __future__ import annotations

import time

import numpy as np

from ...registry import models_of


def bench_patient(repeats: int = 20) -> dict[str, float]:
    out = {}
    for model in models_of("survival"):
        card = model.card
        x = model.example_input()
        model.explain(x, model.predict(x))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.explain(x, model.predict(x))
            times.append((time.perf_counter() - start) * 1000)
        out[f"survival.{card.id}.patient_curve_and_explanation_ms_p50"] = round(float(np.median(times)), 2)
    return out
