"""Audio pipeline timings for `python -m medapp bench` (an EXTRAS entry).

- a 4 s recording from WAV bytes to prediction and explanation (decode, resample, features,
  predict, explain): the issue's target is a median of at most 1 s warm on 2 CPU cores;
- decoding and resampling a 20 s 44.1 kHz stethoscope recording (the ICBHI format);
- a 60 s recording analysed window by window with the explanation of one window.
"""
from __future__ import annotations

import time

import numpy as np

from ...registry import list_cards, load_model
from .synth import synthetic_heart_sound, wav_bytes


def _median_ms(fn, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(float(np.median(times)), 1), round(float(np.percentile(times, 95)), 1)


def bench_pipeline(repeats: int = 15) -> dict[str, float]:
    if "heart-sound" not in {c.id for c in list_cards()}:
        return {}
    model = load_model("heart-sound")
    four = wav_bytes(synthetic_heart_sound(4.0, murmur=True, seed=5), 8000)

    def upload_to_explanation(data: bytes) -> None:
        x = model.load_bytes(data, "bench.wav")
        model.explain(x, model.predict(x))

    upload_to_explanation(four)
    p50, p95 = _median_ms(lambda: upload_to_explanation(four), repeats)
    t = np.arange(int(44100 * 20)) / 44100
    steth = wav_bytes(0.3 * np.sin(2 * np.pi * 120 * t) * (np.sin(2 * np.pi * 1.2 * t) > 0.9), 44100, "PCM_24")
    decode_p50, _ = _median_ms(lambda: model.load_bytes(steth, "icbhi-like.wav"), 5)
    minute = wav_bytes(synthetic_heart_sound(60.0, seed=6), 8000)
    upload_to_explanation(minute)
    long_p50, _ = _median_ms(lambda: upload_to_explanation(minute), 3)
    return {"audio.heart-sound_4s_wav_to_prediction_and_explanation_ms_p50": p50,
            "audio.heart-sound_4s_wav_to_prediction_and_explanation_ms_p95": p95,
            "audio.decode_resample_20s_44k1_24bit_ms_p50": decode_p50,
            "audio.heart-sound_60s_wav_15_windows_to_prediction_and_explanation_ms_p50": long_p50}
