"""Streamlit panel of the time-to-event models, shown on the Case records page.

One patient: survival curve with its band, probability of the event by each horizon, exact SHAP
of the risk score and of the event probability over time, save to case. Cohort: risk groups,
Kaplan-Meier curves by predicted risk group (observed when the file carries outcomes), CSV download.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import streamlit as st

from ..analysis import BatchResult
from ..modalities.subgroups import CAUTION_LEAD
from ..modalities.survival.groups import logrank, risk_group_curves
from ..modalities.survival.io import MEDIAN_FILL
from ..modalities.survival.model import SurvivalModel
from ..render.numbers import band_text, headline_percent, precise_percent
from ..render.survival import (
    GROUP_WORDS,
    curve_figure,
    horizon_rows,
    horizon_text,
    km_figure,
    over_time_figure,
    risk_group_text,
)
from ..render.tabular import RISK_WATERFALL_TITLE, waterfall
from ..reports.content import close_call_markdown, never_certain, survival_close_call
from .case_records import (
    FormKeys,
    analysed,
    cohort_upload,
    percent_column,
    percent_points,
    row_warnings,
    save_one_patient,
)
from .case_records import one_patient as shared_one_patient
from .cases import log_download, save_to_case
from .common import results_csv, warnings_in_full

# widget keys as before the form was shared (kept page state and tests name them)
FORM = FormKeys(field="surv", example="sex", clear="sclr", form="surv_patient", submit="Estimate survival",
                values="survival_values", result="s", cohort="s")


NOT_MEASURED_COUNT = re.compile(r"\d+ of \d+ values? not measured")  # "1 of 8 values not measured (...)": with it


def one_patient(model: SurvivalModel) -> None:
    shared_one_patient(model, FORM, result_panel)


def result_panel(model: SurvivalModel, values: dict, key: str, saveable: bool = True) -> None:
    """The estimate for `values`; `saveable=False` (the form has changed since) leaves out Save to case."""
    result = analysed(model, values)
    if result is None:
        return
    pred, expl = result.prediction, result.explanation
    curve = pred.survival
    main = list(curve.horizons).index(curve.main_horizon)
    p, lo, hi = 1 - curve.at_horizons[main], 1 - curve.at_horizons_upper[main], 1 - curve.at_horizons_lower[main]
    left, right = st.columns([1, 2])
    with left:
        by = horizon_text(curve.main_horizon)
        what = f"Probability of {curve.event} by {by}"  # a caption wraps; a metric's label is cut (records)
        st.caption(what)
        st.metric(what, headline_percent(p), help=f"95% band {band_text(lo, hi)}", label_visibility="collapsed")
        st.markdown(f"95% band {band_text(lo, hi)}  \nRisk group: **{risk_group_text(curve.risk_group)}**"
                    f"  \nRisk score: **{curve.risk_score:+.2f}** (log relative hazard; higher "
                    f"means an earlier {curve.event})  \nMore likely at {by}: **{model.card.display(pred.label)}**")
        # what the values not given could change, beside the number it qualifies: below the horizon table it was
        # out of sight under a headline that read as complete (a tumour-board review)
        # so is what validation showed of patients like this one (estimates too high on average: a card's figures)
        beside_headline = [w for w in pred.warnings
                           if w.startswith((MEDIAN_FILL, CAUTION_LEAD)) or NOT_MEASURED_COUNT.match(w)]
        for w in beside_headline:
            st.warning(w, icon=":material/warning:")
        if (close := survival_close_call(curve)) is not None:
            st.caption(close_call_markdown(close))
        st.caption(f"The risk group ranks this patient's risk score among the training patients' (thirds); it is "
                   f"not an absolute risk. The absolute estimate is {headline_percent(p)} by {by}.")
        # a static table, whose cells wrap: in a data grid the third of the page at 1024 px cut "95% band" to its
        # lower bound, read as the band (a review)
        st.table(pd.DataFrame(horizon_rows(curve)).set_index("by"))
        st.caption(f"Cross-validated concordance {model.card.metrics['summary']['c_index']:.2f}. {curve.band}: "
                   "the uncertainty of the model's estimate, not of this patient's outcome.")
        for w in pred.warnings:
            if w not in beside_headline:
                st.warning(w, icon=":material/warning:")
        if saveable:
            save_to_case(card=model.card, prediction=pred, explanation=expl,
                         input_bytes=json.dumps(values, sort_keys=True).encode(), input_name="patient.json", key=key)
    with right:
        st.plotly_chart(curve_figure(curve), width="stretch", key=f"curve_{key}")
    # each explanation full width: in half a column the waterfall's bars had ~170 px, too few for its value labels
    st.plotly_chart(waterfall(expl, title=RISK_WATERFALL_TITLE),
                    width="stretch", key=f"swf_{key}")
    st.caption("Exact SHAP values of the risk score: from the average training patient to this one. "
               "Red raises the hazard (earlier event), blue lowers it. They show how the model uses each value, "
               "not causes.")
    fig = over_time_figure(expl)
    if fig is not None:
        st.plotly_chart(fig, width="stretch", key=f"sot_{key}")
        # the average itself, so the sum can be checked against the table above (it was never given: a review)
        over = expl.data["over_time"]
        average = ", ".join(f"{headline_percent(b)} by {horizon_text(h)}" for h, b in zip(over["horizons"], over["base"]))
        st.caption("Exact Shapley values of the probability of the event by each horizon (all coalitions, "
                   f"{len(model.shap_background)} training patients as background): each line is one value's "
                   "contribution in percentage points; they add up to this patient's probability minus the "
                   f"background average ({average}).")


def cohort_panel(model: SurvivalModel) -> None:
    outcomes = ", ".join(f"`{c}`" for c in model.outcome_columns[:2])
    done = cohort_upload(model, FORM, f"Outcome columns ({outcomes}) are never used as inputs; when present they "
                         "give observed Kaplan-Meier curves by predicted risk group.", cohort_of=lambda sc: sc.cohort)
    if done is None:
        return
    sc, batch = done
    cohort = sc.cohort
    scored = cohort_arrays(batch)
    table = results_table(model, cohort, scored, batch)
    # probabilities as percentages with one decimal place, as the risk cohort shows them (the CSV keeps them as 0-1)
    shown = table.drop(columns=[c for c in table.columns if c.startswith("contribution: ")])
    horizons = [c for c in shown.columns if c.startswith("P(")]
    for c in horizons:
        shown[c] = percent_points(shown[c])
    # the main horizon's probability and band first: last, they were off the right edge at 1024 px (a review)
    main = f"P({model.event} by {horizon_text(model.main_horizon)})"
    first = [c for c in ("row", "id", main, f"95% band by {horizon_text(model.main_horizon)}") if c in shown.columns]
    shown = shown[first + [c for c in shown.columns if c not in first]]
    st.dataframe(shown, hide_index=True, width="stretch", key=f"sres_{model.card.id}",
                 column_config={c: percent_column(c) for c in horizons}
                 | {"risk group": st.column_config.TextColumn(
                     "risk group", help="Third of the training patients' risk scores: relative, not an absolute risk")})
    warnings_in_full([(f"Row {row}", _row_said(cohort, pred)) for row, pred in zip(cohort.rows, batch.predictions)],
                     len(cohort.rows))
    save_one_patient(model, batch, cohort, key=f"one_of_scohort_{model.card.id}")
    curves = risk_group_curves(scored["group"], scored["survival"], model.ensemble.grid, sc.time, sc.event)
    if sc.time is not None:  # an observed curve of a handful of patients is noise drawn as a result (a review: n=1)
        few = {g: c for g, c in curves.items() if c.n < MIN_KAPLAN_MEIER}
        curves = {g: c for g, c in curves.items() if g not in few}
        if few:
            st.caption("Not drawn: " + ", ".join(f"{GROUP_WORDS.get(g, g)} (n={c.n})" for g, c in few.items())
                       + f". A Kaplan-Meier curve of fewer than {MIN_KAPLAN_MEIER} patients is too uncertain to read.")
    if curves:
        if sc.time_query:  # beside the curves it is about, as well as in the note at the top (months drawn as days)
            st.warning(sc.time_query, icon=":material/warning:")
        st.plotly_chart(km_figure(curves, model.event), width="stretch", key=f"skm_{model.card.id}")
    if sc.time is not None:  # ("these observed curves" stood under no chart when every group was too small)
        test = logrank(scored["group"], sc.time, sc.event, list(curves))
        if test is not None:
            st.caption(f"Log-rank test across the {len(curves)} groups drawn: chi-square {test[0]:.1f} "
                       f"({len(curves) - 1} degree{'' if len(curves) == 2 else 's'} of freedom), p {_p_text(test[1])}. The numbers under the axis "
                       "are the patients still followed at each time: where they are few, the curve's right end rests "
                       "on them.")
        st.caption("The outcome columns were used only for these observed curves, never as inputs." if curves else
                   "The outcome columns were never used as inputs.")
    else:
        # the note above is pointed to only when there is one (a file without outcome columns has none: a review)
        has_some = any(n.startswith("Outcome column") for n in cohort.file_notes)
        st.caption(("The file's outcome columns cannot give observed curves (the note above says why), so only"
                    if has_some else "Without outcome columns (`time` and the event) only")
                   + " the model's mean predicted curves can be drawn per group.")
    st.download_button("Download results with per-feature contributions (CSV)", results_csv(model.card, table),
                       f"{model.card.id}_results.csv", "text/csv", key=f"sdl_{model.card.id}",
                       on_click=log_download, args=(model.card, "survival results", len(table)))


MIN_KAPLAN_MEIER = 10  # patients in a risk group for its observed curve to be drawn


def cohort_arrays(batch: BatchResult) -> dict[str, np.ndarray]:
    """The analysed rows' risk, group, curves and risk SHAP as arrays, in file order (for the table and the curves)."""
    curves = [p.survival for p in batch.predictions]
    return {"risk": np.array([c.risk_score for c in curves]), "group": np.array([c.risk_group for c in curves]),
            "survival": np.stack([c.survival for c in curves]), "at_horizons": np.stack([c.at_horizons for c in curves]),
            "shap": np.stack([e.values for e in batch.explanations])}


