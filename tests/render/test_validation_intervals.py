"""95% intervals beside each card's validation figures (a quality auditor's review: no card gave one)."""
from __future__ import annotations

import numpy as np
import pytest

from medapp.registry import get_card, list_cards
from medapp.render.metrics import summary_table, validation_intervals


def _bounds(text: str) -> tuple[float, float]:
    lo, hi = text.split("-")
    return float(lo), float(hi)


@pytest.mark.parametrize("card", [c for c in list_cards() if validation_intervals(c)], ids=lambda c: c.id)
def test_each_interval_is_of_the_figure_the_card_gives_and_holds_it(card):
    """Computed from the card's own predictions at its own threshold: the point figure recomputed from them is the
    card's (so the interval is of that figure, not of another definition), and lies inside its interval."""
    y = np.asarray(card.validation["y_true"])
    P = np.asarray(card.validation["probabilities"])
    summary = card.metrics["summary"]
    intervals = validation_intervals(card)
    if card.positive_label in card.labels and "threshold" in card.metrics:
        k = card.labels.index(card.positive_label)
        truth, called = y == k, P[:, k] >= card.threshold
        point = {"sensitivity": np.mean(called[truth]), "specificity": np.mean(~called[~truth]),
                 "accuracy": np.mean(called == truth)}
    else:
        point = {"accuracy": np.mean(P.argmax(1) == y)}
    for key, value in point.items():
        assert value == pytest.approx(summary[key], abs=6e-4), key
        lo, hi = _bounds(intervals[key])
        assert lo - 5e-4 <= value <= hi + 5e-4 and hi - lo < 0.5
    if "auroc" in intervals:
        lo, hi = _bounds(intervals["auroc"])
        assert lo - 5e-4 <= summary["auroc"] <= hi + 5e-4


def test_a_perfect_score_on_few_cases_is_not_an_interval_of_nothing():
    card = get_card("srbct-tumour")  # 63 of 63 right
    assert validation_intervals(card) == {"accuracy": "0.943-1.000"}  # Clopper-Pearson, not a bootstrap's 1.000-1.000
    assert validation_intervals(get_card("heart-failure")) == {}  # survival: the C-index's spread over folds instead
    table = summary_table(get_card("heart-disease"))
    assert list(table.index) == ["validation", "95% interval"]
    assert table.loc["95% interval", "AUROC"] == "0.858-0.940" and table.loc["validation", "AUROC"] == "0.9021"
