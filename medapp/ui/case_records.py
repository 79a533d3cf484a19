"""What the two panels of the Case records page share: the risk (records) and survival panels.

One patient: a field per card feature in three columns, "Load example patient" and "Clear form"
buttons, an empty field that reads "not measured" (never a number's minimum), the values analysed and
audited. Each panel keeps its own widget keys (`FormKeys`), so forms of two models, or a form and its
what-if box, never share a value. A cohort: a template, an upload kept when the user leaves the page,
the file's and each bad row's messages, and the good rows analysed in one batch.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from ..analysis import Analysis, BatchResult, analyse, analyse_batch
from ..modalities.records.io import Cohort, example_value
from ..modalities.records.schema import NOT_MEASURED, Field, format_value, number_text
from ..security.uploads import content_hash
from ..types import InputError
from .cases import log_analysis, log_cohort, save_to_case
from .common import messages_in_full, show_input_error, upload_mb
from .state import KEPT, forget_memo, keep_value, kept_upload, session_memo, whole_callback


@dataclass(frozen=True)
class FormKeys:
    field: str  # prefix of each field's widget key: f"{field}_{model id}_{feature}"
    example: str  # prefix of the example button's key
    clear: str  # prefix of the clear button's key
    form: str  # prefix of the form's key
    submit: str  # the submit button's label
    values: str  # prefix of the session-state key that remembers the submitted values
    result: str  # prefix handed to the result panel for its widget keys
    cohort: str = ""  # prefix of the cohort widgets' keys


def field_key(keys: FormKeys, model, f: Field) -> str:
    """`rec_heart-disease_age`, then `rec_heart-disease_age.1` ... once *Load example patient* or *Clear form* has
    filled the form (`_refill`)."""
    generation = st.session_state.get(_generation_key(keys, model), 0)
    return f"{keys.field}_{model.card.id}_{f.name}" + (f".{generation}" if generation else "")


def _generation_key(keys: FormKeys, model) -> str:
    return f"medapp_form_generation_{keys.form}_{model.card.id}"


def _refill(model, keys: FormKeys, values: dict[str, Any]) -> None:
    """Put `values` (field name -> widget value) in the form under new widget keys.

    *Estimate* pressed before the browser had drawn the example sent the form the browser still showed (empty),
    and those stale values overwrote the example (a presenter's review). Under new keys the stale values belong to
    widgets no longer drawn, so the press estimates what the form now holds. The old keys' kept values go when the
    form is next drawn (`_forget_earlier_fields`)."""
    st.session_state[_generation_key(keys, model)] = st.session_state.get(_generation_key(keys, model), 0) + 1
    for f in model.fields:  # kept for a return to the page: a form's values reach the server only when submitted
        keep_value(field_key(keys, model, f), values[f.name])


def field_decimals(f: Field, example: float | None = None) -> int:
    """How many decimal places a number field shows: those of its step (0.1 -> 1, 0.005 -> 3, 100 -> 0), or more
    where the card's example value has them (a median haemoglobin of 12.65 in a field that steps by 0.1). The
    field had "%g", which the browser wrote as 12.649999999999999 while the caption under the form said 12.65."""
    places = max(0, -int(Decimal(repr(float(f.step))).normalize().as_tuple().exponent))
    if example is not None and not math.isnan(example):
        places = max(places, next(d for d in range(4) if abs(round(example, d) - example) < 1e-9 or d == 3))
    return places


def model_decimals(model, f: Field) -> int:
    """`field_decimals` of a model's field, by the card's typical (example) patient."""
    typical = model.card.input.get("typical", {}).get(f.name)
    return field_decimals(f, None if typical is None else float(typical))


def _forget_earlier_fields(model, keys: FormKeys) -> None:
    """Drop values kept under an earlier generation's keys: a stale press (`_refill`) sends them once more, and
    `ui/state` would otherwise write them back on every run."""
    current, prefix = {field_key(keys, model, f) for f in model.fields}, f"{keys.field}_{model.card.id}_"
    kept = st.session_state.get(KEPT)
    if isinstance(kept, dict):
        for key in [k for k in kept if isinstance(k, str) and k.startswith(prefix) and k not in current]:
            kept.pop(key, None)
            st.session_state.pop(key, None)


@whole_callback
def _fill_example(model, keys: FormKeys) -> None:
    typical = model.card.input["typical"]
    values = {}
    for f in model.fields:
        v = example_value(f, typical[f.name])  # as recorded: a median of 153.5 bpm read oddly
        values[f.name] = format_value(f, v) if f.kind == "category" else v
    _refill(model, keys, values)


@whole_callback
def _clear(model, keys: FormKeys) -> None:
    _refill(model, keys, {f.name: NOT_MEASURED if f.kind == "category" else None for f in model.fields})


def row_warnings(cohort, prediction) -> list[str]:
    """A patient's own warnings (its values', the model's), without the file's, which the page says once above the
    table: in every row they made rows with nothing to say look flagged (a browser re-check)."""
    shared = set(cohort.file_warnings)
    return [w for w in prediction.warnings if w not in shared]


def widget_value(f: Field, value: Any) -> Any:
    """What `field_widget`'s box holds for `value` (a code, a label or a number; None is not measured)."""
    if f.kind == "category":
        shown = None if value is None else value if isinstance(value, str) else format_value(f, float(value))
        return shown if shown in [str(label) for _, label in f.choices] else NOT_MEASURED
    return None if value is None else float(value)


def field_widget(f: Field, key: str | None = None, value: Any = None, decimals: int | None = None):
    """One field: a select box for a category, a number box for a number (with `decimals` places, by default
    those of its step); empty or "not measured" means the value was not given (`submitted_values` turns both
    into None)."""
    help_text = f.help or None
    if f.kind == "category":
        options = [NOT_MEASURED] + [str(label) for _, label in f.choices]
        # the value as a code (a stored row) or as the label the form sent (What-if gets those: format_value on
        # "reversible defect" raised, and What-if crashed the page for every category field)
        kwargs = {} if key is not None and key in st.session_state else {"index": options.index(widget_value(f, value))}
        return st.selectbox(f.label, options, key=key, help=help_text, **kwargs)
    # the unit, unless the label already says it ("Major vessels coloured by fluoroscopy (vessels)")
    unit = f" ({f.unit})" if f.unit and f.unit.lower() not in f.label.lower() else ""
    rng = f"valid {number_text(f.min)}-{number_text(f.max)}" if f.min is not None else ""
    # value=None (not Streamlit's default "min") keeps the field clearable: emptied, it reads "not measured"
    # instead of snapping to its minimum. When the session state holds the value, None adds no default.
    kwargs = {"value": None if key is not None and key in st.session_state else value}
    # No min_value/max_value: with them the browser kept a value out of range (age 250) to itself, marked the
    # field red and sent the form without it, so pressing Estimate showed nothing. The range is in the help, and
    # the model's own check names the field and its range when the value arrives (model.record).
    return st.number_input(f"{f.label}{unit}", step=float(f.step),
                           format=f"%.{field_decimals(f) if decimals is None else decimals}f", key=key,
                           help=" · ".join(x for x in (help_text, rng, "empty = not measured") if x),
                           placeholder=NOT_MEASURED, **kwargs)


def submitted_values(raw: dict) -> dict:
    return {name: (None if v in (None, NOT_MEASURED) else v) for name, v in raw.items()}


def patient_form(model, keys: FormKeys) -> dict | None:
    """The form; returns the submitted field values (None when not submitted)."""
    _forget_earlier_fields(model, keys)
    c1, c2, _ = st.columns([1.4, 1, 3])
    c1.button("Load example patient", on_click=_fill_example, args=(model, keys), key=f"{keys.example}_{model.card.id}",
              help="Fills the form with a typical patient from the training data (for demonstrations).")
    c2.button("Clear form", on_click=_clear, args=(model, keys), key=f"{keys.clear}_{model.card.id}")
    with st.form(f"{keys.form}_{model.card.id}", border=True):
        raw = {}
        # a row of three at a time: filled column by column, the Tab key went down each column while the eye reads
        # across the rows (Pregnancies, Triceps, Pedigree, Glucose...: an accessibility review)
        for start in range(0, len(model.fields), 3):
            for col, f in zip(st.columns(3), model.fields[start:start + 3]):
                with col:
                    raw[f.name] = field_widget(f, key=field_key(keys, model, f), decimals=model_decimals(model, f))
        # The press is noted by its callback, in a plain set nothing can cut short: a press whose run the user's next
        # click stopped before the page reached this line was lost (the estimate stayed at the earlier values under
        # "The form has changed since this estimate"; a browser test on a loaded machine). The next run that
        # draws the form takes it.
        form_key, pressed = f"{keys.form}_{model.card.id}", _pressed_estimates()
        submitted = st.form_submit_button(keys.submit, type="primary", on_click=pressed.add, args=(form_key,))
    if submitted or form_key in pressed:
        pressed.discard(form_key)
        return submitted_values(raw)
    return None


def _pressed_estimates() -> set[str]:
    """The forms whose submit button was pressed and whose values the page has not yet taken (this session)."""
    return st.session_state.setdefault("medapp_pressed_estimates", set())


def form_state(model, keys: FormKeys) -> dict:
    """The form's values as the server holds them: as last submitted, or as *Load example patient* or *Clear form* set
    them. The form is an st.form: a value typed but not yet submitted is only in the browser, never here."""
    return submitted_values({f.name: st.session_state.get(field_key(keys, model, f)) for f in model.fields})


def values_text(model, values: dict) -> str:
    """Every field's value as the form had it, as people read it: "Age = 55 years · Sex = male · ..."."""
    def shown(f: Field, v) -> str:
        if v is None:
            return NOT_MEASURED
        if f.zero_means_missing and f.kind == "number" and float(v) == 0:  # read as not measured (Pima's zeros)
            return f"{NOT_MEASURED} (0 means not recorded)"
        return str(v) if f.kind == "category" else format_value(f, float(v))

    return " · ".join(f"{f.label} = {shown(f, values.get(f.name))}" for f in model.fields)


def one_patient(model, keys: FormKeys, result_panel: Callable[..., None]) -> None:
    """The form, then the result of the last submitted values: it stays when the page reruns for another
    widget (a what-if value, a Save) and when the user comes back to the page.

    The result names the values it was computed for. A value typed in the form reaches the server only when the
    form is submitted (st.form), so the page cannot see it; what it can see (the form filled or cleared by the
    buttons above it since the estimate) marks the result as out of date and leaves out its Save to case."""
    submitted = patient_form(model, keys)
    state_key = f"{keys.values}_{model.card.id}"
    if submitted is not None:
        st.session_state[state_key] = submitted
    if state_key not in st.session_state:
        return
    values = st.session_state[state_key]
    changed = form_state(model, keys) != submitted_values(values)
    if changed:
        st.warning(f"The form has changed since this estimate: press **{keys.submit}** to update it. The estimate "
                   "below is for the earlier values listed under it, and cannot be saved to a case until it is "
                   "updated.", icon=":material/update:")
    st.caption(f"**Estimate for the values submitted with {keys.submit}:** {values_text(model, values)}. "
               f"A value changed in the form is used only when {keys.submit} is pressed again.")
    result_panel(model, values, key=f"{keys.result}_{model.card.id}", saveable=not changed)


def save_one_patient(model, batch: BatchResult, cohort: Cohort, key: str) -> None:
    """A patient of a scored cohort saved to a case as a patient from the form is: its analysis (prediction and
    explanation, as scored here, without the notes about the file's columns) and its values. Patients are named by
    row, never by an id column (ids are often record numbers)."""
    analysed = [r for r in batch.rows if r.analysis is not None]
    if not analysed:
        return
    rows = {r.name: "row " + r.name.rsplit("#row", 1)[-1] for r in analysed}
    pick = st.selectbox("Patient to save to a case", list(rows), format_func=rows.get, key=f"{key}_pick",
                        help="A row of the table above, saved with its values and explanation.")
    row = next((r for r in analysed if r.name == pick), analysed[0])
    values = {f.name: (None if np.isnan(v) else float(v)) for f, v in zip(model.fields, row.input.values)}
    prediction = row.analysis.prediction
    prediction = replace(prediction, warnings=tuple(w for w in prediction.warnings if w not in cohort.file_notes),
                         part=f"{rows[row.name]} of a cohort file")
    save_to_case(card=model.card, prediction=prediction, explanation=row.analysis.explanation,
                 input_bytes=json.dumps(values, sort_keys=True).encode(), input_name="patient.json",
                 key=f"{key}_{rows[row.name].replace(' ', '')}")


def percent_column(label: str) -> st.column_config.ProgressColumn:
    """A probability column of a cohort table, shown as a bar and a percentage with one decimal place in every row
    ("27.6%", "67.9%", "100.0%": Streamlit's "percent" format dropped trailing zeros, so one table mixed "27.6%"
    with "67.88%"). The column holds percentage points (0-100, `percent_points`); the risk and the survival cohorts
    show theirs alike, and their CSV downloads keep the probability (0-1)."""
    return st.column_config.ProgressColumn(label, format="%.1f%%", min_value=0.0, max_value=100.0)


def percent_points(probabilities) -> list[float]:
    """Probabilities (0-1) as the percentage points a `percent_column` shows; one inside (0, 1) never reads "100.0%"
    or "0.0%" (a review saw "100.0%" in a cohort's table where the headline says ">99.9%"): 99.9 and 0.1."""
    return [_inside(float(p)) for p in probabilities]


def _inside(p: float) -> float:
    if 0 < p < 1:
        return 99.9 if p >= 0.9995 else 0.1 if p < 0.0005 else p * 100
    return p * 100


def patients_text(n: int) -> str:
    """ "1 patient", "2 patients"."""
    return f"{n} patient{'' if n == 1 else 's'}"


def analysed(model, values: dict) -> Analysis | None:
    """The form's values validated, analysed and audited; None, with the reason shown, when they are refused."""
    try:
        record = model.record(values)
    except InputError as exc:
        show_input_error(exc, "Cannot estimate")
        return None
    result = analyse(model, record)
    log_analysis(model.card, result.prediction, model.input_key(record))
    return result


def cohort_upload(model, keys: FormKeys, intro: str, cohort_of: Callable[[Any], Cohort] = lambda v: v):
    """Template, upload, messages and the batch analysis of a cohort file: (validated, batch), or None when there
    is nothing to show. `validated` is what `model.validate_cohort` returns; `cohort_of` finds its Cohort."""
    p, mid = keys.cohort, model.card.id
    st.markdown("Upload a CSV or Excel file with one patient per row. Columns are matched by name "
                f"(`{'`, `'.join(f.name for f in model.fields)}`) or clinical label; an `id` column is kept. "
                "Empty cells mean not measured." + (f" {intro}" if intro else ""))
    template = pd.DataFrame(columns=["id"] + [f.name for f in model.fields])
    st.download_button("Download an empty template", template.to_csv(index=False), f"{mid}_template.csv",
                       "text/csv", key=f"{p}tpl_{mid}")
    upload = kept_upload(st.file_uploader, "Cohort file", type=["csv", "tsv", "txt", "xlsx"], key=f"{p}cohort_{mid}",
                         max_upload_size=upload_mb(model.card.modality, model.card))
    memo = f"{p}cohort_scored"  # one scored file per panel and session, whichever model scored it
    if upload is None:
        forget_memo(memo)
        return None
    data = upload.getvalue()
    ident = (content_hash(data), upload.name, mid, model.card.version)
    try:
        validated, batch = session_memo(memo, ident, lambda: _score_cohort(model, data, upload.name, cohort_of))
    except InputError as exc:
        show_input_error(exc, upload.name)
        return None
    cohort = cohort_of(validated)
    for w in cohort.file_warnings:
        # what the survival page asks for (the observed curves), or a risk file's own label: a note
        if w in cohort.file_notes:
            st.info(w, icon=":material/info:")
        else:
            st.warning(w, icon=":material/warning:")
    if cohort.errors:
        total, good = len(cohort.rows) + len(cohort.errors), len(cohort.rows)
        # red only when nothing could be scored; with the rest scored below it is a warning about those rows
        said = (f"{len(cohort.errors)} of {total} rows could not be scored; the other {good} "
                f"{'was' if good == 1 else 'were'}." if good else
                ("The row could not be scored." if total == 1 else f"None of the {total} rows could be scored."))
        (st.warning if good else st.error)(said, icon=":material/warning:" if good else ":material/error:")
        messages_in_full([(f"Row {r}", "; ".join(m)) for r, m in sorted(cohort.errors.items())])
    if batch is None:
        return None
    log_cohort(model.card, data, len(cohort.rows))
    st.success(f"Scored {patients_text(len(cohort.rows))}. Click a column header to sort.")
    return validated, batch


def _score_cohort(model, data: bytes, name: str, cohort_of: Callable[[Any], Cohort]):
    """(validated, batch) of a cohort file, batch None when no row can be scored; InputError when the file is
    refused. Computed once per session and file (`session_memo`): before, every rerun of the page read, validated
    and scored the whole file again, with its progress bar."""
    validated = model.validate_cohort(data, name)
    cohort = cohort_of(validated)
    if not cohort.rows:
        return validated, None
    bar = st.progress(0.0, text=f"Scoring {patients_text(len(cohort.rows))}...")
    batch: BatchResult = analyse_batch(model, model.cohort_inputs(cohort, name),
                                       progress=lambda f: bar.progress(f, text=f"Scored {f:.0%}"))
    bar.empty()
    return validated, batch
