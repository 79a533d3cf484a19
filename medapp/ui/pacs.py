"""The Imaging page's *From PACS* tab and the Admin page's PACS endpoints (DICOMweb)."""
from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from ..analysis import Analysis
from ..modalities.imaging.io import ImageInput
from ..modalities.imaging.model import ImagingModel
from ..pacs.client import InstanceCache, InstanceRef, PacsClient, date_range
from ..pacs.config import AUTH_KINDS, Endpoint, delete_endpoint, get_endpoint, list_endpoints, save_endpoint
from ..pacs.pipeline import NO_IMAGE, NO_MODEL_FITS, InstanceResult, analyse_instance
from ..pacs.results import earlier_results, is_medapp_result, send_result
from ..render.numbers import precise_percent
from ..security.audit import spreadsheet_csv
from ..types import NOT_ASSESSED, InputError
from .auth import current_user, get_store
from .cases import log_download
from .common import show_input_error
from .imaging import image_panel
from .presses import flash, pressed

MODALITIES = ["CR", "DX", "CT", "MR", "US", "MG", "XA", "OT"]
ONE, SERIES = "one instance", "the whole series"


def _state() -> dict[str, Any]:
    """This session's PACS state: the instance cache (nothing fetched twice), searches, jobs, results."""
    return st.session_state.setdefault("pacs", {"cache": InstanceCache(), "studies": [], "job": None,
                                                 "batch": None, "sent": {}})


def _endpoints() -> list[Endpoint]:
    try:
        return list_endpoints()
    except InputError as exc:
        show_input_error(exc, "PACS configuration")
        return []


def _username() -> str:
    user = current_user()
    return user["username"] if user else "unknown"


# -- a job: retrieve and analyse a list of instances, with progress and cancel ---------------------------
def _run_job(job: dict[str, Any], model: ImagingModel, client: PacsClient, cache: InstanceCache, key: str) -> None:
    """Work through job['pending'], keeping each result as it comes, so a cancel (which interrupts this
    script run) keeps what is done; the Cancel button's rerun then drops what is left."""
    # Both slots on every run, empty once the job is done: drawn only while it ran, their going moved everything
    # below up on the next run, the browser drew it anew, and an open Save to case closed at the first click.
    cancel_slot, bar_slot = st.empty(), st.empty()
    if not job["pending"]:
        return
    total = len(job["pending"]) + len(job["results"])
    if cancel_slot.button("Cancel", key=f"cancel_{key}", icon=":material/stop:"):
        job["cancelled"] = len(job["pending"])
        job["pending"] = []
        return
    bar = bar_slot.progress(len(job["results"]) / total, text=f"Retrieving and analysing {total} images...")
    while job["pending"]:
        ref = job["pending"][0]
        result = analyse_instance(model, client, ref, cache)
        job["results"].append(result)
        job["pending"].pop(0)
        done = len(job["results"])
        bar.progress(done / total, text=f"{done} of {total}: {ref.name}")
        if result.unreachable and job["pending"]:  # one clear stop, not the same failure for every image left
            job["stopped"] = result.error
            job["cancelled"] = len(job["pending"])
            job["pending"] = []
    bar_slot.empty()
    cancel_slot.empty()
    get_store().audit(_username(), "pacs.analyse", f"pacs:{client.endpoint.name}", model=model.card.id,
                      version=model.card.version, instances=total,
                      analysed=sum(r.ok for r in job["results"]),
                      studies=sorted({r.ref.study_uid for r in job["results"]}),
                      **({"stopped": job["stopped"], "not_retrieved": job["cancelled"]} if job.get("stopped") else {}))


