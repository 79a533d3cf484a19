"""Streamlit widgets for case records: the patient form, the result panel, the what-if panel, cohorts."""
from __future__ import annotations

import json
import math
from collections.abc import Callable

import pandas as pd
import streamlit as st

from ..analysis import BatchResult, analyse
from ..modalities.records.io import Cohort
from ..modalities.records.model import RecordsModel, shown_probability
from ..modalities.records.schema import NOT_MEASURED, format_value
from ..render.tabular import beeswarm, waterfall
from ..render.titles import wrap_titles
from ..reports.content import band_percent_of, never_certain
from ..types import InputError
from .case_records import (
    FormKeys,
    analysed,
    cohort_upload,
    field_widget,
    model_decimals,
    percent_column,
    percent_points,
    row_warnings,
    save_one_patient,
    submitted_values,
    widget_value,
)
from .case_records import one_patient as shared_one_patient
from .cases import log_download, save_to_case
from .common import band_colour, results_csv, show_input_error, warnings_in_full
from .state import keep_value

COHORT_TITLE_WIDTH = 56  # characters of a bold title line across the page at 1024 px, as on Gene expression

# widget keys as before the form was shared (kept page state and tests name them)
FORM = FormKeys(field="rec", example="ex", clear="clr", form="patient", submit="Estimate risk",
                values="records_values", result="one")


def one_patient(model: RecordsModel) -> None:
    shared_one_patient(model, FORM, result_panel)


def result_panel(model: RecordsModel, values: dict, key: str, saveable: bool = True) -> None:
    """The estimate for `values`; `saveable=False` (the form has changed since) leaves out Save to case."""
    result = analysed(model, values)
    if result is None:
        return
    pred, expl = result.prediction, result.explanation
    p = pred.probability_of(positive_label(model))
    band = pred.risk_band
    # keyed so ui/common.READABLE_STYLE puts the chart under the result where both cannot be wide enough: at 1024 px
    # its values ran into its labels ("= 0" then "-18.32" read as "= 0̶18.32": a review)
    left, right = st.container(key=f"analysis_columns_page_{key}").columns([1, 2])
    with left:
        # the label as a caption, which wraps: a metric's own label is cut at the column's width (at 1366 px
        # "Probability of angiographic coronary artery dise...")
        what = f"Probability of {model.card.input['positive_meaning']}"
        st.caption(what)
        st.metric(what, percent_of(model)(p), label_visibility="collapsed")
        st.markdown(f"Risk band: :{band_colour(model.card.risk_bands, band)}-badge[{band}]  \n"
                    f"Model label: **{model.card.display(pred.label)}**")
        st.caption(f"Bands: {bands_text(model)}. Called {positive_text(model)} at {pred.threshold:.0%} or more. "
                   f"Calibrated on the training data only "
                   f"(cross-validated AUROC {model.card.metrics['summary']['auroc']:.2f}).")
        for w in pred.warnings:
            st.warning(w, icon=":material/warning:")
        if saveable:
            save_to_case(card=model.card, prediction=pred, explanation=expl,
                         input_bytes=json.dumps(values, sort_keys=True).encode(), input_name="patient.json", key=key)
    with right:
        st.plotly_chart(waterfall(expl, percent=percent_of(model), target=positive_text(model)), width="stretch",
                        key=f"wf_{key}")
        st.caption(f"{expl.method}. Bars are contributions in log-odds: they add up from the training patients' "
                   "mean log-odds to this patient's estimate. They show how the model uses each value, not causes.")
    what_if_panel(model, values, p, key)


def what_if_panel(model: RecordsModel, values: dict, p0: float, key: str) -> None:
    with st.expander("What if? Change a value and see the estimate update", expanded=False):
        labels = {f.label: f for f in model.fields}
        chosen = st.selectbox("Value to change", list(labels), key=f"wi_field_{key}")
        f = labels[chosen]
        widget, base = f"wi_val_{key}_{f.name}", values.get(f.name)
        # A box keeps what it holds across runs: after the form estimated another value (age 55, then 70) it still
        # showed 55 and called it a change of +1.5 points (a review). Made anew when the estimated value changes.
        made_for = st.session_state.setdefault("_medapp_what_if_made_for", {})
        if widget in made_for and made_for[widget] != base:
            # set, not dropped: a dropped value left the browser showing the old number while the estimate used
            # the new one (a browser re-check; a keyed box keeps its identity when its default changes)
            keep_value(widget, widget_value(f, base))
        made_for[widget] = base
        new_value = field_widget(f, key=widget, value=base, decimals=model_decimals(model, f))
        changed = dict(values) | submitted_values({f.name: new_value})
        try:
            record = model.record(changed)
        except InputError as exc:
            show_input_error(exc)
            return
        result = analyse(model, record)
        p1 = result.prediction.probability_of(positive_label(model))
        points = round((p1 - p0) * 100, 1)
        # an unchanged estimate is not a rise: no red arrow for "+0.0"
        st.metric("Estimate with the change", percent_of(model)(p1), delta=f"{points:+.1f} points" if points else "no change",
                  delta_color="inverse" if points else "off", delta_arrow="auto" if points else "off")
        for w in result.prediction.warnings:  # a changed value may be unusual: said here too (it was not)
            st.warning(w, icon=":material/warning:")
        st.plotly_chart(waterfall(result.explanation, title="With the change", percent=percent_of(model),
                                  target=positive_text(model)), width="stretch", key=f"wi_wf_{key}")


