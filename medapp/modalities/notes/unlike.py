"""Is a note like the texts a note model learnt from? The closest training text, by the cosine similarity of
whole-note embeddings.

The classifier's head spreads every note over its classes, whatever the note is about: "The quick brown fox jumps
over the lazy dog" was "Chicken pox, 84.7%" and a hip-fracture discharge note "Dengue, 58%", without a word. The
training texts' embeddings travel with the head (float16), and a note is compared with all of them:

- caution (the finding is shown with a warning) below the 1st percentile of the out-of-fold similarities, that is
  less like any training text than 99 in 100 training texts are like the other folds' texts;
- not assessed (no finding) below that percentile minus its distance to the median, a robust extrapolation of the
  same distribution as far below the 1st percentile as the median is above it. The rule was written after
  looking at a handful of probe notes (docs/notes.md), not tuned on a labelled out-of-domain set: there is none here.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from sklearn.model_selection import StratifiedKFold

from ...types import InputFit, score_and_threshold

REFERENCE = "reference.safetensors"


def nearest_similarity(reference: np.ndarray, embeddings: np.ndarray) -> np.ndarray:
    """Per row of `embeddings` (unit norm), the cosine similarity of the closest reference text."""
    return (np.atleast_2d(embeddings).astype(np.float32) @ reference.astype(np.float32).T).max(axis=1)


def fit_thresholds(X: np.ndarray, y: np.ndarray, *, folds: int, seed: int, domain: str) -> dict:
    """The card's entry: out-of-fold closest similarities (each text against the other folds) and the two bars."""
    oof = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        oof[test] = nearest_similarity(X[train], X[test])
    p1, median = (float(v) for v in np.percentile(oof, [1, 50]))
    caution, refuse = round(p1, 4), round(p1 - (median - p1), 4)
    return {"domain": domain, "caution_below": caution, "refuse_below": refuse,
            "protocol": (f"closest training text by cosine similarity of whole-note embeddings; out-of-fold over "
                         f"{folds} stratified folds (seed {seed}); caution below the 1st percentile, not assessed "
                         "below the 1st percentile minus its distance to the median"),
            "out_of_fold": {"median": round(median, 4), "p1": caution,
                            "share_below_caution": round(float(np.mean(oof < caution)), 4),
                            "share_below_refuse": round(float(np.mean(oof < refuse)), 4)}}


def write_reference(X: np.ndarray, out_dir: Path) -> None:
    save_file({"embeddings": torch.tensor(X, dtype=torch.float16).contiguous()}, str(Path(out_dir) / REFERENCE))


def load_reference(model_dir: Path) -> np.ndarray | None:
    path = Path(model_dir) / REFERENCE
    return load_file(str(path))["embeddings"].float().numpy() if path.is_file() else None


def assess(similarity: float, bars: dict) -> tuple[InputFit, str | None]:
    """The note's fit (not assessed below `refuse_below`) and the warning to show, if any."""
    # as many decimals as it takes for the two numbers to differ ("0.24; no finding below 0.24" read as equal)
    refuse, caution = (score_and_threshold(similarity, bars[k], 2) for k in ("refuse_below", "caution_below"))
    refused = similarity < bars["refuse_below"]
    if refused:
        message = (f"This note is unlike every text the model learnt from (closest similarity to a training text "
                   f"{refuse[0]}; it gives no finding below {refuse[1]}). The model knows only {bars['domain']}: it "
                   "does not assess this note, and its class probabilities must not be read as a finding.")
    elif similarity < bars["caution_below"]:
        message = (f"This note is less like the texts the model learnt from ({bars['domain']}) than 99 in 100 of "
                   f"them are (closest similarity to a training text {caution[0]}, below {caution[1]}): read the "
                   "classification with caution.")
    else:
        message = None
    fit = InputFit(fits=not refused, message=message if refused else None, score=round(1 - similarity, 4),
                   threshold=round(1 - bars["refuse_below"], 4))
    return fit, message
