"""Streamlit widgets for expression profiles: upload or examples, per-sample result, cohort figures."""
from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from ..analysis import BatchResult, analyse, analyse_batch, labelled
from ..modalities.genomics.io import Profile
from ..modalities.genomics.model import GenomicsModel
from ..render.genomics import beeswarm, heatmap, top_genes
from ..render.numbers import headline_percent, precise_percent
from ..render.titles import wrap_titles
from ..security.uploads import content_hash
from ..types import InputError
from .case_records import percent_column, percent_points
from .cases import log_analysis, log_cohort, log_download, save_to_case
from .common import messages_in_full, results_csv, show_input_error, upload_mb, warnings_in_full
from .state import forget_memo, kept_upload, session_memo

# Title lines in characters (bold 17 px is about 7.5 px a character): the one-sample figure has two thirds of the
# page, the cohort figures all of it
SAMPLE_TITLE_WIDTH, COHORT_TITLE_WIDTH = 44, 56
UNLIKE = "not classified: unlike every training class"  # "Not classified" as the sample panel and reports say it


def example_csv(model: GenomicsModel) -> bytes:
    """Each class's average training profile, and a simulated profile no class resembles (genes shuffled)."""
    rows = {p.sample: p.values for p in model.example_profiles()}
    first = next(iter(rows.values()))
    rows["simulated: genes shuffled"] = np.random.default_rng(0).permutation(first)
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=model.model_genes)
    frame.index.name = "sample"
    return frame.to_csv(float_format="%.6g").encode()


def _source(model: GenomicsModel) -> tuple[bytes, str] | None:
    st.markdown(
        "Upload an expression matrix (CSV, TSV or Excel): **samples as rows** with gene identifiers across the "
        "header, or **samples as columns** with gene identifiers down the first column; one sample or a cohort. "
        f"Values must be log expression ratios like the training data. {model.card.input.get('gene_id_note', '')}")
    c1, c2, c3 = st.columns([3, 1.3, 1.3])
    upload = kept_upload(c1.file_uploader, "Expression file", type=["csv", "tsv", "txt", "xlsx"], key="genomics_upload",
                         max_upload_size=upload_mb("genomics", model.card))
    # with a file uploaded the file is what is shown: the button did nothing there without a word (a review)
    if c2.button("Load example profiles", key="genomics_example", disabled=upload is not None,
                 help="The average training profile of each class, and a simulated profile unlike any tumour."
                 + (" Remove the uploaded file (× beside its name) to use them." if upload is not None else "")):
        st.session_state["genomics_use_examples"] = True
    template = pd.DataFrame(columns=["sample", *model.card.input["genes"]])
    c3.download_button("Download a template", template.to_csv(index=False), "expression_template.csv", "text/csv",
                       key="genomics_template")
    if upload is not None:
        return upload.getvalue(), upload.name
    if st.session_state.get("genomics_use_examples"):
        return example_csv(model), "examples.csv"
    return None


def accuracy_text(model: GenomicsModel) -> str:
    """How far the probabilities and the accuracy can be trusted, in words: "Temperature 1 fitted" claimed a
    calibration that sat at its bound, and "accuracy 1.00" on 63 profiles gave no interval (a review)."""
    from scipy.stats import binomtest

    n = int(model.card.data["n"])
    right = n - int(model.card.metrics["summary"].get("errors", 0))
    ci = binomtest(right, n).proportion_ci(0.95)  # Clopper-Pearson
    t = float(model.card.metrics.get("temperature", 1))
    scaling = (f"Temperature {t:g}, fitted on cross-validated logits" if t > 1.0001 else
               "Temperature 1: the fit on cross-validated logits wanted sharper probabilities, which is not allowed "
               "(only softening is), so the probabilities are the classifier's own")
    ood = model.card.metrics.get("out_of_distribution", {}).get("flagged_training_profiles_out_of_fold")
    refused = (f" The check for a profile unlike every class also flags {ood:.0%} of genuine training profiles "
               "held out of its fit: such a profile is not classified, though it may be one of the four.") \
        if ood is not None else ""  # a re-check: the accuracy line gave no idea how often the reject option refuses
    return (f"{scaling}. Nested cross-validation: {right} of {n} training profiles right (accuracy {right / n:.2f}, "
            f"95% CI {ci.low:.2f}-{ci.high:.2f}).{refused}")


