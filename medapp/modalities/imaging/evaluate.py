"""Does the explanation point at the lesion? Pointing game and attribution share on BUSI validation images.

For each validation image with a lesion mask, the model's own explanation (the one the page shows and
`predict --maps` writes: expected gradients toward the predicted label, over the image's own pixels). Then:
- pointing game: the maximum of that map exactly as returned (no further smoothing; the first pixel of
  ties) counts as a hit when it lies inside the lesion or within 3% of the image's longer side of it;
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
from .explain import smooth
from .io import decode
from .model import ImagingModel
from .preprocess import to_image_grid

TOLERANCE = 0.03


def screen_marks(grey: np.ndarray) -> np.ndarray:
    """Bright thin marks (calipers, text, scale ticks): much brighter than their 9x9 neighbourhood."""
    local = ndimage.median_filter(grey, size=9)
    marks = (grey >= 0.9) & (grey - local >= 0.35)
    return ndimage.binary_dilation(marks, iterations=2)


def wilson(k: int, n: int, z: float = 1.96) -> list[float]:
    """95% Wilson score interval of a proportion k/n."""
    p, d = k / n, 1 + z * z / n
    centre, half = (p + z * z / (2 * n)) / d, z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [round(float(centre - half), 3), round(float(centre + half), 3)]


def point_and_share(model: ImagingModel | None, grey: np.ndarray, values: np.ndarray, mask: np.ndarray, *,
                    sigma: float = 0.0, magnitude: bool = False) -> dict[str, Any]:
    """Pointing-game hit and attribution shares of one map (model grid), read over the image's own pixels.

    `sigma`/`magnitude` are for studies of alternatives (extra smoothing, absolute values); the defaults
    read the map as the model returns it.
    """
    looked_at = smooth(np.abs(values) if magnitude else values, sigma)
    full_look = to_image_grid(np.asarray(looked_at, dtype=np.float64), grey.shape)
    pr, pc = np.unravel_index(int(np.argmax(full_look)), full_look.shape)
    rows, cols = grey.shape
    distance = ndimage.distance_transform_edt(~mask)
    hit = bool(distance[pr, pc] <= TOLERANCE * max(rows, cols))
    full = to_image_grid(values, grey.shape)
    pos = np.clip(full, 0, None)
    total = float(pos.sum()) or 1e-12
    marks = screen_marks(grey)
    return {"hit": hit, "positive_share_in_lesion": float(pos[mask].sum() / total), "lesion_area_share": float(mask.mean()),
            "max_on_marks": bool(marks[pr, pc]), "marks_area_share": float(marks.mean()),
            "max_at_border": bool(min(pr, rows - 1 - pr, cols - 1 - pc, pc) < 0.05 * max(rows, cols)),
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
        "pointing_game_95ci": wilson(int(hits.sum()), len(hits)),
        "tolerance": f"{TOLERANCE:.0%} of the image's longer side",
        "positive_share_in_lesion_mean": round(float(share.mean()), 3),
        "lesion_area_share_mean": round(float(area.mean()), 3),
        "by_true_class": per_class,
        "misses": {"n": int((~hits).sum()),
                   "max_on_screen_marks": int(sum(r["max_on_marks"] for r in rows if not r["hit"])),
                   "max_within_5pct_of_border": int(sum(r["max_at_border"] for r in rows if not r["hit"]))},
        "screen_marks": {
            "n_images_with_marks": len(with_marks),
            "max_on_marks": int(sum(r["max_on_marks"] for r in with_marks)),
            "positive_share_on_marks_mean": round(float(np.mean([r["positive_share_on_marks"] for r in with_marks])), 4)
            if with_marks else None,
            "marks_area_share_mean": round(float(np.mean([r["marks_area_share"] for r in with_marks])), 4)
            if with_marks else None,
        },
        "protocol": ("validation images with a radiologist's lesion mask; explanation toward the predicted label "
                     "exactly as the page shows it and predict --maps writes it (over the image's own pixels); hit "
                     f"when its maximum lies within {TOLERANCE:.0%} of the longer side of the lesion; chance for the "
                     "share = the lesion's area share"),
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