def cohort_panel(model: RecordsModel) -> None:
    done = cohort_upload(model, FORM, "")
    if done is None:
        return
    cohort, batch = done
    table = results_table(model, cohort, batch)
    shown = table.drop(columns=[c for c in table.columns if c.startswith("contribution: ")])
    # the column shows one place of a percentage in every row, never rounded across a band boundary (the CSV keeps
    # the probability, 0-1)
    shown["probability"] = percent_points(shown_probability(never_certain(p), model.card.risk_bands, 1)
                                          for p in shown["probability"])
    # the clinical labels, as the form gives them (the table showed the file's codes: cp, trestbps, chol); the CSV
    # keeps the field names, which read back as a cohort file
    shown = shown.rename(columns={f.name: f"{f.label} ({f.unit})" if f.unit else f.label for f in model.fields})
    st.dataframe(shown, hide_index=True, width="stretch", key=f"res_{model.card.id}",
                 column_config={"probability": percent_column("probability")})
    warnings_in_full([(f"Row {row}", row_warnings(cohort, item.prediction)) for row, item in
                      zip(cohort.rows, batch.analysed)], len(cohort.rows))
    save_one_patient(model, batch, cohort, key=f"one_of_cohort_{model.card.id}")
    # its title on lines that fit the page at 1024 px ("...toward 'chronic kidney di" was cut: a review)
    st.plotly_chart(wrap_titles(beeswarm(batch.explanations, target=positive_text(model)), COHORT_TITLE_WIDTH,
                                COHORT_TITLE_WIDTH), width="stretch", key=f"bee_{model.card.id}")
    st.download_button("Download results with per-feature contributions (CSV)", results_csv(model.card, file_values(model, table, cohort)),
                       f"{model.card.id}_results.csv", "text/csv", key=f"dl_{model.card.id}",
                       on_click=log_download, args=(model.card, "records results", len(table)))


def positive_label(model: RecordsModel) -> str:
    """The label the probability, the bands and the threshold are about: the card's positive label."""
    return model.card.positive


def positive_text(model: RecordsModel) -> str:
    """The positive label as people read it: "chronic kidney disease", not the class code "ckd"."""
    return model.card.display(positive_label(model))


def percent_of(model: RecordsModel) -> Callable[[float], str]:
    """How the page writes a probability of the positive label: never rounded across one of the card's bands
    (the same rule as a stored analysis on Cases and in the reports)."""
    return band_percent_of(model.card.risk_bands)


def bands_text(model: RecordsModel) -> str:
    """The card's risk bands as read: "low < 20%, intermediate 20-50%, high ≥ 50%"."""
    bands = model.card.risk_bands
    parts = []
    for i, (upper, name) in enumerate(bands):
        lower = bands[i - 1][0] if i else None
        if lower is None:
            parts.append(f"{name} < {upper:.0%}")
        elif i == len(bands) - 1:
            parts.append(f"{name} ≥ {lower:.0%}")
        else:
            parts.append(f"{name} {lower * 100:g}-{upper:.0%}")
    return ", ".join(parts)


def file_values(model: RecordsModel, table: pd.DataFrame, cohort: Cohort) -> pd.DataFrame:
    """`table` with each field's values as a cohort file holds them (62, not "62 years"; 263000, not "263,000";
    empty when not measured), so the downloaded CSV reads back as a cohort file (it was refused: a re-check)."""
    by_row = dict(zip(cohort.rows, cohort.X))
    out = table.copy()
    for j, f in enumerate(model.fields):
        out[f.name] = [_file_value(f, by_row[r][j]) for r in table["row"]]
    return out


def _file_value(f, v: float):
    if math.isnan(v):
        return ""
    if f.kind == "category":
        return format_value(f, v)  # the label, as an upload may give it
    return int(v) if float(v).is_integer() else float(v)


def results_table(model: RecordsModel, cohort: Cohort, batch: BatchResult) -> pd.DataFrame:
    """One row per scored patient, sorted by risk, with warnings and contributions (log-odds)."""
    scored = batch.analysed
    assert len(scored) == len(cohort.rows), "one analysis per valid row"
    rows = []
    for row, x, item in zip(cohort.rows, cohort.X, scored):
        pred, expl = item.prediction, item.explanation
        rec = {"row": row}
        if cohort.ids:
            rec["id"] = cohort.ids.get(row, "")
        rec.update({"probability": pred.probability_of(positive_label(model)), "risk band": pred.risk_band,
                    "label": model.card.display(pred.label), "warnings": " ".join(row_warnings(cohort, pred))})
        for f, v in zip(model.fields, x):
            rec[f.name] = NOT_MEASURED if math.isnan(v) else format_value(f, v)
        if expl is not None:
            for f, c in zip(model.fields, expl.values):
                rec[f"contribution: {f.name}"] = round(float(c), 4)
        rows.append(rec)
    return pd.DataFrame(rows).sort_values("probability", ascending=False, kind="stable")