def results_table(model: GenomicsModel, profiles: list[Profile], preds) -> pd.DataFrame:
    rows = []
    for p, pred in zip(profiles, preds):
        # A profile not classified has no class probability and no "most likely class" in the headline columns, on
        # the page and in the CSV: a full "99.2%" bar and "BL (Burkitt lymphoma)" beside "not classified" read as
        # the answer (reviews; the CSV still gave 0.992 beside it). Each class's stays in p(...), for reference.
        row = {"sample": p.sample,
               "class": pred.label if pred.fits else UNLIKE,
               "most likely class": f"{pred.label} ({model.label_names.get(pred.label, pred.label)})" if pred.fits
               else f"none (nearest: {pred.label})",
               "probability": pred.probability if pred.fits else np.nan,
               "distance score": pred.fit.score if pred.fit else None,
               "warnings": " ".join(pred.warnings)}
        row.update({f"p({lab})": float(v) for lab, v in zip(model.card.labels, pred.probabilities)})
        rows.append(row)
    return pd.DataFrame(rows)


def genomics_panel(model: GenomicsModel) -> None:
    source = _source(model)
    if source is None:
        forget_memo("genomics_scored")
        return
    data, name = source
    ident = (content_hash(data), name, model.card.id, model.card.version)
    try:
        parsed, batch = session_memo("genomics_scored", ident, lambda: _read_and_score(model, data, name))
    except InputError as exc:
        show_input_error(exc, name)
        return
    st.caption(f"{name}: {len(parsed.sample_order)} sample(s), read as {parsed.orientation}; "
               f"{parsed.n_genes_in_file} gene identifiers recognised; the model uses "
               f"{len(model.model_genes)}.")
    for w in parsed.file_warnings:
        st.warning(w, icon=":material/warning:")
    if parsed.errors:
        some = bool(parsed.profiles)  # a warning when the others are scored below
        (st.warning if some else st.error)(f"{len(parsed.errors)} of {len(parsed.sample_order)} samples could not be "
                                           "scored.", icon=":material/warning:" if some else ":material/error:")
        messages_in_full(list(parsed.errors.items()))
    if not parsed.profiles:
        return
    profiles = parsed.profiles
    log_cohort(model.card, data, len(profiles))
    preds = batch.predictions
    table = results_table(model, profiles, preds)
    unlike = table["class"] == UNLIKE
    shown = table.drop(columns=[c for c in table.columns if c.startswith("p(")])
    shown["probability"] = percent_points(shown["probability"])
    # in the narrow column, two words and the reason in its help and the row's warning: "not classified: unlike
    # every training class" was cut to "not classified:" at 1280 px (a review); the CSV keeps the whole phrase
    shown.loc[unlike, "class"] = "not classified"
    # one format per column, as the records cohorts ("99.2%" beside "99.24%", a distance "0.7" beside "0.939")
    st.dataframe(shown, hide_index=True, width="stretch", key="genomics_results",
                 column_config={"class": st.column_config.TextColumn(
                                    # medium: at 1024 px the automatic width cut it to "not clas" (a review)
                                    "class", width="medium", help="'not classified': the profile is unlike every training class "
                                                  "(its warning says how far); the most likely class is beside it"),
                                "probability": percent_column("probability"),
                                "distance score": st.column_config.NumberColumn("distance score", format="%.2f")})
    warnings_in_full([(p.sample, pred.warnings) for p, pred in zip(profiles, preds)], len(profiles))
    st.download_button("Download results (CSV)", results_csv(model.card, table), f"{model.card.id}_results.csv", "text/csv",
                       on_click=log_download, args=(model.card, "genomics results", len(table)),
                       key="genomics_download")

    # tracked, so the tab chosen is kept when the user leaves the page and comes back (as on Imaging)
    one, cohort = st.tabs(["One sample", "Cohort figures"], key="genomics_tab", on_change="rerun")
    with one:
        names = [p.sample for p in profiles]
        chosen = st.selectbox("Sample", names, key="genomics_sample")
        i = names.index(chosen)
        sample_panel(model, profiles[i], preds[i], key=f"gx_{i}", position=f"sample {i + 1} of {len(profiles)}")
    with cohort:
        cohort_panel(model, profiles, batch)


def _read_and_score(model: GenomicsModel, data: bytes, name: str):
    """(parsed file, batch or None); InputError when the file is refused. Once per session and file (`session_memo`):
    every rerun (a sample picked, a class to explain) read and scored the whole file again, about 0.1 s for the
    1.5 MB training file, seconds for a large cohort."""
    parsed = model.read_file(data, name)
    profiles = parsed.profiles
    return parsed, (analyse_batch(model, [(p.sample, p) for p in profiles]) if profiles else None)


