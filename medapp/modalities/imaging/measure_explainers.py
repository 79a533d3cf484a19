"""Measure candidate explanation methods on validation images: time, completeness, agreement, pointing game.

`python -m medapp.modalities.imaging.measure_explainers MODEL_ID [N]` prints one JSON object. Candidates:
expected gradients with several (background images x path points) budgets, against a 16 x 8 reference,
and shap's Partition explainer over a blur-masked image (exactly additive by construction). For the
breast model the pointing game is measured for each candidate on validation images with a lesion.
"""
from __future__ import annotations

import json
import time

import numpy as np
import torch

from ...registry import data_root, load_model
from .datasets import busi_mask
from .evaluate import point_and_share
from .io import decode
from .preprocess import to_model_input

EG_BUDGETS = [(4, 2), (8, 2), (8, 4), (16, 4)]
REFERENCE = (16, 8)


def _partition(model, t: torch.Tensor, target: int, max_evals: int) -> tuple[np.ndarray, float, float]:
    import shap

    def f(batch: np.ndarray) -> np.ndarray:
        x = torch.tensor(batch, dtype=torch.float32).permute(0, 3, 1, 2)
        with torch.no_grad():
            return model.log_probabilities(x)[:, target:target + 1].numpy()

    image = t[0].permute(1, 2, 0).numpy()
    masker = shap.maskers.Image("blur(16,16)", image.shape)
    explainer = shap.Explainer(f, masker, output_names=["target"])
    out = explainer(image[None], max_evals=max_evals, batch_size=64, silent=True)
    values = np.asarray(out.values)[0, ..., 0, 0]
    return values, float(np.ravel(out.base_values)[0]), float(f(image[None])[0, 0])


def measure(model_id: str, n: int = 24) -> dict:
    model = load_model(model_id)
    card = model.card
    names = card.validation.get("names", [])
    y = card.validation["y_true"]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(names))
    folder = data_root() / card.data["source_path"]
    folder = folder / "train" if (folder / "train").is_dir() else folder
    chosen = []
    for i in order:
        mask = busi_mask(folder, names[i]) if "busi" in card.data["source_path"] else None
        if mask is not None and not mask.any():
            continue
        chosen.append((names[i], y[i], mask))
        if len(chosen) >= n:
            break
    rows: dict[str, dict[str, list]] = {}
    for name, _, mask in chosen:
        x = decode((folder / name).read_bytes(), name)[0]
        t = to_model_input(x, model.size)
        pred = model.predict(x)
        target = card.labels.index(pred.label)
        logp = float(np.log(pred.probability))
        ref, _ = model.attributions(t, target, *REFERENCE)
        candidates = {f"expected_gradients_{b}x{s}": lambda b=b, s=s, t=t, target=target: model.attributions(t, target, b, s)
                      for b, s in EG_BUDGETS}
        candidates["partition_blur_300"] = lambda t=t, target=target: _partition(model, t, target, 300)[:2]
        for key, fn in candidates.items():
            start = time.perf_counter()
            values, base = fn()
            ms = (time.perf_counter() - start) * 1000
            r = rows.setdefault(key, {"ms": [], "completeness_error": [], "corr_with_reference": [], "hit": []})
            r["ms"].append(ms)
            r["completeness_error"].append(abs(base + float(values.sum()) - logp))
            r["corr_with_reference"].append(float(np.corrcoef(values.ravel(), ref.ravel())[0, 1]))
            if mask is not None:
                v = values.astype(np.float64)
                r["hit"].append(point_and_share(model, x.grey, v, mask)["hit"])
                for sigma in (2.0, 4.0):
                    for mag in (False, True):
                        r.setdefault(f"hit_sigma{sigma:g}_{'magnitude' if mag else 'positive'}", []).append(
                            point_and_share(model, x.grey, v, mask, sigma=sigma, magnitude=mag)["hit"])
    out = {"model": model_id, "n_images": len(chosen), "reference": f"expected gradients {REFERENCE[0]}x{REFERENCE[1]}",
           "threads": torch.get_num_threads()}
    for key, r in rows.items():
        out[key] = {"ms_p50": round(float(np.median(r["ms"])), 1),
                    "completeness_error_mean": round(float(np.mean(r["completeness_error"])), 4),
                    "completeness_error_max": round(float(np.max(r["completeness_error"])), 4),
                    "corr_with_reference_mean": round(float(np.mean(r["corr_with_reference"])), 3)}
        for name, hits in r.items():
            if name.startswith("hit") and hits:
                out[key]["pointing_game" + name[3:]] = round(float(np.mean(hits)), 3)
    return out


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m medapp.modalities.imaging.measure_explainers",
                                     description="Time, completeness, agreement and pointing game of candidate "
                                                 "explanation methods on validation images.")
    parser.add_argument("model_id", choices=("chest-xray-pneumonia", "breast-ultrasound"))
    parser.add_argument("n", nargs="?", type=int, default=24, help="validation images (default 24)")
    parsed = parser.parse_args()
    print(json.dumps(measure(parsed.model_id, parsed.n), indent=1))
