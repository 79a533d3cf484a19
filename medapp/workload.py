"""Real inputs for load tests: many sessions analysing at once, compared with the same inputs alone.

`python -m medapp bench --concurrency N`, the concurrency tests and the HTTP load test all draw their
inputs here, from the public datasets the models were trained on (`../shared/data`), through each
model's own reader (`read_inputs`), so the load is what clinicians send: radiographs and ultrasound
frames, heart-sound recordings, notes, patient records. A model whose data is not on this machine
falls back to its card's example input.
"""
from __future__ import annotations

import hashlib
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .analysis import Analysis, analyse
from .registry import data_root, list_cards, load_model
from .types import InputError, Model

# Real files per modality under the data root, for modalities whose training data is a folder of files.
FILE_GLOBS = {
    "imaging": ("imaging/kermany_cxr224/train/*/*.jpeg", "imaging/busi/*/*).png", "dicom/*.dcm"),
    "audio": ("audio/heart_sounds/*/*.wav",),
}


@dataclass(frozen=True)
class Job:
    model_id: str
    name: str
    x: Any


def _spread(items: list, n: int) -> list:
    """n items spread evenly over a list (deterministic: the same jobs on every run)."""
    if len(items) <= n:
        return items
    return [items[int(i * len(items) / n)] for i in range(n)]


def _from_files(model: Model, paths: Iterable[Path], n: int) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for path in paths:
        for name, x in model.read_inputs(path):
            if not isinstance(x, InputError):
                out.append((name, x))
        if len(out) >= n:
            break
    return out[:n]


def _from_text_table(model: Model, table: Path, n: int) -> list[tuple[str, Any]]:
    """Notes: the text column of the model's source table, each row written as a .txt file and read back."""
    import pandas as pd

    df = pd.read_csv(table)
    column = max((c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])), key=lambda c: df[c].astype(str).str.len().mean())
    texts = _spread(df[column].dropna().astype(str).tolist(), n)
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, text in enumerate(texts):
            p = Path(tmp) / f"note-{i:03d}.txt"
            p.write_text(text)
            paths.append(p)
        return _from_files(model, paths, n)


def real_inputs(model: Model, n: int) -> list[tuple[str, Any]]:
    """Up to n distinct real inputs for one model, read through the model's own reader."""
    card = model.card
    root = data_root()
    source = card.data.get("source_path")
    inputs: list[tuple[str, Any]] = []
    if card.modality in FILE_GLOBS:
        patterns = list(FILE_GLOBS[card.modality])
        own = [p for p in patterns if source and p.startswith(source)]
        if own:  # a model's jobs are its own kind of image: a breast model gets ultrasound, not radiographs
            radiograph = bool({"CR", "DX"} & set(card.input.get("expected_modalities", [])))
            patterns = own + [p for p in patterns if p.startswith("dicom/") and radiograph]
        files = sorted(p for pattern in patterns for p in root.glob(pattern))
        inputs = _from_files(model, _spread(files, 3 * n), n)
    elif source and (root / source).is_file():
        if card.modality == "notes":
            inputs = _from_text_table(model, root / source, n)
        else:
            inputs = _from_files(model, [root / source], 20 * n)
            inputs = _spread(inputs, n)
    return inputs or [("example", model.example_input())]


def mixed_jobs(per_model: int, model_ids: list[str] | None = None) -> list[Job]:
    """Jobs over every registered model (or the given ones), interleaved so that modalities mix."""
    ids = model_ids or [c.id for c in list_cards()]
    per = {mid: [Job(mid, name, x) for name, x in real_inputs(load_model(mid), per_model)] for mid in ids}
    jobs: list[Job] = []
    for i in range(max(len(v) for v in per.values())):
        jobs.extend(v[i] for v in per.values() if i < len(v))
    return jobs