def _job_outcome(job: dict[str, Any]) -> None:
    """Why a job ended early: the PACS stopped answering (said once, not for every image left), or a cancel."""
    fetched = sum(r.data is not None for r in job["results"])
    if job.get("stopped"):
        done = len(job["results"])
        st.error(f"Stopped at image {done} of {done + job['cancelled']}: {job['stopped']} The other "
                 f"{job['cancelled']} images were not retrieved; {fetched} {'was' if fetched == 1 else 'were'}. "
                 "Retrieve and analyse again when the PACS answers: the images already here are not fetched again.",
                 icon=":material/cloud_off:")
    elif job["cancelled"]:
        st.warning(f"Cancelled: {job['cancelled']} images were not retrieved; {fetched} were.")


def _messages(results: list[InstanceResult]) -> None:
    for r in results:
        if r.skipped:
            st.info(f"Skipped: {r.error}", icon=":material/info:")
        elif r.error:
            st.error(r.error, icon=":material/error:")


def dicom_date(value: str | None) -> str:
    """A DICOM DA (20240105, or the old ACR-NEMA 1993.04.30 some archives still hold) as people read it
    (2024-01-05); anything else as it came."""
    value = (value or "").strip()
    digits = value.replace(".", "") if len(value) == 10 and value[4::3] == ".." else value
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}" if len(digits) == 8 and digits.isdigit() else value


def images_text(n: int) -> str:
    """ "1 instance", "6 instances" (a series read "1 instances")."""
    return f"{n} instance{'' if n == 1 else 's'}"


def person_name(value: str | None) -> str:
    """A DICOM PN (Test^Alice, family^given^middle^prefix^suffix) as "Test, Alice"."""
    parts = [p for p in (value or "").split("=")[0].split("^")]
    family, given = (parts + ["", ""])[:2]
    rest = " ".join(p for p in parts[2:] if p)
    return ", ".join(p for p in (family, " ".join(x for x in (given, rest) if x)) if p)