def sample_panel(model: GenomicsModel, profile: Profile, pred, key: str, position: str = "sample") -> None:
    """One profile's class and explanation; `position` ("sample 2 of 10") is what the case keeps of its name."""
    log_analysis(model.card, pred, model.input_key(profile))
    left, right = st.columns([1, 2])
    with left:
        # a static table whose cells wrap, in the headline's rounding (">99.9%", never "100.0%"): in a data grid the
        # third of the page at 1024 px hid the probability column (a review)
        probabilities = pd.DataFrame({"class": [f"{lab} ({model.label_names.get(lab, lab)})"
                                                for lab in model.card.labels],
                                      "probability": [precise_percent(p) for p in pred.probabilities]})
        if not pred.fits:
            # words that wrap: a metric cut "Not classified" to "Not classi…" at 1024 px (a review)
            st.caption("Class")
            st.subheader("Not classified", anchor=False)
            st.error(f"Unlike every training class: the model's nearest class ({pred.label}) is shown for "
                     "reference only.", icon=":material/block:")
            # out of sight, as on Cases: "EWS 99.2%" in plain type under the banner read as a finding (a review)
            with st.expander("Class probabilities (nearest class, not a finding)"):
                st.table(probabilities.set_index("class"))
        else:
            name = model.label_names.get(pred.label, pred.label)
            st.metric("Class", f"{pred.label}", help=name)
            st.markdown(f"**{name}**, probability **{headline_percent(pred.probability)}**")
            st.table(probabilities.set_index("class"))
        # as Cases and the reports write it: "(above 1: unlike every training class)" read as a verdict (a review)
        st.caption(f"Distance score {pred.fit.score_text(2)}: above it, unlike every training class. "
                   + accuracy_text(model))
        for w in pred.warnings:
            st.warning(w, icon=":material/warning:")
        target = st.selectbox("Explain class", model.card.labels, index=model.card.labels.index(pred.label),
                              format_func=model.card.display, key=f"target_{key}")
        # named as the card names the class, as the predicted one is ("toward 'RMS'" beside "toward 'EWS (Ewing
        # sarcoma)'": a review)
        expl = analyse(model, profile).explanation if target == pred.label else \
            labelled(model.card, model.explain(profile, pred, target))
        # Sample names are often laboratory or patient identifiers: the case keeps only the position in the file
        saved_pred, saved_expl = model.as_saved(pred, expl, position)
        stored, stored_name = model.stored_input(profile)
        save_to_case(card=model.card, prediction=saved_pred, explanation=saved_expl, input_bytes=stored,
                     input_name=stored_name, key=key)
    with right:
        # titles on lines that fit the column (about 360 px at 1024x768 with the sidebar open: a layout review)
        st.plotly_chart(wrap_titles(top_genes(expl), SAMPLE_TITLE_WIDTH, SAMPLE_TITLE_WIDTH), width="stretch",
                        key=f"top_{key}")
        st.caption(f"{expl.method}. Bars are contributions to the {expl.output_space} of {model.card.display(target)} (its "
                   f"calibrated log-probability minus the mean over the {len(model.card.labels)} classes): they add "
                   "up from the training-average profile to this sample. Missing genes contribute nothing. They show "
                   "how the model uses each gene, not biology.")


def cohort_panel(model: GenomicsModel, profiles: list[Profile], batch: BatchResult) -> None:
    if len(profiles) < 2:
        st.info("Cohort figures need at least two scored samples.")
        return
    preds = batch.predictions
    Z = model.standardise(np.vstack([p.values for p in profiles]))
    labels = [p.label for p in preds]
    common = max(model.card.labels, key=labels.count)
    target = st.selectbox("Class to explain", model.card.labels, index=model.card.labels.index(common),
                          format_func=model.card.display, key="genomics_cohort_target")
    toward = [labelled(model.card, model.explain(x, p, target)) for x, p in zip(profiles, preds)]
    # the page's whole width, about 560 px at 1024x768 with the sidebar open (a layout review)
    st.plotly_chart(wrap_titles(beeswarm(toward), COHORT_TITLE_WIDTH, COHORT_TITLE_WIDTH), width="stretch",
                    key="genomics_beeswarm")
    # Heatmap genes: largest mean |contribution| toward each sample's own predicted class (the batch explains that).
    own = np.vstack([e.values for e in batch.explanations])
    top = np.argsort(-np.abs(own).mean(axis=0))[:20]
    groups = [p.label if p.fits else UNLIKE for p in preds]
    figure = heatmap(Z[:, top], [p.sample for p in profiles], [model.model_genes[j] for j in top], groups,
                     title="Samples (grouped by predicted class) by the 20 most influential genes")
    st.plotly_chart(wrap_titles(figure, COHORT_TITLE_WIDTH, COHORT_TITLE_WIDTH), width="stretch",
                    key="genomics_heatmap")
    st.caption("Colour: expression as a z-score against the training profiles (red higher, blue lower).")
