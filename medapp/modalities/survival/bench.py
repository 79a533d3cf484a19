"""Survival benchmark: one patient's curve (with its bootstrap band) and explanation (target: 200 ms p50)."""
from __future__ import annotations

import time

import numpy as np

from ...registry import list_cards, load_model


def bench_patient(repeats: int = 20) -> dict[str, float]:
    out = {}
    for card in list_cards():
        if card.modality != "survival":
            continue
        model = load_model(card.id)
        x = model.example_input()
        model.explain(x, model.predict(x))
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            model.explain(x, model.predict(x))
            times.append((time.perf_counter() - start) * 1000)
        out[f"survival.{card.id}.patient_curve_and_explanation_ms_p50"] = round(float(np.median(times)), 2)
    return out
