"""bfloat16 against float32 inference for the notes models: what the faster precision changes.

`python -m medapp.modalities.notes.precision_check [--notes N] [--out FILE]` (not imported at
inference; minutes on 2 cores). For each notes model it prints, as JSON:
- `cv`: the card's own protocol (5 stratified folds, seed 0, the card's weight decay and temperature):
  each fold's head is fitted on float32 embeddings, as `train` does, and scores the held-out fold from
  float32 and from bfloat16 embeddings; accuracy, macro-F1, AUROC and Brier both ways, and the paired
  bootstrap 95% interval of each difference (bf16 - fp32);
- `shipped_head`: the committed head on every training text, both ways: how often the top-1 label
  is the same and how far the top class's probability moves;
- `explanations`: N real notes explained both ways: correlation of the word values, overlap of the
  five strongest phrases, and additivity (explanation total against the prediction);
- `batch`: under bfloat16, texts alone against the same texts in batches of three and of all (the
  largest move of a probability; float32 moves about 1e-7).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ...registry import data_root, load_model
from . import train
from .chunks import embed_notes

SEED = 0


def _metrics(y: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    pred = probs.argmax(1)
    return {"accuracy": float(accuracy_score(y, pred)), "macro_f1": float(f1_score(y, pred, average="macro")),
            "auroc": float(roc_auc_score(y, probs, multi_class="ovr")),
            "brier": float(np.mean(np.sum((probs - np.eye(probs.shape[1])[y]) ** 2, axis=1)))}


def _paired_bootstrap(y: np.ndarray, a: np.ndarray, b: np.ndarray, n: int = 500) -> dict[str, list[float]]:
    """95% intervals of metric(b) - metric(a) over resampled texts (the same resample for both)."""
    rng = np.random.default_rng(SEED)
    diffs: dict[str, list[float]] = {}
    for _ in range(n):
        idx = rng.integers(0, len(y), len(y))
        if len(np.unique(y[idx])) < a.shape[1]:
            continue
        ma, mb = _metrics(y[idx], a[idx]), _metrics(y[idx], b[idx])
        for k in ma:
            diffs.setdefault(k, []).append(mb[k] - ma[k])
    return {k: [round(float(np.percentile(v, 2.5)), 4), round(float(np.percentile(v, 97.5)), 4)] for k, v in diffs.items()}


def _texts_and_labels(model_id: str) -> tuple[list[str], np.ndarray]:
    """The training texts and labels exactly as `train.train` reads them."""
    df, labels = train.read_table(model_id, data_root())
    spec = train.SPECS[model_id]
    return df[spec["text_col"]].astype(str).tolist(), np.array([labels.index(v) for v in df[spec["label_col"]]])


def cross_validated(model_id: str) -> dict:
    model = load_model(model_id)
    texts, y = _texts_and_labels(model_id)
    x32, x16 = train.embed_cached(texts), train.embed_cached(texts, precision="bf16")
    wd, temperature = model.card.metrics["weight_decay"], model.card.metrics["temperature"]
    k = len(model.card.labels)
    oof32, oof16 = np.zeros((len(y), k)), np.zeros((len(y), k))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=SEED).split(x32, y):
        head = train.fit_head(x32[tr], y[tr], k, wd, SEED)
        oof32[te] = train.head_logits(head, x32[te])
        oof16[te] = train.head_logits(head, x16[te])
    p32, p16 = train._softmax(oof32 / temperature), train._softmax(oof16 / temperature)
    shipped32, shipped16 = model.head_probabilities(x32), model.head_probabilities(x16)
    top = shipped32.argmax(1)
    moved = np.abs(shipped16[np.arange(len(top)), top] - shipped32[np.arange(len(top)), top])
    return {
        "n": int(len(y)),
        "cv": {"fp32": {k: round(v, 4) for k, v in _metrics(y, p32).items()},
               "bf16": {k: round(v, 4) for k, v in _metrics(y, p16).items()},
               "bf16_minus_fp32_95ci": _paired_bootstrap(y, p32, p16),
               "top1_same_oof": round(float(np.mean(p32.argmax(1) == p16.argmax(1))), 4)},
        "shipped_head": {"top1_same": round(float(np.mean(shipped16.argmax(1) == top)), 4),
                         "top_probability_moved": {"median": float(np.median(moved)),
                                                   "p99": float(np.percentile(moved, 99)), "max": float(moved.max())}},
        "embedding_cosine_min": float(np.min(np.sum(x32 * x16, axis=1))),
    }


def explanations(model_id: str, n_notes: int) -> dict:
    from ...workload import real_inputs

    model = load_model(model_id)
    encoder = model.encoder
    rows = []
    for name, x in [("example", model.example_input())] + real_inputs(model, n_notes):
        res = {}
        for precision in ("fp32", "bf16"):
            encoder.precision = precision  # this script is single-threaded
            p = model.predict(x)
            res[precision] = (p, model.explain(x, p))
        encoder.precision = "bf16"
        (p32, e32), (p16, e16) = res["fp32"], res["bf16"]
        v32, v16 = np.asarray(e32.values, float), np.asarray(e16.values, float)
        # the five strongest phrases (words valued together share one value, so single words would tie)
        top32, top16 = ({text for text, _ in sorted(e.summary, key=lambda t: -abs(t[1]))[:5]} for e in (e32, e16))
        rows.append({"note": name, "label_same": p32.label == p16.label,
                     "probability_moved": abs(float(p32.probability) - float(p16.probability)),
                     "corr": float(np.corrcoef(v32, v16)[0, 1]) if v32.std() > 0 and v16.std() > 0 else float("nan"),
                     "top5_overlap": len(top32 & top16) / 5,
                     "additivity_bf16": abs(e16.output_value - float(p16.probability))})
    corr = [r["corr"] for r in rows]
    return {"notes": len(rows), "label_same": float(np.mean([r["label_same"] for r in rows])),
            "probability_moved_max": max(r["probability_moved"] for r in rows),
            "shap_corr_median": float(np.nanmedian(corr)), "shap_corr_min": float(np.nanmin(corr)),
            "top5_overlap_mean": float(np.mean([r["top5_overlap"] for r in rows])),
            "additivity_bf16_max": max(r["additivity_bf16"] for r in rows)}


def batch_dependence(model_id: str, n: int = 64) -> dict:
    """Each of n texts alone, in a batch of three (with the next two texts) and in one batch of all n."""
    model = load_model(model_id)
    texts, _ = _texts_and_labels(model_id)
    texts = texts[:: max(1, len(texts) // n)][:n]

    def probs(batch: list[str]) -> np.ndarray:
        return model.head_probabilities(embed_notes(model.encoder, batch, precision="bf16"))

    alone = np.stack([probs([t])[0] for t in texts])
    threes = np.stack([probs([t, texts[(i + 1) % n], texts[(i + 2) % n]])[0] for i, t in enumerate(texts)])
    together = probs(texts)
    moved = np.maximum(np.abs(alone - threes).max(1), np.abs(alone - together).max(1))
    return {"texts": len(texts), "probability_moved_max": float(moved.max()),
            "probability_moved_p95": float(np.percentile(moved, 95)),
            "top1_same": float(np.mean((alone.argmax(1) == threes.argmax(1)) & (alone.argmax(1) == together.argmax(1))))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=int, default=8, help="real notes per model to explain both ways")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    ap.add_argument("models", nargs="*", default=["symptom-disease", "abstract-condition"])
    args = ap.parse_args(argv)
    report = {mid: {**cross_validated(mid), "explanations": explanations(mid, args.notes),
                    "batch": batch_dependence(mid)} for mid in args.models}
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
