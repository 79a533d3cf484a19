"""The one preprocessing of the imaging models, used identically at training and at inference.

An upload (PNG, JPEG, TIFF, BMP or DICOM) is first turned into a displayed grey image by io.decode
(DICOM: modality LUT, the file's window or VOI LUT, MONOCHROME1 inverted; pictures: luminance).
Then, as the card states: the image is squashed to size x size by exact area averaging, whatever
its aspect ratio. The Kermany radiographs were published already squashed to 224 x 224, so every
other input is squashed the same way (the alternative, letterboxing, would show the model shapes
it never saw in training). BUSI images are squashed by the same rule.

The area average is a linear map X -> R X C^T with row-stochastic R and C. Its transpose
spreads each model-pixel attribution over the original pixels it was averaged from, so a map over
the model input becomes a map over the image's own height and width with the same total.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch

from ...types import InputError
from .io import ImageInput

SQUASH_RULE = ("squash: the whole image is resized to a square by area averaging, aspect ratio not kept "
               "(the Kermany training radiographs were published squashed to 224x224)")


@lru_cache(maxsize=64)
def area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) row-stochastic matrix: each output pixel averages the input pixels it covers."""
    edges = np.arange(n_out + 1) * (n_in / n_out)
    lo, hi = edges[:-1, None], edges[1:, None]
    pix = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, pix + 1) - np.maximum(lo, pix), 0, None)
    m = overlap / overlap.sum(1, keepdims=True)
    m.setflags(write=False)  # cached and shared between threads
    return m


def squash(grey: np.ndarray, size: int) -> np.ndarray:
    rows, cols = grey.shape
    return area_matrix(rows, size) @ grey @ area_matrix(cols, size).T


def to_model_input(x: ImageInput, size: int) -> torch.Tensor:
    """(1, 1, size, size) float32 in 0..1: grey, squashed by area averaging."""
    grey = np.asarray(x.grey, dtype=np.float64)
    if not np.isfinite(grey).all():
        raise InputError(f"{x.name}: the image holds undefined pixel values after display processing; "
                         "it cannot be analysed.")
    if min(grey.shape) < 8:
        raise InputError(f"{x.name} is only {grey.shape[1]}x{grey.shape[0]} pixels; an image needs at least 8 "
                         "pixels on each side to be analysed.")
    small = np.clip(squash(grey, size), 0, 1)
    return torch.tensor(small, dtype=torch.float32)[None, None]


def to_image_grid(values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A (size, size) attribution map spread over the image's (rows, cols), total preserved."""
    rows, cols = shape
    size_r, size_c = values.shape
    return (area_matrix(rows, size_r).T @ values @ area_matrix(cols, size_c)).astype(np.float32)
