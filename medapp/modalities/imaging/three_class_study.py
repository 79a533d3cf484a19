"""Two classes or three for the breast model? The study behind version 3.0.0 (normal / benign / malignant).

Hypothesis (issue 17, item 5): with two classes (version 2.0.0: malignant / normal_or_benign) the evidence
for "normal_or_benign" in a benign-lesion image is diffuse (healthy tissue anywhere argues "not
malignant"), so the map toward that label misses the lesion; with three classes the lesion is the
evidence for "benign". Everything else is the same recipe (train.SPECS["breast-ultrasound"]: validation
images, seed, augmentation, lesion loss, 128 px, explanation); only the label set changes, and with it
the class weights, the temperature (fitted on validation over the classes) and the label rule (malignant
at or above the Youden threshold on P(malignant) chosen on validation; otherwise the more probable other).

    python -m medapp.modalities.imaging.three_class_study train OUT_DIR [2|3 [SEED]]  # 2-7 minutes, one thread
    python -m medapp.modalities.imaging.three_class_study compare OUT_DIR [BASE_DIR]  # one JSON object
    # 2.0.0 against 3.0.0: train /tmp/two 2, then compare models/breast-ultrasound /tmp/two
    python -m medapp.modalities.imaging.three_class_study seeds OUT_DIR 0 1 2        # both label sets per seed

`compare` reads both models (default base: the shipped model) on the same validation images only
(held-back images are never read): malignant-against-the-rest AUROC with a paired bootstrap of the
difference, sensitivity and specificity at each model's threshold, Brier and ECE of P(malignant),
accuracy over each model's own labels, and the pointing game exactly as the card's figure
(evaluate.point_and_share on the map the page shows), per image, so the two maps are compared on the
same images (exact McNemar test on the discordant images). `seeds` varies the training draw only.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score

from ...registry import data_root, models_dir
from ...types import ModelCard
from .datasets import busi_mask
from .evaluate import point_and_share, wilson
from .io import decode
from .model import ImagingModel
from .train import SPECS, binary_metrics, calibration_table
from .train import train as train_model

LABELS = ("normal", "benign", "malignant")


def spec_for(classes: int) -> dict:
    """The shipped recipe (three classes since version 3.0.0), or version 2.0.0's two label set."""
    spec = SPECS["breast-ultrasound"]
    if classes == 3:
        return spec
    return dict(spec, labels=("malignant", "normal_or_benign"), version="2.0.0",
                name="Breast ultrasound: malignant or not (BUSI, 128 px) - study")


def train(out_dir: Path, classes: int = 3, seed: int = 0) -> ModelCard:
    """Train into `out_dir`; `seed` changes the training draw only (the validation split is always seed 0's)."""
    return train_model("breast-ultrasound", data_root(), out_dir, spec=spec_for(classes), seed=seed, split_seed=0)


def seeds(out_dir: Path, training_seeds: list[int]) -> list[dict]:
    """Both label sets for each training seed, on the same validation images: how much is the seed's draw?"""
    rows = []
    for seed in training_seeds:
        for classes in (2, 3):
            card = train(Path(out_dir) / f"{classes}class_seed{seed}", classes, seed)
            pg = card.metrics["pointing_game_validation"]
            rows.append({"classes": classes, "seed": seed, "best_epoch": card.metrics["best_epoch"],
                         **{k: card.metrics["summary"][k] for k in ("auroc", "sensitivity", "specificity", "brier")},
                         "threshold": card.metrics["threshold"], "pointing_game": pg["pointing_game"],
                         "by_true_class": {k: v["pointing_game"] for k, v in pg["by_true_class"].items()},
                         "positive_share_in_lesion": pg["positive_share_in_lesion_mean"]})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def _true_class(name: str) -> str:
    return name.split("/")[0]


def _pointing(model: ImagingModel, names: list[str]) -> dict[str, dict]:
    folder = data_root() / model.card.data["source_path"]
    out = {}
    for name in names:
        mask = busi_mask(folder, name)
        if mask is None or not mask.any():
            continue
        x = decode((folder / name).read_bytes(), name)[0]
        pred = model.predict(x)
        expl = model.explain(x, pred)
        m = point_and_share(model, x.grey, np.asarray(expl.values, dtype=np.float64), mask)
        m["predicted"] = pred.label
        out[name] = m
    return out


