"""A card's figures by subgroup (`metrics.subgroups`, made at training by medapp/modalities/subgroups.py) as a table
in words, for the Models page and the docs."""
from __future__ import annotations

import pandas as pd

from ..types import ModelCard
from .survival import horizon_text

SUBGROUPS_CAPTION = ("Most subgroups hold a few dozen patients: read each figure with its interval. Overlapping "
                     "intervals do not rule out a difference; a group's calibration is tested against the other "
                     "patients' (the last column: Holm-adjusted over the card's groups). The intervals give the sampling spread of these "
                     "predictions only, not how another hospital's patients differ. A group whose patients' risks lie "
                     "closer together ranks lower whatever the model's accuracy: an expected AUROC is what the "
                     "group's own predictions would reach were they exactly right, so an AUROC near its expected one "
                     "does not show a model worse for that group, only a group harder to rank.")

NO_SUBGROUPS = ("Not given by sex or age: the data this model was validated on do not record the patients' sex or "
                "age, so nobody can say here whether it works less well for some of them.")


def _percent(k: int, n: int) -> str:
    return f"{k}/{n} ({100 * k / n:.0f}%)" if n else "none"


def _with_interval(value: float | None, interval: list[float] | None) -> str:
    if value is None:
        return "too few to rank"
    return f"{value:.2f} ({interval[0]:.2f}-{interval[1]:.2f})" if interval else f"{value:.2f}"


def _expected(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def subgroup_table(card: ModelCard) -> pd.DataFrame | None:
    """One row per group (all patients first): counts, the ranking figure with its 95% interval, and predicted
    against observed; None where the card gives no subgroups."""
    spec = card.metrics.get("subgroups")
    if not spec:
        return None
    rows = []
    for g in spec["groups"]:
        name = "All patients" if g["group"] == "all" else f"{g['by']}: {g['group']}"
        if spec["kind"] == "survival":
            rows.append({"Group": name, "Patients": g["n"], "Events": g["n_events"],
                         "C-index (95% interval)": _with_interval(g.get("c_index"), g.get("c_index_ci")),
                         f"{spec['event'].capitalize()} by {horizon_text(spec['horizon_days'])}, predicted / observed":
                             f"{100 * g['mean_predicted']:.0f}% / {100 * g['observed']:.0f}%"})
        else:
            negatives = g["n"] - g["n_positive"]
            rows.append({"Group": name, "Patients": g["n"], f"With {spec['positive']}": g["n_positive"],
                         "AUROC (95% interval)": _with_interval(g.get("auroc"), g.get("auroc_ci")),
                         "AUROC expected": _expected(g.get("expected_auroc")),
                         "Sensitivity": _percent(g["true_positive"], g["n_positive"]),
                         "Specificity": _percent(g["true_negative"], negatives),
                         "Average predicted / observed": f"{100 * g['mean_predicted']:.0f}% / {100 * g['observed']:.0f}%"})
    for row, g in zip(rows, spec["groups"]):
        row["Gap vs other patients (95% interval), Holm p"] = _versus(g)
    return pd.DataFrame(rows).set_index("Group")


def _versus(g: dict) -> str:
    """"+13 points (+4 to +22), p 0.02": the group's gap (predicted minus observed) less the other patients'."""
    if "gap_vs_others" not in g:
        return ""
    lo, hi = (100 * v for v in g["gap_vs_others_ci"])
    return f"{100 * g['gap_vs_others']:+.0f} points ({lo:+.0f} to {hi:+.0f}), p {g['p_vs_others_holm']:.2g}"


def no_subgroups_reason(card: ModelCard) -> str | None:
    """Why a card that predicts for patients gives no figures by subgroup; None for one that gives them, and for
    dictation (it transcribes a clinician's voice: no patient is predicted for)."""
    if card.metrics.get("subgroups") or card.modality == "speech":
        return None
    return NO_SUBGROUPS


def subgroup_protocol(card: ModelCard) -> str:
    spec = card.metrics.get("subgroups") or {}
    text = spec.get("protocol", "")
    return text[:1].upper() + text[1:] + "." if text else ""
