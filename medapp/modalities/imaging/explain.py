"""Explanations of an imaging model: expected-gradients SHAP over the model input, and its reference.

- `expected_gradients`: the algorithm of shap.GradientExplainer, batched in one pass with fixed
  background images and midpoint path points, so the map is repeatable.
- `blurred_copies` and `smooth`: the breast model's baseline (blurred copies of the image itself instead of
  training images) and the sum-preserving smoothing of its map, chosen by the pointing game (see its card).
- `block_kernel_shap`: shap's KernelExplainer with default settings over 8x8 super-pixels (16,384
  pixels would take hours), the model-agnostic reference the benchmark compares with.

Every call builds its own tensors and explainer; the model passed in is only read.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from scipy import ndimage

from ..base import kernel_shap

# Expected gradients: background images x path points, one batched pass (chosen by measurement, see card).
N_BACKGROUND = 8
N_STEPS = 4
BLOCKS = 8  # the reference's super-pixel grid is BLOCKS x BLOCKS

LogProbabilities = Callable[[torch.Tensor], torch.Tensor]


def expected_gradients(log_probabilities: LogProbabilities, background: torch.Tensor, t: torch.Tensor,
                       target: int, n_background: int = N_BACKGROUND,
                       steps: int = N_STEPS) -> tuple[np.ndarray, float]:
    """Expected gradients (the algorithm of shap.GradientExplainer) over the model input.

    phi = mean over background images b and path points a of (x - b) * grad f(b + a (x - b)),
    f the calibrated log-probability of `target`. Fixed backgrounds and midpoint path points make
    the map repeatable; base + sum(phi) approximates f(x) (completeness; error measured in bench).
    """
    bg = background[:n_background]
    alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
    diff = t - bg
    points = (bg[:, None] + alphas[None, :, None, None, None] * diff[:, None]).reshape(-1, *t.shape[1:])
    points.requires_grad_(True)
    out = log_probabilities(points)[:, target].sum()
    (grads,) = torch.autograd.grad(out, points)
    grads = grads.reshape(len(bg), steps, *t.shape[1:]).mean(1)
    values = (diff * grads).mean(0)[0].numpy()
    with torch.no_grad():
        base = float(log_probabilities(bg)[:, target].mean())
    return values.astype(np.float32), base


def blurred_copies(t: torch.Tensor, sigmas: tuple[float, ...]) -> torch.Tensor:
    """(len(sigmas), 1, size, size): the image blurred with Gaussians of these widths (model pixels).

    As a baseline it asks what the image's own structure (edges, texture, margins) adds over its
    blurred self, rather than what distinguishes it from other patients' images (Sturmfels et al.,
    Distill 2020, "Visualizing the impact of feature attribution baselines").
    """
    image = t[0, 0].numpy().astype(np.float64)
    copies = np.stack([ndimage.gaussian_filter(image, s, mode="reflect") for s in sigmas])
    return torch.tensor(copies, dtype=torch.float32)[:, None]


def smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian smoothing of an attribution map that keeps its total exactly.

    With mirrored edges ("reflect") the smoothing matrix is symmetric with rows summing to one, so its
    columns do too: every pixel's attribution is shared among its neighbours and none is lost at the
    border. base + sum(map) is therefore unchanged; a pixel's value becomes a local average of SHAP values.
    """
    if sigma <= 0:
        return values
    return ndimage.gaussian_filter(values.astype(np.float64), sigma, mode="reflect").astype(np.float32)


def block_kernel_shap(probabilities: Callable[[torch.Tensor], np.ndarray], background: torch.Tensor,
                      t: torch.Tensor, target: int) -> tuple[np.ndarray, float]:
    """KernelSHAP (default settings) of the target's probability over BLOCKS x BLOCKS super-pixels.

    A block absent is replaced by the mean background image; values come back as (BLOCKS, BLOCKS).
    """
    image = t[0, 0].numpy()
    size = image.shape[0]
    cells = size // BLOCKS
    mean_img = background.mean(0)[0].numpy()

    def f(masks: np.ndarray) -> np.ndarray:
        up = np.kron(masks.reshape(-1, BLOCKS, BLOCKS), np.ones((1, cells, cells)))
        imgs = image[None] * up + mean_img[None] * (1 - up)
        return probabilities(torch.tensor(imgs, dtype=torch.float32)[:, None])[:, target]

    n = BLOCKS * BLOCKS
    values, base = kernel_shap(f, np.zeros((1, n)), np.ones((1, n)))
    return values.reshape(BLOCKS, BLOCKS), base


def region_summary(values: np.ndarray) -> tuple[tuple[str, float], ...]:
    """Contributions summed over a 3x3 grid of named regions, for the CLI and reports."""
    rows = np.array_split(np.arange(values.shape[0]), 3)
    cols = np.array_split(np.arange(values.shape[1]), 3)
    names_r, names_c = ("upper", "middle", "lower"), ("left", "centre", "right")
    out = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            out.append((f"{names_r[i]} {names_c[j]} of the image", float(values[np.ix_(r, c)].sum())))
    return tuple(out)
