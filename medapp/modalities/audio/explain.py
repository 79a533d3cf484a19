"""Attributions over time segments x frequency bands of one analysed window.

The players of the game are tiles of the log-mel spectrogram: `segment_s` of time by one of the
card's frequency bands. A tile "absent" is replaced by this recording's own background level in
each of its mel bands (the 10th percentile over time: the noise floor without heart sounds or
murmurs), so an explanation says which sounds, when and at what pitch, moved the probability.

Three estimators of the same game (chosen by measurement, recorded in the card):
- "permutation": Shapley values by antithetic permutation sampling; additive exactly
  (base value + sum = the model's log-odds of the target label), unbiased, cost ~ permutations x tiles evaluations.
- "gradient": integrated gradients from the background spectrogram, summed per tile; one batched
  gradient call, additive up to the integration error (reported).
- "kernel": shap.KernelExplainer with default settings on the same tile game (the reference).
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..base import kernel_shap
from .features import FeatureSpec, band_index, band_names, segment_index

if TYPE_CHECKING:
    from .model import HeartSoundModel

METHOD_NAMES = {
    "permutation": "Permutation SHAP over time x frequency tiles",
    "gradient": "Integrated gradients summed over time x frequency tiles",
    "kernel": "KernelSHAP (shap.KernelExplainer, default settings) over time x frequency tiles",
}
BACKGROUND_PERCENTILE = 10


def n_frames_for(n_samples: int, spec: FeatureSpec) -> int:
    return 1 + (n_samples + 2 * (spec.n_fft // 2) - spec.n_fft) // spec.hop


def tile_layout(n_samples: int, spec: FeatureSpec) -> dict:
    """Where the tiles lie: segment times (s, from the window start) and band edges (Hz)."""
    n_frames = n_frames_for(n_samples, spec)
    seg = segment_index(n_frames, spec)
    n_seg = int(seg.max()) + 1
    times = []
    for s in range(n_seg):
        frames = np.flatnonzero(seg == s)
        times.append([float(frames[0] * spec.frame_s), float(min((frames[-1] + 1) * spec.frame_s,
                                                                  n_samples / spec.sample_rate))])
    return {"segments_s": times, "bands": band_names(spec), "band_edges_hz": list(spec.band_edges_hz),
            "n_frames": n_frames, "frame_s": spec.frame_s}


def tile_names(layout: dict, offset_s: float = 0.0) -> list[str]:
    """'0.75-1.00 s, 100-200 Hz' for every tile, in the order of values.reshape(-1) (band-major)."""
    return [f"{t0 + offset_s:.2f}-{t1 + offset_s:.2f} s, {band}" for band in layout["bands"]
            for t0, t1 in layout["segments_s"]]


class TileGame:
    """f(mask over tiles) = log-odds of the target label with the absent tiles at background level.

    Log-odds rather than probability: a confident model sits at p = 0.999 whatever is masked, and
    probabilities then hide which sounds carry the decision; log-odds do not saturate."""

    def __init__(self, model: HeartSoundModel, S: np.ndarray, target: int):
        spec = model.spec
        self.model, self.S, self.target = model, S, target
        self.seg = segment_index(len(S), spec)
        self.band = band_index(spec)
        self.n_seg, self.n_band = int(self.seg.max()) + 1, int(self.band.max()) + 1
        self.n = self.n_seg * self.n_band
        self.tile_of_pixel = self.band[None, :] * self.n_seg + self.seg[:, None]  # (frames, mels)
        self.background = np.percentile(S, BACKGROUND_PERCENTILE, axis=0).astype(np.float32)
        self.evaluations = 0

    def inputs(self, masks: np.ndarray) -> np.ndarray:
        keep = masks.astype(bool)[:, self.tile_of_pixel]  # (n, frames, mels)
        return np.where(keep, self.S[None], self.background[None, None, :]).astype(np.float32)

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        masks = np.atleast_2d(masks)
        self.evaluations += len(masks)
        out = np.empty(len(masks))
        fn = self.model.masked_log_odds_fn()
        S, bg = self.S.astype(np.float32), self.background
        tiles = self.tile_of_pixel.astype(np.int32)
        for i in range(0, len(masks), 128):
            out[i:i + 128] = fn(S, bg, tiles, masks[i:i + 128].astype(bool), np.int32(self.target)).numpy()
        return out


def permutation_values(game: TileGame, n_orders: int = 8, seed: int = 0) -> tuple[np.ndarray, float, float]:
    """Shapley values by antithetic permutation sampling (each order and its reverse)."""
    rng = np.random.default_rng(seed)
    M = game.n
    orders = []
    for _ in range(max(1, n_orders // 2)):
        p = rng.permutation(M)
        orders += [p, p[::-1]]
    # rows 1..M-1 of each order: the first k tiles present; rows 0 and M are shared by all orders
    masks = np.zeros((len(orders) * (M - 1) + 2, M), dtype=bool)
    masks[-1] = True
    for o, order in enumerate(orders):
        block = masks[o * (M - 1):(o + 1) * (M - 1)]
        rank = np.empty(M, dtype=int)
        rank[order] = np.arange(M)
        block[:] = rank[None, :] < np.arange(1, M)[:, None]
    vals = game(masks)
    none, full = vals[-2], vals[-1]
    phi = np.zeros(M)
    for o, order in enumerate(orders):
        path = np.concatenate([[none], vals[o * (M - 1):(o + 1) * (M - 1)], [full]])
        phi[order] += np.diff(path)
    phi /= len(orders)
    return phi, float(none), float(full)


def gradient_values(game: TileGame, steps: int = 16) -> tuple[np.ndarray, float, float]:
    """Integrated gradients from the background spectrogram, summed per tile (midpoint rule)."""
    S, bg = game.S, np.broadcast_to(game.background[None, :], game.S.shape)
    alphas = (np.arange(steps) + 0.5) / steps
    path = bg[None] + alphas[:, None, None] * (S - bg)[None]
    grads = game.model.gradient_fn()(path.astype(np.float32), game.target)  # d log-odds(target) / d input
    pixel = (S - bg) * grads.mean(axis=0)
    phi = np.bincount(game.tile_of_pixel.reshape(-1), weights=pixel.reshape(-1), minlength=game.n)
    ends = game(np.stack([np.zeros(game.n, bool), np.ones(game.n, bool)]))
    return phi, float(ends[0]), float(ends[1])


def explain_window(model: HeartSoundModel, S: np.ndarray, target: int, method: str = "permutation",
                   n_orders: int = 8, steps: int = 16, seed: int = 0) -> tuple[np.ndarray, float, float]:
    """Values (bands, segments), base value and explained output for one standardised window."""
    game = TileGame(model, S, target)
    if method == "gradient":
        phi, base, out = gradient_values(game, steps=steps)
    else:
        phi, base, out = permutation_values(game, n_orders=n_orders, seed=seed)
    return phi.reshape(game.n_band, game.n_seg), base, out


def kernel_shap_window(model: HeartSoundModel, S: np.ndarray, target: int) -> tuple[np.ndarray, float, float]:
    game = TileGame(model, S, target)
    values, base = kernel_shap(game, np.zeros((1, game.n)), np.ones((1, game.n)))
    return values.reshape(game.n_band, game.n_seg), base, base + float(values.sum())


def most_influential_segment(values: np.ndarray, layout: dict) -> tuple[float, float, float]:
    """(start_s, end_s, summed value) of the time segment whose tiles moved the output most, toward the target or
    away from it (the sign says which). The largest signed sum boxed a silent tail when every tile pushed away: the
    one nearest zero, the least influential (a clinical-safety review)."""
    per_segment = np.asarray(values).sum(axis=0)
    s = int(np.argmax(np.abs(per_segment)))
    t0, t1 = layout["segments_s"][s]
    return t0, t1, float(per_segment[s])
