"""Expression benchmark: one profile read from CSV, predicted and explained (target: at most 100 ms p50),
and a cohort of 200 profiles with the cohort figures' SHAP matrix."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from ...registry import models_of


def _csv(model, n: int, seed: int = 0) -> bytes:
    """n profiles of all 2,308 genes, the model's genes near the class averages, as a laboratory would upload."""
    rng = np.random.default_rng(seed)
    means = np.vstack([p.values for p in model.example_profiles()])
    genes = model.card.input["genes"]
    rows = rng.normal(model.card.input["training_median"], 1.0, (n, len(genes)))
    rows[:, model.gene_index] = means[rng.integers(0, len(means), n)] + rng.normal(0, 0.1, (n, means.shape[1]))
    frame = pd.DataFrame(rows, columns=genes, index=[f"S{i}" for i in range(n)])
    return frame.to_csv(float_format="%.5g").encode()


def bench_profile(repeats: int = 20) -> dict[str, float]:
    out = {}
    for model in models_of("genomics"):
        card = model.card
        one = _csv(model, 1)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            x = model.read_file(one, "one.csv").profiles[0]
            pred = model.predict(x)
            model.explain(x, pred)
            times.append((time.perf_counter() - start) * 1000)
        out[f"genomics.{card.id}.one_profile_read_predict_explain_ms_p50"] = round(float(np.median(times)), 2)
        cohort = _csv(model, 200)
        start = time.perf_counter()
        parsed = model.read_file(cohort, "cohort.csv")
        preds = model.predict_many(parsed.profiles)
        V = np.vstack([p.values for p in parsed.profiles])
        for label in {p.label for p in preds}:
            model.shap_values(V, label)
        out[f"genomics.{card.id}.cohort_200_read_predict_explain_s"] = round(time.perf_counter() - start, 3)
    return out
