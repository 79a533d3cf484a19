"""Dictation timings for `python -m medapp bench` (an EXTRAS entry).

- seconds of work per second of speech for a 5 s and a 60 s recording (wall time, and CPU time of
  all threads, which other work on the machine inflates less), with the 5 s p50 the target names;
- load time (hash check, weights, warm-up) and the model's memory;
- 20 dictations at once on the one shared model: wall time and whether every transcript equals the
  one made alone;
- the LibriVox word error rate when Debian's pocketsphinx-testdata is installed.
"""
from __future__ import annotations

import resource
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ...registry import get_card, list_cards, load_model
from .synth import RATE, wav_bytes


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _timed(model, x, repeats: int) -> tuple[list[float], list[float]]:
    walls, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), _cpu_s()
        model.transcribe(x)
        walls.append(time.perf_counter() - t)
        cpus.append(_cpu_s() - c)
    return walls, cpus


def bench_dictation(repeats: int = 7) -> dict[str, float]:
    ids = [c.id for c in list_cards() if c.modality == "speech"]
    if not ids:
        return {}
    from .model import load as load_fresh

    rss_before = _rss_mb()
    start = time.perf_counter()
    fresh = load_fresh(get_card(ids[0]))  # a separate instance, so the figure is a cold load even after `bench`
    fresh.warm()
    load_s = time.perf_counter() - start
    out: dict[str, float] = {"speech.load_s_with_hash_check_and_warm_up": round(load_s, 2),
                             "speech.rss_added_by_loading_mb": round(_rss_mb() - rss_before, 1)}
    del fresh
    model = load_model(ids[0])
    five = model.example_input()
    gap = np.zeros(int(0.4 * RATE), np.float32)
    minute = model.load_bytes(wav_bytes(np.concatenate([np.concatenate([five.samples, gap])] * 11)[: 60 * RATE]),
                              "minute.wav")
    for label, x, n in (("5s", five, repeats), ("60s", minute, 2)):
        walls, cpus = _timed(model, x, n)
        out[f"speech.{label}_wall_s_p50"] = round(float(np.median(walls)), 2)
        out[f"speech.{label}_work_s_per_audio_s"] = round(float(np.median(walls)) / x.duration_s, 3)
        out[f"speech.{label}_cpu_s_per_audio_s"] = round(float(np.median(cpus)) / x.duration_s, 3)
    alone = " ".join(s.text for s in model.transcribe(five)[0])
    t = time.perf_counter()
    with ThreadPoolExecutor(20) as pool:
        together = list(pool.map(lambda _: " ".join(s.text for s in model.transcribe(five)[0]), range(20)))
    out["speech.20_at_once_5s_wall_s"] = round(time.perf_counter() - t, 2)
    out["speech.20_at_once_same_as_alone"] = int(all(t == alone for t in together))
    try:
        from .evaluate import librivox_set, run_set

        refs, audio = librivox_set()
        row = run_set(model, refs, audio, model.prompt())
        out["speech.librivox_wer"] = row["wer"]
    except FileNotFoundError:
        out["speech.librivox_wer"] = float("nan")  # pocketsphinx-testdata not installed
    return out