def fingerprint(result: Analysis) -> str:
    """A digest of a prediction and its explanation, rounded so that float noise below 1e-6 is equal."""
    p, e = result.prediction, result.explanation
    h = hashlib.sha256()
    h.update(p.label.encode())
    h.update(np.round(np.asarray(p.probabilities, dtype=float), 6).tobytes())
    h.update("|".join(p.warnings).encode())
    if e is not None:
        h.update(e.method.encode())
        h.update(np.round(np.asarray(e.base_value, dtype=float), 5).tobytes())
        h.update(np.round(np.asarray(e.values, dtype=float), 5).tobytes())
    return h.hexdigest()


@dataclass
class LoadReport:
    sessions: int
    requests: int
    errors: list[str]
    differing: list[str]
    latencies_ms: list[float]
    wall_s: float
    per_modality_ms: dict[str, list[float]]

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms) or [float("nan")]
        return {
            "sessions": self.sessions, "requests": self.requests, "errors": len(self.errors),
            "differing_from_sequential": len(self.differing),
            "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(float(np.percentile(lat, 95)), 1),
            "max_ms": round(lat[-1], 1), "wall_s": round(self.wall_s, 2),
            **{f"{m}_p50_ms": round(statistics.median(v), 1) for m, v in sorted(self.per_modality_ms.items()) if v},
        }


def run_concurrent(jobs: list[Job], sessions: int, *, explain: bool = True,
                   run: Callable[[Job], Analysis] | None = None,
                   reference: dict[int, str] | None = None) -> LoadReport:
    """Every job once alone (the reference), then all of them from `sessions` threads at once.

    Each thread plays one session working through its share of the jobs back to back. The explanation
    cache is bypassed (the point is the models and explainers themselves under load).
    """
    run = run or (lambda job: _uncached(job, explain))
    if reference is None:  # given when several configurations are compared on the same jobs
        reference = sequential_fingerprints(jobs, run)
    modality = {mid: load_model(mid).card.modality for mid in {j.model_id for j in jobs}}
    latencies: list[float] = []
    per_mod: dict[str, list[float]] = {m: [] for m in modality.values()}
    errors: list[str] = []
    differing: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(sessions)

    def session(k: int) -> None:
        barrier.wait()  # all sessions start at the same moment
        for i in range(k, len(jobs), sessions):
            job = jobs[i]
            start = time.perf_counter()
            try:
                digest = fingerprint(run(job))
            except Exception as exc:  # noqa: BLE001 - a load test counts every failure, whatever it is
                with lock:
                    errors.append(f"{job.model_id} {job.name}: {type(exc).__name__}: {exc}")
                continue
            ms = (time.perf_counter() - start) * 1000
            with lock:
                latencies.append(ms)
                per_mod[modality[job.model_id]].append(ms)
                if digest != reference[i]:
                    differing.append(f"{job.model_id} {job.name}")

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(session, range(sessions)))
    return LoadReport(sessions, len(jobs), errors, differing, latencies, time.perf_counter() - start, per_mod)


def sequential_fingerprints(jobs: list[Job], run: Callable[[Job], Analysis] | None = None,
                            explain: bool = True) -> dict[int, str]:
    """Each job alone, one after the other: the reference a concurrent run must reproduce."""
    run = run or (lambda job: _uncached(job, explain))
    return {i: fingerprint(run(job)) for i, job in enumerate(jobs)}


def _uncached(job: Job, explain: bool) -> Analysis:
    return analyse(load_model(job.model_id), job.x, explain=explain, use_cache=False)


def bench_concurrency(sessions: int, per_model: int = 3, model_ids: list[str] | None = None) -> dict[str, Any]:
    """`bench --concurrency N`: N sessions at once over a mix of all modalities (real inputs)."""
    jobs = mixed_jobs(per_model, model_ids)
    report = run_concurrent(jobs, sessions)
    out = report.summary()
    out["errors_detail"] = report.errors[:10]
    out["differing_detail"] = report.differing[:10]
    return out


__all__ = ["Job", "LoadReport", "analyse", "bench_concurrency", "fingerprint", "mixed_jobs", "real_inputs",
           "run_concurrent"]
