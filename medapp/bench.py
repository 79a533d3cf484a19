"""`python -m medapp bench`: load, predict and explain timings for every registered model.

Per model: cold load (import, weights, warm-up), warm predict and warm explain (median and p95 over
repeated calls, bypassing the explanation cache), and shap's KernelExplainer with default settings
on the same input as a reference. Modality pipelines add their own figures through EXTRAS
(functions returning {name: value}). Finally the process's peak RSS (every model the run loaded).
"""
from __future__ import annotations

import importlib
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .registry import list_cards, load_model

# (modality, "module:function"): a callable returning {metric name: value}; each modality adds its own. A modality of
# None is the app's and the store's (run only when every model is benched): `bench --models heart-disease` ran
# every modality's pipeline, four minutes for a four-second question (a new engineer's first day).
EXTRAS: list[tuple[str | None, str]] = [
    ("records", "medapp.modalities.records.bench:bench_cohort"),
    ("imaging", "medapp.modalities.imaging.bench:bench_ct_display"),
    ("imaging", "medapp.modalities.imaging.bench:bench_full_size_explain"),
    ("audio", "medapp.modalities.audio.bench:bench_pipeline"),
    ("speech", "medapp.modalities.speech.bench:bench_dictation"),
    ("genomics", "medapp.modalities.genomics.bench:bench_profile"),
    ("notes", "medapp.modalities.notes.bench:bench_deid"),
    (None, "medapp.appbench:first_page"),
    (None, "medapp.appbench:rerun_cost"),
    (None, "medapp.appbench:follow_cost"),
    ("survival", "medapp.modalities.survival.bench:bench_patient"),
    ("imaging", "medapp.pacs.bench:bench_pacs"),
    (None, "medapp.cases.bench:bench_case_follow"),
    (None, "medapp.cases.bench:bench_patient_check"),
]


def extras_for(modalities: set[str] | None) -> list[str]:
    """The pipeline benchmarks to run: all of them, or those of the given modalities."""
    return [spec for modality, spec in EXTRAS if modalities is None or modality in modalities]


def _timed_ms(fn: Callable[[], Any], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def bench_model(model_id: str, repeats: int = 20, baseline: bool = True) -> dict[str, float]:
    start = time.perf_counter()
    model = load_model(model_id)
    load_s = time.perf_counter() - start
    x = model.example_input()
    pred = model.predict(x)
    model.explain(x, pred)  # one untimed call: first-call caches inside the libraries
    predict_ms = _timed_ms(lambda: model.predict(x), repeats)
    explain_ms = _timed_ms(lambda: model.explain(x, model.predict(x)), repeats)
    row = {
        "load_s": round(load_s, 3),
        "predict_ms_p50": round(float(np.median(predict_ms)), 2),
        "predict_ms_p95": round(float(np.percentile(predict_ms, 95)), 2),
        "explain_ms_p50": round(float(np.median(explain_ms)), 2),
        "explain_ms_p95": round(float(np.percentile(explain_ms, 95)), 2),
    }
    if baseline:
        base_ms = _timed_ms(lambda: model.baseline_explain(x, pred), max(1, min(3, repeats)))
        row["baseline_explain_ms_p50"] = round(float(np.median(base_ms)), 2)
        row["baseline_ratio"] = round(row["baseline_explain_ms_p50"] / max(row["explain_ms_p50"], 1e-6), 1)
    return row


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_bench(model_ids: list[str] | None = None, repeats: int = 20, baseline: bool = True,
              extras: bool = True) -> dict[str, Any]:
    cards = {c.id: c for c in list_cards()}
    ids = model_ids or list(cards)
    report: dict[str, Any] = {"models": {}, "extras": {}}
    for model_id in ids:
        report["models"][model_id] = bench_model(model_id, repeats=repeats, baseline=baseline)
    if extras:
        for spec in extras_for({cards[i].modality for i in ids if i in cards} if model_ids else None):
            module_name, func_name = spec.split(":")
            report["extras"].update(getattr(importlib.import_module(module_name), func_name)())
    report["rss_mb"] = round(_peak_rss_mb(), 1)
    return report


def format_table(report: dict[str, Any]) -> str:
    cols = ["load_s", "predict_ms_p50", "explain_ms_p50", "explain_ms_p95", "baseline_explain_ms_p50",
            "baseline_ratio"]
    lines = [f"{'model':24} " + " ".join(f"{c:>24}" for c in cols)]
    for model_id, row in report["models"].items():
        lines.append(f"{model_id:24} " + " ".join(f"{row.get(c, float('nan')):>24}" for c in cols))
    if report["extras"]:
        lines.append("")
        lines.extend(f"{name:48} {value}" for name, value in report["extras"].items())
    lines.append(f"\npeak RSS of this run (every model it loaded): {report['rss_mb']} MB")
    return "\n".join(lines)


def run_http_bench(n: int, **kwargs: Any) -> dict[str, Any]:
    """`bench --http N`: the inference service under load through loopback HTTP (medapp/service/bench.py)."""
    from .service.bench import run_http_bench as run

    return run(n, **kwargs)
