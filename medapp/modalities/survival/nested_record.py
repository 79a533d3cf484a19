"""What the nested cross-validation (nested_cv.py) leaves in a survival card, read by train.py when it rewrites
the card (apart from nested_cv.py, which imports the training code)."""
from __future__ import annotations

import json
from pathlib import Path

CLEARLY_BETTER = 0.01  # nested C-index gain worth a change of family (fold sd is ~0.05, paired sd ~0.03)


def deployed_c_index(summary: dict) -> float:
    """The nested estimate of the deployed procedure: the honest concordance, below the card's headline because the
    headline's family was chosen on the same folds (a statistician's review asked the pages to show it)."""
    return summary["nested"]["train.py's three (the deployed procedure)"]["c_index"]["mean"]


def protocol_note(summary: dict) -> str:
    """One sentence for the card's protocol: the nested estimate of the deployed procedure and of the wider search."""
    n = summary["nested"]
    own, wide = n["train.py's three (the deployed procedure)"], n["additive (deployable)"]
    gain = wide["c_index"]["mean"] - own["c_index"]["mean"]
    return (f" Repeated nested CV (outer {summary['repeats']}x5-fold, inner 5-fold; metrics.nested_cv): "
            f"this procedure {own['c_index']['mean']:.3f} (sd {own['c_index']['sd']:.3f}); choosing among "
            f"{wide['pool_size']} additive candidates (spline, piecewise-linear, subset, boosting grid) "
            f"{wide['c_index']['mean']:.3f} (sd {wide['c_index']['sd']:.3f}): "
            + ("no better family found." if gain < CLEARLY_BETTER else f"the wider search ranks better by {gain:.3f}."))


def previous_nested(card_path: Path, n_rows: int) -> dict | None:
    """The nested-CV summary of an earlier card of the same data (train.py keeps it when it rewrites the card)."""
    if not Path(card_path).is_file():
        return None
    metrics = json.loads(Path(card_path).read_text()).get("metrics", {})
    return metrics.get("nested_cv") if metrics.get("n") == n_rows else None
