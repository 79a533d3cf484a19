"""Observed curves by predicted risk group: Kaplan-Meier with its band, censoring, numbers at risk and the
log-rank test, checked against lifelines (another library's estimator and test) on the heart failure file."""
from __future__ import annotations

import numpy as np
import pytest

from medapp.modalities.survival.groups import logrank, risk_group_curves
from medapp.registry import data_root
from medapp.render.survival import km_figure, time_ticks


@pytest.fixture(scope="module")
def hf():
    import pandas as pd

    df = pd.read_csv(data_root() / "records/heart_failure/heart_failure.csv")
    # three groups by ejection fraction: any grouping will do to check the statistics
    groups = np.where(df.ejection_fraction < 30, "high", np.where(df.ejection_fraction < 40, "intermediate", "low"))
    return groups, df.time.to_numpy(float), df.DEATH_EVENT.to_numpy(int)


def test_kaplan_meier_band_censoring_and_numbers_at_risk_match_lifelines(hf):
    from lifelines import KaplanMeierFitter

    groups, time_, event = hf
    curves = risk_group_curves(groups, np.zeros((len(groups), 2)), np.array([0.0, 1.0]), time_, event)
    assert list(curves) == ["low", "intermediate", "high"]  # the page's order, whatever the file's
    for g, c in curves.items():
        sel = groups == g
        km = KaplanMeierFitter().fit(time_[sel], event[sel])
        for t in (0, 30, 90, 180, 250):
            assert c.at(t) == pytest.approx(float(km.predict(t)), abs=1e-9)
            assert c.at_risk(t) == int((time_[sel] >= t).sum())
        assert c.n == sel.sum() and c.at_risk(0) == c.n
        assert np.array_equal(c.censored, np.sort(time_[sel][event[sel] == 0]))
        assert np.all(c.lower <= c.survival + 1e-12) and np.all(c.survival <= c.upper + 1e-12)
        # lifelines' band is the same log-log (exponential Greenwood) interval
        ci = km.confidence_interval_survival_function_
        t_mid = float(np.median(time_[sel]))
        lo_ll, hi_ll = ci[ci.index <= t_mid].iloc[-1]
        i = np.searchsorted(c.times, t_mid, side="right") - 1
        assert c.lower[i] == pytest.approx(lo_ll, abs=2e-3) and c.upper[i] == pytest.approx(hi_ll, abs=2e-3)


def test_log_rank_matches_lifelines_and_needs_two_groups(hf):
    from lifelines.statistics import multivariate_logrank_test

    groups, time_, event = hf
    chisq, p = logrank(groups, time_, event, ["low", "intermediate", "high"])
    theirs = multivariate_logrank_test(time_, groups, event)
    assert chisq == pytest.approx(theirs.test_statistic, rel=1e-6) and p == pytest.approx(theirs.p_value, rel=1e-6)
    assert p < 0.05  # ejection fraction separates survival in this file
    assert logrank(groups, time_, event, ["low"]) is None


def test_observed_figure_has_bands_censor_ticks_and_numbers_at_risk(hf):
    groups, time_, event = hf
    curves = risk_group_curves(groups, np.zeros((len(groups), 2)), np.array([0.0, 1.0]), time_, event)
    fig = km_figure(curves, "death")
    # on two lines (one ran past the figure at 1024 px), a censored patient as having left without the event
    assert fig.layout.title.text.startswith("Observed (Kaplan-Meier) probability of no death,<br>by predicted risk group")
    assert "left follow-up without recurrence or death" in km_figure(curves, "recurrence or death").layout.title.text
    named = [t.name for t in fig.data if t.showlegend is not False]
    assert named == [f"{w} (n={c.n})" for w, c in zip(("lowest third", "middle third", "highest third"),
                                                       curves.values())]
    ticks = time_ticks(time_.max())
    assert ticks[0] == 0 and 4 <= len(ticks) <= 8 and ticks[-1] <= time_.max()
    counts = [t for t in fig.data if t.mode == "text"]
    assert [list(t.text) for t in counts] == [[str(c.at_risk(x)) for x in ticks] for c in curves.values()]
    # the numbers at risk are readable on white: 4.5:1 at least (the orange was 2.9:1, an accessibility review)
    for t in counts:
        rgb = [int(t.textfont.color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lum = sum(w * (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
                  for w, c in zip((0.2126, 0.7152, 0.0722), rgb))
        assert 1.05 / (lum + 0.05) >= 4.5, t.textfont.color
    censor = [t for t in fig.data if t.name == "censored"]
    assert sum(len(t.x) for t in censor) == int((event == 0).sum())
    assert sum(1 for t in fig.data if t.fill == "tonexty") == 3
