"""Does the explanation point at the lesion? Pointing game and attribution share on BUSI validation images.

For each validation image with a lesion mask, the model's own explanation (the one the page shows:
expected gradients toward the predicted label) is spread over the image's pixels. Then:
- pointing game: the maximum of the positive map, after smoothing with a Gaussian of 2 model pixels
  (single-pixel maxima are noise), counts as a hit when it lies inside the lesion or within 3% of the
  image's longer side of it;
- positive share: the share of all positive attribution that lies inside the lesion, against the share of
  the image the lesion covers (what a map spread at random would give);
- on-screen marks: bright, thin marks (calipers, text: pixels of grey >= 0.9 standing out from their
  surroundings) are found in each image, and the share of positive attribution on them is compared to
  their area share.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from scipy import ndimage

from ...types import ModelCard
from .datasets import ImageSet
from .io import decode
from .model import ImagingModel
from .preprocess import to_image_grid

TOLERANCE = 0.03
SIGMA = 2.0  # model pixels


def screen_marks(grey: np.ndarray) -> np.ndarray:
    """Bright thin marks (calipers, text, scale ticks): much brighter than their 9x9 neighbourhood."""
    local = ndimage.median_filter(grey, size=9)
    marks = (grey >= 0.9) & (grey - local >= 0.35)
    return ndimage.binary_dilation(marks, iterations=2)


def point_and_share(model: ImagingModel, grey: np.ndarray, values: np.ndarray, mask: np.ndarray, *,
                    sigma: float = SIGMA, magnitude: bool = False) -> dict[str, Any]:
    smooth = ndimage.gaussian_filter(np.abs(values) if magnitude else values.astype(np.float64), sigma)
    r, c = np.unravel_index(int(np.argmax(smooth)), smooth.shape)
    rows, cols = grey.shape
    # model-grid maximum to the centre of the image pixels it covers
    pr, pc = int((r + 0.5) * rows / values.shape[0]), int((c + 0.5) * cols / values.shape[1])
    distance = ndimage.distance_transform_edt(~mask)
    hit = bool(distance[pr, pc] <= TOLERANCE * max(rows, cols))
    full = to_image_grid(values, grey.shape)
    pos = np.clip(full, 0, None)
    total = float(pos.sum()) or 1e-12
    marks = screen_marks(grey)
    return {"hit": hit, "positive_share_in_lesion": float(pos[mask].sum() / total), "lesion_area_share": float(mask.mean()),
            "max_on_marks": bool(marks[pr, pc]), "marks_area_share": float(marks.mean()),
            "positive_share_on_marks": float(pos[marks].sum() / total)}


def add_explanation_figures(card: ModelCard, data: ImageSet, val_idx: np.ndarray, out_dir: Path) -> None:
    model = ImagingModel(card)
    pos = card.labels.index(card.positive_label)
    rows, by_name = [], {}
    for i in val_idx:
        mask = data.masks[i]
        if mask is None or not mask.any():
            continue
        path = data.root / data.names[i]
        x = decode(path.read_bytes(), data.names[i])[0]
        pred = model.predict(x)
        expl = model.explain(x, pred)
        m = point_and_share(model, x.grey, np.asarray(expl.values, dtype=np.float64), mask)
        m.update(name=data.names[i], true=card.labels[int(data.labels[i])], predicted=pred.label,
                 p_positive=float(pred.probabilities[pos]))
        rows.append(m)
        by_name[data.names[i]] = m
    if not rows:
        return
    hits = np.array([r["hit"] for r in rows])
    share = np.array([r["positive_share_in_lesion"] for r in rows])
    area = np.array([r["lesion_area_share"] for r in rows])
    with_marks = [r for r in rows if r["marks_area_share"] > 0]
    per_class = {}
    for label in card.labels:
        sel = [r for r in rows if r["true"] == label]
        if sel:
            per_class[label] = {"n": len(sel), "pointing_game": round(float(np.mean([r["hit"] for r in sel])), 3)}
    figures = {
        "n_images_with_lesion": len(rows),
        "pointing_game": round(float(hits.mean()), 3),
        "tolerance": f"{TOLERANCE:.0%} of the image's longer side",
        "positive_share_in_lesion_mean": round(float(share.mean()), 3),
        "lesion_area_share_mean": round(float(area.mean()), 3),
        "by_true_class": per_class,
        "screen_marks": {
            "n_images_with_marks": len(with_marks),
            "max_on_marks": int(sum(r["max_on_marks"] for r in with_marks)),
            "positive_share_on_marks_mean": round(float(np.mean([r["positive_share_on_marks"] for r in with_marks])), 4)
            if with_marks else None,
            "marks_area_share_mean": round(float(np.mean([r["marks_area_share"] for r in with_marks])), 4)
            if with_marks else None,
        },
        "protocol": ("validation images with a radiologist's lesion mask; explanation toward the predicted label, as "
                     "shown on the page; maximum after Gaussian smoothing (2 model pixels); hit within "
                     f"{TOLERANCE:.0%} of the longer side; chance for the share = the lesion's area share"),
    }
    raw = card.to_dict()
    raw["metrics"]["pointing_game_validation"] = figures
    for miss in raw["metrics"].get("confident_misses_validation", []):
        m = by_name.get(miss["image"])
        if m:
            miss.update({"explanation_max_in_lesion": m["hit"], "explanation_max_on_marks": m["max_on_marks"],
                         "positive_share_in_lesion": round(m["positive_share_in_lesion"], 3),
                         "lesion_area_share": round(m["lesion_area_share"], 3)})
    ModelCard.from_dict(raw).write(Path(out_dir))