def blank_missing(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A table whose values the archive did not give are empty cells: st.dataframe wrote "None" in each (a
    review). Object columns, so a count stays 3, not 3.0, beside an empty cell."""
    table = pd.DataFrame(rows, dtype=object)
    return table.where(table.notna(), "")


def studies_table(studies: list[dict[str, Any]]) -> pd.DataFrame:
    """The search's studies with column names and values in words (patient_id, "Test^Alice" and "20240105" were
    shown as they came from the archive)."""
    return blank_missing([{"date": dicom_date(s["date"]), "patient ID": s["patient_id"],
                         "patient name": person_name(s["patient_name"]), "description": s["description"],
                         "accession": s["accession"], "modalities": s["modalities"], "images": s["instances"]}
                         for s in studies])


def probability_column(model: ImagingModel) -> tuple[str, str]:
    """(label, column name) of the probability a results table shows and sorts on: the card's positive label
    ("P(pneumonia)"), so a worklist is ordered by that risk. It was the probability of whichever label was called,
    so "normal 1.000" rows sorted above pneumonia ones."""
    label = model.card.positive_label or model.card.labels[-1]
    return label, f"P({model.card.display(label)})"


def _problem(r: InstanceResult, row: dict[str, Any]) -> str:
    if r.skipped:
        return f"skipped: {r.skip}"  # "no model fits" was called "no image" too
    if r.error:
        return "not analysed"
    reason = row.get("not_assessed_reason") or ""
    return reason if len(reason) <= 60 else reason[:60].rsplit(" ", 1)[0] + " …"


def _table(results: list[InstanceResult], model: ImagingModel) -> pd.DataFrame:
    label, column = probability_column(model)
    rows = []
    for r in results:
        row = r.row()
        assessed = row.get("assessed") is True
        rows.append({"patient ID": row["patient_id"], "date": dicom_date(row["study_date"]), "series": row["series"],
                     "instance": row["instance"], "modality": row["modality"],
                     "finding": row.get("label") or (NOT_ASSESSED if row.get("assessed") is False else ""),
                     # beside the finding, in a few words: the whole message is above the table, and at the far
                     # right the column was cut off at 1280 px (a review)
                     "problem": _problem(r, row),
                     # an image the model does not fit has no finding, so no probability either
                     # in the page's words ("99.7%"); an empty cell where there is none (the grid wrote "None")
                     column: precise_percent(row["probabilities"][label]) if assessed and label in
                     row.get("probabilities", {}) else "",
                     # two decimals in a table (the stored score keeps four, for its side of the threshold)
                     "OOD score": "" if row.get("ood_score") is None else f"{row['ood_score']:.2f}",
                     "warnings": len(row.get("warnings", [])),
                     # which model and version made the finding (a download outlives the page that says so)
                     "model": f"{row['model']} v{row['model_version']}" if "model" in row else "",
                     "SOP Instance UID": r.ref.sop_uid})
    return blank_missing(rows)


def distinct(labels: dict[str, str]) -> dict[str, str]:
    """Labels by UID, each told apart from the others: one shared by several options ends in its UID's last
    digits. Streamlit sends the chosen option's label back, so of five same-day films of one patient labelled
    alike every pick opened the first study (a radiologist's review: results go back into the study analysed)."""
    counts = Counter(labels.values())
    for tail in (8, 16, 24, 32, 64):  # more digits until they differ ("root.device.date.1" UIDs share their last 8)
        shown = {uid: f"{label} · …{uid[-tail:]}" if counts[label] > 1 else label for uid, label in labels.items()}
        if len(set(shown.values())) == len(shown):
            return shown
    return {uid: f"{label} · {uid}" if counts[label] > 1 else label for uid, label in labels.items()}


# -- send result back ---------------------------------------------------------------------------------------
def _send_action(model: ImagingModel, endpoint: Endpoint, sop_uid: str):
    def action(x: ImageInput, analysis: Analysis, data: bytes) -> None:
        sent = _state()["sent"]
        # per frame and model: frame 3 of a film whose frame 2 was sent read "Result sent" and offered no button
        what = (sop_uid, x.frame, model.card.id)
        if what in sent:
            st.success(f"Result sent to {endpoint.name}: Secondary Capture and Structured Report in study "
                       f"…{sent[what].study_uid[-16:]}" + (f" (frame {x.frame + 1})" if x.n_frames > 1 else "") + ".",
                       icon=":material/cloud_done:")
            return
        earlier = _earlier(endpoint, data, x, model)
        if earlier:  # sent before (by anyone, or by a send that timed out but was stored): not again unasked
            st.info(f"This study already holds {len(earlier)} {'result' if len(earlier) == 1 else 'results'} of "
                    f"this model for this image{f' (frame {x.frame + 1})' if x.n_frames > 1 else ''}, the last sent "
                    f"{earlier[0]} UTC: sending again adds another.", icon=":material/cloud_done:")
        again = not earlier or st.checkbox("Send another all the same", key=f"again_{sop_uid}_{x.frame}")
        if pressed("Send result to PACS", key=f"send_{sop_uid}_{x.frame}", icon=":material/cloud_upload:",
                   disabled=not again,
                   help="Stores a Secondary Capture with the heatmap and a Structured Report with the finding "
                        "in this study, each marked 'not for diagnostic use'."):
            try:
                receipt = send_result(PacsClient(endpoint), data, x, analysis, model.card, username=_username(),
                                      store=get_store())
            except InputError as exc:
                _state().get("earlier", {}).pop(what, None)  # asked again: a send that timed out may be stored
                show_input_error(exc)
            else:
                sent[what] = receipt
                st.success(f"Sent to {endpoint.name}: Secondary Capture and Structured Report in study "
                           f"…{receipt.study_uid[-16:]}.", icon=":material/cloud_done:")
    return action


def _earlier(endpoint: Endpoint, data: bytes, x: ImageInput, model: ImagingModel) -> list[str]:
    """This model's results for this image and frame already in its study (`earlier_results`), asked once per
    session; none when the archive cannot say (the send then says what is wrong)."""
    import pydicom

    asked = _state().setdefault("earlier", {})
    try:
        ds = pydicom.dcmread(io.BytesIO(data), stop_before_pixels=True, force=True)
        study_uid, sop_uid = str(ds.StudyInstanceUID), str(ds.SOPInstanceUID)
    except (AttributeError, pydicom.errors.InvalidDicomError):
        return []
    what = (sop_uid, x.frame, model.card.id)
    if what not in asked:
        try:
            asked[what] = earlier_results(PacsClient(endpoint), study_uid, sop_uid, x.frame, model.card)
        except InputError:
            return []
    return asked[what]


def _listed(state: dict[str, Any], key: tuple, fetch: Callable[[], Any]) -> Any:
    """A study's series or a series' instances, listed once per search. Every rerun of the page (a click on Send
    result, a slider) listed them again, so with the PACS down the click never reached its button and the result
    on screen gave way to the listing's error (a review). A failed listing is not kept: the next rerun tries again."""
    listings = state.setdefault("listings", {})
    if key not in listings:
        listings[key] = fetch()
    return listings[key]


# -- the model: the one chosen on the page, or the one trained on images of the series' modality ----------------
# DICOM modalities of series that hold no images (PS3.3 C.7.3.1.1.1)
NOT_IMAGES = {"SR": "a structured report", "KO": "a key object selection", "PR": "a presentation state",
              "DOC": "a document", "AU": "audio", "ECG": "an ECG waveform", "HD": "a waveform",
              "RTPLAN": "a radiotherapy plan", "RTRECORD": "a radiotherapy record", "REG": "a registration",
              "FID": "fiducials", "PLAN": "a plan"}
def model_for(modalities: set[str], candidates: list[ImagingModel], *, what: str, key: str) -> ImagingModel | None:
    """Automatic: the model trained on images of these DICOM modalities (a series has one); asked when none or
    several are. One model for a whole search sent a breast ultrasound series to the chest radiograph model.
    Each image is still checked against the model's training images when it is analysed."""
    if modalities and modalities <= set(NOT_IMAGES):  # a report or a key-object note: asking for a model misled
        st.info(f"{what[0].upper() + what[1:]} holds no images ("
                + "; ".join(f"{m}: {NOT_IMAGES[m]}" for m in sorted(modalities)) + "): nothing to analyse.",
                icon=":material/info:")
        return None
    fitting = [m for m in candidates if modalities & set(m.card.input.get("expected_modalities", ()))]
    if len(fitting) == 1:
        trained_on = "/".join(sorted(modalities & set(fitting[0].card.input["expected_modalities"])))
        st.caption(f"Model for {what}: **{fitting[0].card.name}**, trained on {trained_on} images. Choose another "
                   "model at the top of the page to override.")
        return fitting[0]
    if fitting and all(modalities <= set(m.card.input.get("expected_modalities", ())) for m in fitting):
        st.info(f"More than one model was trained on {'/'.join(sorted(modalities))} images: choose the one that "
                "matches the examination.", icon=":material/help:")
    elif fitting:  # a batch of CR and US images: each model was trained on some of them, none on all
        st.info(f"These images are {'/'.join(sorted(modalities))}, and no one model here was trained on all of "
                "them: choose the model to run (an image it does not fit gets no headline finding), or search one "
                "modality at a time.", icon=":material/help:")
    else:
        st.warning(f"No model here was trained on {'/'.join(sorted(modalities)) or 'these'} images. You may choose "
                   "one to see its output; an image it does not fit gets no headline finding.",
                   icon=":material/help:")
    names = {m.card.name: m for m in (fitting or candidates)}
    picked = st.selectbox(f"Model for {what}", list(names), index=None, placeholder="Choose a model", key=key)
    return names.get(picked)


# -- the tab ------------------------------------------------------------------------------------------------
def from_pacs(model: ImagingModel | None, candidates: list[ImagingModel] = ()) -> None:
    """Search studies, list series and instances, retrieve and analyse one or a series, send results back.
    model=None (Automatic): each series goes to the model trained on its modality, a batch to the one trained on
    the modalities searched (`model_for`)."""
    endpoints = _endpoints()
    if not endpoints:
        st.info("No PACS is configured. An administrator adds a DICOMweb endpoint on the Admin page "
                "(PACS tab) or in .streamlit/secrets.toml.", icon=":material/info:")
        return
    names = [e.name for e in endpoints]
    left, right = st.columns([1, 2])
    name = left.selectbox("PACS", names, key="pacs_endpoint")
    endpoint = get_endpoint(name)
    right.caption(f"{endpoint.url} · authentication: {endpoint.auth}")
    client = PacsClient(endpoint)
    state = _state()
    if state.get("endpoint") != endpoint.name:  # results of another archive do not belong here
        state.update(endpoint=endpoint.name, studies=[], job=None, batch=None, searched=False)
    mode = st.radio("What", ["Find a study", "Batch analysis"], horizontal=True, key="pacs_mode",
                    label_visibility="collapsed")
    if mode == "Batch analysis":
        _batch(model, list(candidates), client, state)
    else:
        _find(model, list(candidates), client, state)


def _find(model: ImagingModel | None, candidates: list[ImagingModel], client: PacsClient,
          state: dict[str, Any]) -> None:
    """Search the archive, pick a study and a series, then retrieve and analyse one image or the whole series."""
    _search_form(client, state)
    chosen_series = _choose_series(client, state)
    if chosen_series is None:
        return
    study, series, series_uid = chosen_series
    study_uid = study["study_uid"]
    if model is None:
        modality = next(s["modality"] for s in series if s["series_uid"] == series_uid)
        model = model_for({modality} if modality else set(), candidates, what="this series",
                          key=f"pacs_series_model_{series_uid[-24:]}")
        if model is None:
            return
    try:
        refs = _listed(state, ("instances", client.endpoint.name, study_uid, series_uid),
                       lambda: client.instances(study_uid, series_uid, patient_id=study["patient_id"],
                                                study_date=study["date"]))
    except InputError as exc:
        show_input_error(exc)
        return
    _retrieve_and_analyse(model, client, state, refs, series_uid)


def _retrieve_and_analyse(model: ImagingModel, client: PacsClient, state: dict[str, Any], refs: list,
                          series_uid: str) -> None:
    """One instance or the whole series retrieved (cached ones are not fetched again) and analysed, with its results
    table, and the chosen image shown as an upload would be, with a button to send the result back."""
    how = st.radio("Analyse", [ONE, SERIES], horizontal=True, key="pacs_how")
    if how == ONE:
        names = distinct({r.sop_uid: r.name for r in refs})
        sop = st.selectbox("Instance", list(names), format_func=names.get, key="pacs_instance")
        by_uid = {r.sop_uid: r for r in refs}
        chosen = [by_uid[sop]] if sop else []
    else:
        chosen = refs
    cached = sum(r.sop_uid in state["cache"] for r in chosen)
    if st.button(f"Retrieve and analyse ({len(chosen)} {'image' if len(chosen) == 1 else 'images'}"
                 + (f", {cached} already here" if cached else "") + ")", key="pacs_go", type="primary",
                 icon=":material/download:"):
        state["job"] = {"pending": list(chosen), "results": [], "cancelled": 0, "series": series_uid,
                        "model": model.card.id}
    job = state["job"]
    # analysed for another study or series, or by another model: not this one's results
    if job is not None and (job.get("series"), job.get("model")) != (series_uid, model.card.id):
        state["job"] = job = None
    if job is None:
        return
    _run_job(job, model, client, state["cache"], "pacs_job")
    results: list[InstanceResult] = job["results"]
    _job_outcome(job)
    _messages([r for r in results if not (job.get("stopped") and r.unreachable)])  # the stop says it once
    analysed = [r for r in results if r.ok]
    if len(results) > 1:
        # the problem column wide enough for its few words (narrow, it read "skipped: n" at 1280 px: a re-check)
        st.dataframe(_table(results, model), hide_index=True, width="stretch", key="pacs_series_results",
                     column_config={"problem": st.column_config.TextColumn(
                         "problem", width="medium", help="In a few words; the whole message is above the table.")})
    if not analysed:
        return
    shown = {r.ref.sop_uid: r for r in analysed}
    shown_names = distinct({uid: r.ref.name for uid, r in shown.items()})
    pick = st.selectbox("Show", list(shown), format_func=shown_names.get, key="pacs_show") \
        if len(analysed) > 1 else analysed[0].ref.sop_uid
    result = shown[pick]
    image_panel(model, result.data, result.ref.name, key=f"pacs_{pick[-16:]}_{model.card.id}",
                actions=_send_action(model, client.endpoint, pick))


def _search_form(client: PacsClient, state: dict[str, Any]) -> None:
    """The search form; a search puts its studies in `state` and forgets the last patient's listings and results."""
    with st.form("pacs_search"):
        c1, c2, c3 = st.columns(3)
        patient_id = c1.text_input("Patient ID", key="pacs_patient_id")
        patient_name = c2.text_input("Patient name (starts with)", key="pacs_patient_name",
                                     help="Family name first; 'smith^j' finds Smith^John.")
        accession = c3.text_input("Accession number", key="pacs_accession")
        c4, c5 = st.columns(2)
        dates = c4.date_input("Study date (range)", value=(), key="pacs_dates", min_value=date(1900, 1, 1))
        modalities = c5.multiselect("Modality", MODALITIES, key="pacs_modalities")
        if st.form_submit_button("Search", icon=":material/search:"):
            start, end = (dates + (None, None))[:2] if isinstance(dates, tuple) else (dates, dates)
            try:
                state["studies"] = client.search_studies(
                    patient_id=patient_id, patient_name=patient_name, accession=accession,
                    study_date=date_range(start, end), modalities=modalities)
            except InputError as exc:
                state["studies"] = []
                show_input_error(exc)
                state["searched"] = False  # the archive did not answer: "No study matches" under the error misled
            else:
                state["searched"] = True
            # who looked up which patient (the search lists names, IDs and accession numbers: a review found it
            # unaudited), refused or not
            asked = {k: v for k, v in (("patient_id", patient_id), ("patient_name", patient_name),
                                       ("accession", accession), ("study_date", date_range(start, end)),
                                       ("modalities", ",".join(modalities))) if v}
            get_store().audit(_username(), "pacs.search", f"pacs:{client.endpoint.name}", **asked,
                              studies=len(state["studies"]), answered=state["searched"])
            state["job"] = None  # the last patient's results never stay under a new search
            state["listings"] = {}  # a new search lists series and instances afresh


def _choose_series(client: PacsClient, state: dict[str, Any]) -> tuple[dict, list[dict], str] | None:
    """The studies found and their series as tables, with a choice of each: (study, its series, the chosen series'
    UID), or None when there is nothing to analyse (no study, no series, or a result medapp sent back)."""
    studies = state["studies"]
    if not studies:
        if state.get("searched"):
            st.caption("No study matches.")
        return
    st.dataframe(studies_table(studies), hide_index=True, width="stretch", key="pacs_studies_table")
    labels = distinct({s["study_uid"]: f"{dicom_date(s['date']) or 'no date'} · {s['patient_id'] or '-'} · "
                       f"{s['description'] or '-'} · {s['modalities']}"
                       + (f" · accession {s['accession']}" if s.get("accession") else "") for s in studies})
    study_uid = st.selectbox("Study", list(labels), format_func=labels.get, key="pacs_study")
    study = next(s for s in studies if s["study_uid"] == study_uid)
    try:
        series = _listed(state, ("series", client.endpoint.name, study_uid), lambda: client.series(study_uid))
    except InputError as exc:
        show_input_error(exc)
        return
    if not series:
        st.caption("This study holds no series.")
        return
    st.dataframe(blank_missing([{"number": s["number"], "modality": s["modality"], "description": s["description"],
                                 "images": s["instances"]} for s in series]),
                 hide_index=True, width="stretch", key="pacs_series_table")
    series_labels = distinct({s["series_uid"]: f"{s['number'] if s['number'] is not None else '-'} · {s['modality']} · "
                              f"{s['description'] or '(no description)'} · {images_text(s['instances'])}"
                              for s in series})
    series_uid = st.selectbox("Series", list(series_labels), format_func=series_labels.get, key="pacs_series")
    picked = next(s for s in series if s["series_uid"] == series_uid)
    if is_medapp_result(picked):  # a result sent back was offered for analysis as an image series (a re-check)
        st.info("This series is a result medapp sent back (the explanation as a Secondary Capture, or the report): "
                "not an examination to analyse.", icon=":material/info:")
        return
    return study, series, series_uid


def _batch(model: ImagingModel | None, candidates: list[ImagingModel], client: PacsClient,
           state: dict[str, Any]) -> None:
    with st.form("pacs_batch_form"):
        c1, c2 = st.columns(2)
        dates = c1.date_input("Study date (range)", value=(), key="pacs_batch_dates", min_value=date(1900, 1, 1))
        modalities = c2.multiselect("Modality", MODALITIES, default=["CR", "DX"], key="pacs_batch_modalities")
        find = st.form_submit_button("Find images", icon=":material/search:")
    if find:
        start, end = (dates + (None, None))[:2] if isinstance(dates, tuple) else (dates, dates)
        if start is None:
            st.error("Choose a study date or a range of dates.")
            return
        try:
            studies = client.search_studies(study_date=date_range(start, end), modalities=modalities, limit=1000)
            refs = client.study_list_instances(studies, modalities)
        except InputError as exc:
            show_input_error(exc)
            return
        state["batch"] = {"studies": len(studies), "refs": refs, "job": None,
                          "modalities": {r.modality for r in refs if r.modality} or set(modalities)}
    batch = state["batch"]
    if batch is None:
        return
    refs: list[InstanceRef] = batch["refs"]
    st.caption(f"{len(refs)} images in {batch['studies']} studies.")
    if model is None:
        model = model_for(batch.get("modalities", set()), candidates, what="this batch", key="pacs_batch_model")
        if model is None:
            return
    if refs and st.button(f"Analyse {len(refs)} images", key="pacs_batch_go", type="primary"):
        batch["job"] = {"pending": list(refs), "results": [], "cancelled": 0, "model": model.card.id}
    job = batch["job"]
    if job is not None and job.get("model") != model.card.id:  # analysed by another model: not this one's results
        batch["job"] = job = None
    if job is None:
        return
    _run_job(job, model, client, state["cache"], "pacs_batch")
    results = job["results"]
    _job_outcome(job)
    ok = sum(r.ok for r in results)
    no_image, no_fit = (sum(r.skip == why for r in results) for why in (NO_IMAGE, NO_MODEL_FITS))
    # images that fit no model were counted as "not images" (a code review)
    st.markdown(f"**{ok} analysed**, {no_image} not images, " + (f"{no_fit} fitting no model, " if no_fit else "")
                + f"{sum(bool(r.error) and not r.skipped for r in results)} could not be analysed.")
    column = probability_column(model)[1]
    table = _table(results, model).sort_values(column, ascending=False, na_position="last")
    st.dataframe(table, hide_index=True, width="stretch", key="pacs_batch_table",
                 column_config={column: st.column_config.ProgressColumn(
                     column, min_value=0.0, max_value=1.0, format="%.3f")})
    # audited as every other results table: it holds patient IDs and study dates (it was not: a privacy review)
    st.download_button("Download results (CSV)", spreadsheet_csv(table), "pacs-batch.csv", "text/csv",
                       key="pacs_batch_csv", on_click=log_download, args=(model.card, "PACS batch results", len(table)))


# -- admin --------------------------------------------------------------------------------------------------
def admin_endpoints(store: Any, user: dict[str, Any]) -> None:
    """List, add, change, delete and test DICOMweb endpoints. Passwords and tokens are never shown."""
    endpoints = _endpoints()
    if said := st.session_state.pop("pacs_admin_flash", None):
        st.success(said)
    if endpoints:
        # column names in words (connect_timeout was shown as the attribute); the audit keeps the attribute names
        shown = pd.DataFrame([e.public() for e in endpoints]).rename(columns={
            "url": "DICOMweb URL", "auth": "authentication", "username": "user name",
            "connect_timeout": "connect timeout (s)", "read_timeout": "read timeout (s)"})
        st.dataframe(shown, hide_index=True, width="stretch", key="pacs_endpoints_table")
    else:
        st.caption("No endpoint yet.")
    st.caption("Endpoints in .streamlit/secrets.toml ([pacs.NAME] sections) are read-only here. Passwords and "
               "tokens are stored on the server only and never shown again.")
    left, right = st.columns(2)
    with left.form("pacs_endpoint_form", clear_on_submit=True):
        st.markdown("**Add or change an endpoint**")
        name = st.text_input("Name", key="pacs_ep_name")
        url = st.text_input("DICOMweb base URL", key="pacs_ep_url", placeholder="http://pacs:8042/dicom-web")
        auth = st.radio("Authentication", AUTH_KINDS, horizontal=True, key="pacs_ep_auth")
        username = st.text_input("User name (basic)", key="pacs_ep_user")
        password = st.text_input("Password (basic; empty keeps the stored one)", type="password", key="pacs_ep_pw")
        token = st.text_input("Bearer token (empty keeps the stored one)", type="password", key="pacs_ep_token")
        c1, c2 = st.columns(2)
        connect = c1.number_input("Connect timeout (s)", 0.5, 300.0, 5.0, key="pacs_ep_ct")
        read = c2.number_input("Read timeout (s)", 1.0, 3600.0, 30.0, key="pacs_ep_rt")
        if pressed("Save endpoint", key="pacs_ep_save", form=True):
            try:
                saved = save_endpoint(Endpoint(name, url, auth, username, password, token, connect, read))
            except InputError as exc:
                show_input_error(exc)
            else:
                detail = {("pacs_user" if k == "username" else k): v for k, v in saved.public().items()
                          if k != "source"}
                store.audit(user["username"], "pacs.endpoint_saved", f"pacs:{saved.name}", **detail)
                flash("pacs_admin_flash", f"Saved {saved.name}.")
                st.rerun()
    with right:
        st.markdown("**Test connection**")
        names = [e.name for e in endpoints]
        # a box first drawn with no endpoint keeps "no choice" after one is saved: Test connection then crashed
        # with "No PACS endpoint named 'None'"; such a stale choice starts again at the first endpoint
        for key, options in (("pacs_test_name", names), ("pacs_delete_name", [e.name for e in endpoints
                                                                               if e.source == "admin"])):
            if key in st.session_state and st.session_state[key] not in options:
                del st.session_state[key]
        target = st.selectbox("Endpoint", names, key="pacs_test_name", placeholder="no endpoint")
        if st.button("Test connection", key="pacs_test", disabled=target is None):
            report = PacsClient(get_endpoint(target)).test_connection()
            (st.success if report.ok else st.error)(report.message)
        admin_names = [e.name for e in endpoints if e.source == "admin"]
        if admin_names:
            gone = st.selectbox("Delete endpoint", admin_names, key="pacs_delete_name")
            # one click deleted an endpoint and its stored password, with no way back (a review): ticked first
            sure = st.checkbox(f"Yes, delete {gone} and its stored credentials", key=f"pacs_delete_sure_{gone}")
            if pressed("Delete", key="pacs_delete", disabled=not sure):
                delete_endpoint(gone)
                store.audit(user["username"], "pacs.endpoint_deleted", f"pacs:{gone}")
                flash("pacs_admin_flash", f"Deleted {gone}.")
                st.session_state.pop(f"pacs_delete_sure_{gone}", None)
                st.rerun()
