"""Which explanation points at the lesion? The study behind the breast model's explanation settings.

`python -m medapp.modalities.imaging.pointing_study [val|train N]` prints one JSON object: for BUSI images
with a lesion, the pointing game (evaluate.point_and_share: maximum of the map over the image's own
pixels within 3% of the lesion) of expected gradients toward the predicted label with two baselines
(8 training images x 4 path points; 4 blurred copies of the image x 4 path points), each read as it is
(signed: positive = toward the label) or as magnitude, after Gaussian smoothing of 0-8 model pixels;
with completeness error and time. `val`: the validation split; `train N`: N random training images
with a lesion (the model saw their outlines in training, so their figures are optimistic, but a second,
independent sample on which to check the ranking chosen on validation). Held-back images are never read.
"""
from __future__ import annotations

import json
import time

import numpy as np
import torch
from scipy import ndimage

from ...registry import data_root, load_model
from .datasets import busi_mask
from .evaluate import TOLERANCE, wilson
from .explain import blurred_copies, expected_gradients, smooth
from .io import decode
from .preprocess import to_image_grid, to_model_input

SIGMAS = (0, 1, 2, 3, 4, 6, 8)
BLUR = (4.0, 8.0, 16.0, 32.0)


def image_names(card, which: str, n: int) -> list[str]:
    folder = data_root() / card.data["source_path"]
    val = list(card.validation["names"])
    if which == "val":
        return val
    left_out = set(val) | set(card.data.get("excluded_cross_label_images", []))
    train = sorted(f"{p.parent.name}/{p.name}" for p in folder.glob("*/*.png")
                   if "_mask" not in p.name and p.parent.name != "normal")
    train = [t for t in train if t not in left_out]
    rng = np.random.default_rng(1)
    return [train[i] for i in sorted(rng.permutation(len(train))[:n])]


def hit(values: np.ndarray, distance: np.ndarray, sigma: float, magnitude: bool) -> bool:
    """evaluate.point_and_share's pointing-game hit, without its slower share and screen-mark figures."""
    full = to_image_grid(smooth(np.abs(values) if magnitude else values, sigma).astype(np.float64), distance.shape)
    r, c = np.unravel_index(int(np.argmax(full)), full.shape)
    return bool(distance[r, c] <= TOLERANCE * max(distance.shape))


def study(which: str = "val", n: int = 80) -> dict:
    torch.set_num_threads(min(2, torch.get_num_threads()))
    model = load_model("breast-ultrasound")
    card = model.card
    folder = data_root() / card.data["source_path"]
    rows: dict[str, dict[str, list]] = {}
    for name in image_names(card, which, n):
        mask = busi_mask(folder, name)
        if mask is None or not mask.any():
            continue
        x = decode((folder / name).read_bytes(), name)[0]
        t = to_model_input(x, model.size)
        pred = model.predict(x)
        target = card.labels.index(pred.label)
        logp = float(np.log(pred.probability))
        distance = ndimage.distance_transform_edt(~mask)
        baselines = {"training_images_8x4": (model.background[:8], 4), "blurred_image_4x4": (blurred_copies(t, BLUR), 4)}
        for key, (background, steps) in baselines.items():
            start = time.perf_counter()
            values, base = expected_gradients(model.log_probabilities, background, t, target, len(background), steps)
            r = rows.setdefault(key, {"ms": [], "completeness_error": []})
            r["ms"].append((time.perf_counter() - start) * 1000)
            r["completeness_error"].append(abs(base + float(values.sum()) - logp))
            for sigma in SIGMAS:
                for magnitude in (False, True):
                    r.setdefault(f"{'magnitude' if magnitude else 'signed'}_sigma{sigma}", []).append(
                        hit(values, distance, sigma, magnitude))
    out: dict = {"images": which, "n_images_with_lesion": len(next(iter(rows.values()))["ms"]) if rows else 0,
                 "blur_sigmas": list(BLUR), "threads": torch.get_num_threads()}
    for key, r in rows.items():
        out[key] = {"ms_p50": round(float(np.median(r.pop("ms"))), 1)}
        err = r.pop("completeness_error")
        out[key].update(completeness_error_mean=round(float(np.mean(err)), 4), completeness_error_max=round(float(np.max(err)), 4))
        for variant, hits in r.items():
            out[key][variant] = {"pointing_game": round(float(np.mean(hits)), 3), "95ci": wilson(int(np.sum(hits)), len(hits))}
    return out


if __name__ == "__main__":
    import argparse

    # parsed, so --help is help (it was taken as the split's name, and the 80-image study ran for 92 s)
    parser = argparse.ArgumentParser(prog="python -m medapp.modalities.imaging.pointing_study",
                                     description="Pointing game of the breast model's explanations on BUSI lesions "
                                                 "(the module's docstring says more).")
    parser.add_argument("split", nargs="?", default="val", choices=("val", "train"),
                        help="val: the validation split; train: N random training images with a lesion")
    parser.add_argument("n", nargs="?", type=int, default=80, help="training images for 'train' (default 80)")
    parsed = parser.parse_args()
    print(json.dumps(study(parsed.split, parsed.n), indent=1))