def _paired_bootstrap_auc(y: np.ndarray, a: np.ndarray, b: np.ndarray, n: int = 2000, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        if 0 < y[i].sum() < len(i):
            diffs.append(roc_auc_score(y[i], b[i]) - roc_auc_score(y[i], a[i]))
    diffs = np.array(diffs)
    return {"difference": round(float(roc_auc_score(y, b) - roc_auc_score(y, a)), 4),
            "95ci": [round(float(np.quantile(diffs, 0.025)), 4), round(float(np.quantile(diffs, 0.975)), 4)],
            "share_of_resamples_worse": round(float(np.mean(diffs < 0)), 3), "resamples": len(diffs)}


def _model_figures(model: ImagingModel, names: list[str], rows: dict[str, dict]) -> dict:
    card = model.card
    probs = np.asarray(card.validation["probabilities"], dtype=np.float64)
    pos = card.labels.index("malignant")
    y = np.array([_true_class(n) == "malignant" for n in names], dtype=int)
    p = probs[:, pos]
    predicted = [model.label_for(row) for row in probs]
    truth = [_true_class(n) if len(card.labels) == 3 else ("malignant" if _true_class(n) == "malignant"
                                                           else "normal_or_benign") for n in names]
    hits = np.array([rows[n]["hit"] for n in rows])
    by_class = {}
    for cls in ("benign", "malignant"):
        sel = [rows[n]["hit"] for n in rows if _true_class(n) == cls]
        by_class[cls] = {"n": len(sel), "pointing_game": round(float(np.mean(sel)), 3),
                         "95ci": wilson(int(np.sum(sel)), len(sel))}
    return {
        "labels": list(card.labels), "threshold": card.metrics["threshold"], "temperature": card.metrics["temperature"],
        "best_epoch": card.metrics["best_epoch"],
        "malignant_vs_rest": binary_metrics(y, p, float(card.metrics["threshold"])),
        "ece": calibration_table(y, p)["ece"],
        "accuracy_own_labels": round(float(np.mean([a == b for a, b in zip(predicted, truth)])), 4),
        "pointing_game": {"n": len(hits), "pointing_game": round(float(hits.mean()), 3),
                          "95ci": wilson(int(hits.sum()), len(hits)), "by_true_class": by_class,
                          "positive_share_in_lesion_mean": round(float(np.mean([r["positive_share_in_lesion"]
                                                                                 for r in rows.values()])), 3),
                          "lesion_area_share_mean": round(float(np.mean([r["lesion_area_share"]
                                                                          for r in rows.values()])), 3),
                          "max_on_screen_marks": int(sum(r["max_on_marks"] for r in rows.values()))},
    }


def compare(out_dir: Path, base_dir: Path | None = None) -> dict:
    """The model in `out_dir` against the one in `base_dir` (default: the shipped model)."""
    import torch

    torch.set_num_threads(1)
    shipped = ImagingModel(ModelCard.read(Path(base_dir or models_dir() / "breast-ultrasound") / "card.json"))
    three = ImagingModel(ModelCard.read(Path(out_dir) / "card.json"))
    names = list(shipped.card.validation["names"])
    if list(three.card.validation["names"]) != names:
        raise SystemExit("the two models were not validated on the same images")
    rows_a, rows_b = _pointing(shipped, names), _pointing(three, names)
    y = np.array([_true_class(n) == "malignant" for n in names], dtype=int)
    p_a = np.asarray(shipped.card.validation["probabilities"])[:, shipped.card.labels.index("malignant")]
    p_b = np.asarray(three.card.validation["probabilities"])[:, three.card.labels.index("malignant")]
    gained = sum(rows_b[n]["hit"] and not rows_a[n]["hit"] for n in rows_a)
    lost = sum(rows_a[n]["hit"] and not rows_b[n]["hit"] for n in rows_a)
    benign_pred = [n for n in rows_b if _true_class(n) == "benign"]
    return {
        "validation_images": len(names), "with_lesion": len(rows_a),
        "base": _model_figures(shipped, names, rows_a),
        "model": _model_figures(three, names, rows_b),
        "model_benign_lesions_by_predicted_label": {
            lab: {"n": len(sel), "pointing_game": round(float(np.mean(sel)), 3) if sel else None}
            for lab in LABELS for sel in [[rows_b[n]["hit"] for n in benign_pred if rows_b[n]["predicted"] == lab]]},
        "pointing_game_mcnemar": {"gained": int(gained), "lost": int(lost),
                                  "p_exact": round(float(binomtest(gained, gained + lost).pvalue), 3)
                                  if gained + lost else 1.0},
        "auroc_paired_bootstrap_model_minus_base": _paired_bootstrap_auc(y, p_a, p_b),
    }


USAGE = ("usage: python -m medapp.modalities.imaging.three_class_study train OUT_DIR [CLASSES [SEED]] | "
         "compare OUT_DIR [BASE_DIR] | seeds OUT_DIR SEED...")

if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) < 2 or args[0] not in ("train", "compare", "seeds"):
        raise SystemExit(USAGE)
    if args[0] == "train":
        print(train(Path(args[1]), *(int(a) for a in args[2:4])).metrics["summary"], flush=True)
    elif args[0] == "seeds":
        seeds(Path(args[1]), [int(a) for a in args[2:]])
    else:
        print(json.dumps(compare(Path(args[1]), Path(args[2]) if len(args) > 2 else None), indent=1))
