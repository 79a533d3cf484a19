"""Signal to model features: level normalisation, log-mel spectrogram, windows, time-frequency tiles.

Every parameter comes from the model card's `input` block (see `FeatureSpec`), so training, the
pages, the CLI and the benchmark compute exactly the same features. Pure numpy (plus librosa's mel
filter bank, computed once): a 4 s recording takes about a millisecond.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

DEFAULT_SPEC: dict[str, Any] = {
    "sample_rate": 8000,
    "n_fft": 512,
    "hop": 160,  # 20 ms frames
    "n_mels": 40,
    "fmin": 20.0,
    "fmax": 2000.0,
    "window_s": 4.0,  # the longest training recording; longer inputs are analysed window by window
    "min_s": 1.0,
    "max_s": 120.0,
    "target_rms": 0.1,
    "segment_s": 0.2,  # explanation tiles: time segments ...
    "band_edges_hz": [20, 100, 200, 400, 800, 2000],  # ... by frequency bands
}


@dataclass(frozen=True)
class FeatureSpec:
    sample_rate: int = 8000
    n_fft: int = 512
    hop: int = 160
    n_mels: int = 40
    fmin: float = 20.0
    fmax: float = 2000.0
    window_s: float = 4.0
    min_s: float = 1.0
    max_s: float = 120.0
    target_rms: float = 0.1
    segment_s: float = 0.2
    band_edges_hz: tuple[float, ...] = (20, 100, 200, 400, 800, 2000)

    @classmethod
    def from_card_input(cls, spec: dict[str, Any]) -> FeatureSpec:
        merged = {**DEFAULT_SPEC, **{k: v for k, v in spec.items() if k in DEFAULT_SPEC}}
        merged["band_edges_hz"] = tuple(float(b) for b in merged["band_edges_hz"])
        return cls(**merged)

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @property
    def frame_s(self) -> float:
        return self.hop / self.sample_rate

    @property
    def window_samples(self) -> int:
        return int(round(self.window_s * self.sample_rate))


@lru_cache(maxsize=8)
def _mel_basis(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax).astype(np.float32)


@lru_cache(maxsize=8)
def mel_frequencies(spec: FeatureSpec) -> np.ndarray:
    """Centre frequency (Hz) of each mel band."""
    import librosa

    return librosa.mel_frequencies(n_mels=spec.n_mels + 2, fmin=spec.fmin, fmax=spec.fmax)[1:-1]


def normalise_level(y: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Remove DC and scale to a fixed RMS: stethoscopes differ widely in gain."""
    y = np.asarray(y, dtype=np.float32)
    y = y - y.mean()
    rms = float(np.sqrt(np.mean(y * y))) if len(y) else 0.0
    return y * (spec.target_rms / rms) if rms > 1e-8 else y