def _row_said(cohort, pred) -> list[str]:
    """A row's own warnings, after "Not a clear answer ..." where its band at the main horizon holds 50%, as the
    one-patient panel says it (the table said nothing for bands of 40% to 61%: a tumour-board review)."""
    close = survival_close_call(pred.survival)
    return ([] if close is None else [close]) + row_warnings(cohort, pred)


def _p_text(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def results_table(model: SurvivalModel, cohort, scored: dict, batch: BatchResult) -> pd.DataFrame:
    rows = []
    for i, (row, pred) in enumerate(zip(cohort.rows, batch.predictions)):
        rec = {"row": row}
        if cohort.ids:
            rec["id"] = cohort.ids.get(row, "")
        rec["risk score"] = round(float(scored["risk"][i]), 3)
        rec["risk group"] = GROUP_WORDS.get(str(scored["group"][i]), str(scored["group"][i]))  # as the page says it
        for h, s in zip(model.horizons, scored["at_horizons"][i]):
            rec[f"P({model.event} by {horizon_text(h)})"] = 1.0 - float(s)  # "by 1 year", as the page words it
        main = list(model.horizons).index(model.main_horizon)
        curve = pred.survival
        # never "100.0%": a survival lower bound of 3.75e-28 made the band's end exactly 1.0 (a re-check)
        rec[f"95% band by {horizon_text(model.main_horizon)}"] = (
            f"{precise_percent(never_certain(1 - curve.at_horizons_upper[main]))} to "
            f"{precise_percent(never_certain(1 - curve.at_horizons_lower[main]))}")
        rec["warnings"] = " ".join(_row_said(cohort, pred))
        for f, c in zip(model.fields, scored["shap"][i]):
            rec[f"contribution: {f.name}"] = round(float(c), 4)
        rows.append(rec)
    return pd.DataFrame(rows).sort_values("risk score", ascending=False, kind="stable")
