"""Synthetic heart-like sounds for the example input, the warm-up and tests: no dataset needed.

A phonocardiogram sketch: S1 (damped 50 Hz and 150 Hz tones, 100 ms) and S2 (damped 70 Hz and
220 Hz, 80 ms, 300 ms later) repeated at a fixed heart rate, over faint noise; optionally a
systolic murmur (band-limited noise between S1 and S2). Not a real recording: results on it only
show that the pipeline runs.
"""
from __future__ import annotations

import numpy as np


def _burst(rate: int, seconds: float, freqs: tuple[float, ...], decay: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    env = np.exp(-t / decay) * np.sin(np.pi * np.minimum(t / 0.01, 0.5)) ** 2
    return env * sum(np.sin(2 * np.pi * f * t) for f in freqs)


def synthetic_heart_sound(seconds: float = 4.0, rate: int = 8000, bpm: float = 72.0,
                          murmur: bool = False, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    y = 0.003 * rng.standard_normal(n)
    s1 = _burst(rate, 0.10, (50.0, 150.0), 0.03)
    s2 = 0.7 * _burst(rate, 0.08, (70.0, 220.0), 0.02)
    period = 60.0 / bpm
    start = 0.1
    while start < seconds:
        for offset, sound in ((0.0, s1), (0.30, s2)):
            i = int((start + offset) * rate)
            j = min(n, i + len(sound))
            if i < n:
                y[i:j] += sound[: j - i]
        if murmur:
            i, j = int((start + 0.11) * rate), min(n, int((start + 0.29) * rate))
            if i < n:
                noise = rng.standard_normal(j - i)
                spec = np.fft.rfft(noise)
                f = np.fft.rfftfreq(j - i, 1 / rate)
                spec[(f < 150) | (f > 500)] = 0
                y[i:j] += 0.15 * np.fft.irfft(spec, j - i) / (np.std(noise) + 1e-9)
        start += period
    return (0.5 * y / np.max(np.abs(y))).astype(np.float32)


def wav_bytes(y: np.ndarray, rate: int, subtype: str = "PCM_16", fmt: str = "WAV") -> bytes:
    import io

    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, y, rate, format=fmt, subtype=subtype)
    return buf.getvalue()


def _riff(channels: int, rate: int, bits: int, data_size: int, payload: bytes, *, byte_rate: int | None = None,
          align: int | None = None) -> bytes:
    import struct

    align = channels * bits // 8 if align is None else align
    byte_rate = rate * align if byte_rate is None else byte_rate
    fmt = struct.pack("<HHIIHH", 1, channels, rate, byte_rate, align, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", data_size) + payload
    return b"RIFF" + struct.pack("<I", min(0xFFFFFFFF, 4 + len(body) - 4 + data_size - len(payload) + 4)) + body