def log_mel(y: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Log-mel spectrogram in dB, shape (frames, n_mels), of a level-normalised signal."""
    return (10.0 * np.log10(mel_power(normalise_level(y, spec), spec) + 1e-10)).astype(np.float32)


def mel_power(y: np.ndarray, spec: FeatureSpec) -> np.ndarray:
    """Mel-band power per frame, shape (frames, n_mels), of the signal as given (no level normalisation)."""
    y = np.asarray(y, dtype=np.float32)
    n_fft, hop = spec.n_fft, spec.hop
    pad = n_fft // 2
    y = np.pad(y, pad, mode="reflect") if len(y) > pad else np.pad(y, pad)
    n_frames = 1 + (len(y) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    frames = y[idx] * np.hanning(n_fft + 1)[:-1].astype(np.float32)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return power @ _mel_basis(spec.sample_rate, n_fft, spec.n_mels, spec.fmin, spec.fmax).T


def standardise(S: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    return ((S - mean) / std).astype(np.float32)


def windows(n_samples: int, spec: FeatureSpec) -> list[tuple[int, int]]:
    """(start, end) sample ranges the model sees: the whole recording up to one window long, else
    consecutive windows with the last one aligned to the end of the recording."""
    w = spec.window_samples
    if n_samples <= w:
        return [(0, n_samples)]
    starts = list(range(0, n_samples - w + 1, w))
    if starts[-1] + w < n_samples:
        starts.append(n_samples - w)
    return [(s, s + w) for s in starts]


def band_index(spec: FeatureSpec) -> np.ndarray:
    """For each mel band, the index of the explanation frequency band it belongs to."""
    centres = mel_frequencies(spec)
    edges = np.asarray(spec.band_edges_hz)
    return np.clip(np.searchsorted(edges, centres, side="right") - 1, 0, len(edges) - 2)


def segment_index(n_frames: int, spec: FeatureSpec) -> np.ndarray:
    """For each frame, the index of the explanation time segment it belongs to."""
    per = max(1, int(round(spec.segment_s / spec.frame_s)))
    seg = np.arange(n_frames) // per
    # a last scrap shorter than half a segment joins the previous one
    n_full = int(seg[-1]) + 1
    if n_full > 1 and (n_frames - (n_full - 1) * per) < per / 2:
        seg[seg == n_full - 1] = n_full - 2
    return seg


def band_names(spec: FeatureSpec) -> list[str]:
    e = spec.band_edges_hz
    return [f"{e[i]:g}-{e[i + 1]:g} Hz" for i in range(len(e) - 1)]


def display_view(y: np.ndarray, spec: FeatureSpec, t0: float = 0.0, max_columns: int = 1200,
                 max_points: int = 2400) -> dict:
    """What a figure needs to redraw a recording without the audio: a min/max waveform envelope and a
    log-mel spectrogram (dB, columns max-pooled to at most `max_columns`), rounded to keep it small."""
    y = np.asarray(y, dtype=np.float32)
    S = log_mel(y, spec)
    pool = max(1, int(np.ceil(len(S) / max_columns)))
    if pool > 1:
        k = len(S) // pool
        S = np.concatenate([S[: k * pool].reshape(k, pool, -1).max(axis=1), S[k * pool:].max(axis=0, keepdims=True)]
                           if len(S) > k * pool else [S[: k * pool].reshape(k, pool, -1).max(axis=1)])
    n_buckets = max(1, min(max_points // 2, len(y)))
    edges = np.linspace(0, len(y), n_buckets + 1).astype(int)
    lo = np.array([y[a:b].min() if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])])
    hi = np.array([y[a:b].max() if b > a else 0.0 for a, b in zip(edges[:-1], edges[1:])])
    floor = float(S.max()) - 80.0
    return {"t0": float(t0), "duration_s": len(y) / spec.sample_rate, "rate": spec.sample_rate,
            "envelope_t": np.round(t0 + edges[:-1] / spec.sample_rate, 4).tolist(),
            "envelope_min": np.round(lo, 4).tolist(), "envelope_max": np.round(hi, 4).tolist(),
            "spectrogram_db": np.round(np.maximum(S, floor), 1).tolist(),
            "column_s": spec.frame_s * pool, "mel_hz": np.round(mel_frequencies(spec), 1).tolist()}


def profile(y: np.ndarray, spec: FeatureSpec) -> dict[str, float]:
    """Two plain descriptors of a window, for the heart-likeness check beside the embedding distance:
    the spectral centroid (Hz, 20-2000 Hz) and the periodicity of the sound envelope at heart rates
    (peak autocorrelation at lags of 0.33-1.5 s, i.e. 40-180 beats per minute)."""
    y = normalise_level(y, spec)
    power = np.abs(np.fft.rfft(y * np.hanning(len(y)))) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / spec.sample_rate)
    band = (freqs > spec.fmin) & (freqs < spec.fmax)
    centroid = float((power[band] * freqs[band]).sum() / max(power[band].sum(), 1e-20))
    n = max(1, spec.sample_rate // 100)  # 10 ms envelope
    env = np.sqrt(np.mean(y[: len(y) // n * n].reshape(-1, n) ** 2, axis=1))
    env = env - env.mean()
    ac = np.correlate(env, env, "full")[len(env) - 1:]
    ac = ac / (ac[0] + 1e-20)
    lags = np.arange(len(ac)) * n / spec.sample_rate
    sel = (lags >= 0.33) & (lags <= 1.5)
    return {"centroid_hz": centroid, "periodicity": float(ac[sel].max()) if sel.any() else 0.0}
