"""Streamlit widgets for images: upload, DICOM display controls, model choice, finding with SHAP heatmap."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import streamlit as st

from ..analysis import Analysis, analyse
from ..modalities.imaging.deid import deidentify_dicom
from ..modalities.imaging.dicom import CT_PRESETS
from ..modalities.imaging.io import ImageInput, decode
from ..modalities.imaging.model import ImagingModel
from ..modalities.imaging.select import choose
from ..render.image import heatmap
from ..render.numbers import precise_percent
from ..render.titles import wrap_titles
from ..reports.content import contributions_heading, contributions_text, untested_ages_note
from ..security import uploads
from ..types import InputError, InputFit, ModelCard
from .cases import log_analysis, log_download, save_to_case
from .common import show_input_error

FILE_DEFAULT = "as stored in the file"
AUTOMATIC = "Automatic: the model that fits each image"
ASK = "(choose a model)"
MAP_TITLE_WIDTH = 44  # characters of a map's title line: bold 17 px is about 7.5 px a character


def _window_controls(x: ImageInput, key: str) -> tuple[float | None, float | None]:
    """Window presets (CT) and a window/level control; returns the (centre, width) to display."""
    options = [FILE_DEFAULT] + ([*CT_PRESETS] if x.modality == "CT" else []) + ["custom"]
    preset = st.selectbox("Window", options, key=f"win_{key}", help="Changes the display only; the model always "
                          "sees the file's default window.")
    if preset == FILE_DEFAULT:
        return None, None
    if preset != "custom":
        return CT_PRESETS[preset]
    c0, w0 = x.window or (0.5, 1.0)
    centre = st.number_input("Window centre (level)", value=float(c0), key=f"wc_{key}")
    width = st.number_input("Window width", value=float(max(w0, 1.0)), min_value=1.0, key=f"ww_{key}")
    return centre, width


def pointing_caption(model: ImagingModel) -> str:
    """The card's pointing-game figures, shown beside the heatmap so the map can be weighed."""
    pg = model.card.metrics.get("pointing_game_validation")
    if not pg:
        return ""
    return (f" On {pg['n_images_with_lesion']} validation images with a radiologist's lesion outline, this map's "
            f"strongest point fell on the lesion in {pg['pointing_game']:.0%} (tolerance {pg['tolerance']}); "
            f"{pg['positive_share_in_lesion_mean']:.0%} of the red lay inside lesions that cover "
            f"{pg['lesion_area_share_mean']:.0%} of the image (chance).")


def _pick_model(x: ImageInput, candidates: list[ImagingModel], key: str) -> tuple[ImagingModel | None, str | None]:
    """Automatic choice; when no model clearly fits, ask, and headline nothing until the user chooses. Also why no
    model may headline a finding for this image, if so (select.unlike_every_model)."""
    by_id = {m.card.id: m for m in candidates}
    choice = choose(x, candidates)
    if choice.model_id is not None:
        st.info(f"Model chosen for this image: {choice.reason}", icon=":material/auto_awesome:")
        return by_id[choice.model_id], None
    st.warning(choice.reason, icon=":material/help:")
    names = {m.card.name: m.card.id for m in candidates}
    picked = st.selectbox("Model for this image", [ASK, *names], key=f"pick_{key}")
    return (None if picked == ASK else by_id[names[picked]]), choice.unlike_all


def _not_a_finding(result: Analysis, why: str) -> Analysis:
    """The result as not assessed, for the reason given: saved, reported and shown in a meeting so too."""
    pred = result.prediction
    fit = replace(pred.fit or InputFit(), fits=False, message=why, reasons=(why,))
    return replace(result, prediction=replace(pred, fit=fit, warnings=(why, *pred.warnings)))


def _load(data: bytes, digest: str, name: str, card: ModelCard | None, **view) -> list[ImageInput]:
    """decode(), decoded once per content and view across reruns and sessions (the result is shared: read only)."""
    what = ("imaging.load", name, uploads.upload_limit("imaging", card), tuple(sorted(view.items())))
    return uploads.decoded(data, what, lambda: decode(data, name, card=card, **view), digest=digest)


def _deid_download(member: bytes) -> tuple[bytes, str]:
    clean = deidentify_dicom(member)
    return clean, f"deid-{hashlib.sha256(clean).hexdigest()[:10]}.dcm"


def image_panel(model: ImagingModel | None, data: bytes, name: str, key: str, *,
                candidates: list[ImagingModel] | None = None,
                actions: Callable[[ImageInput, Analysis, bytes], None] | None = None,
                digest: str | None = None) -> None:
    """Analyse every image of one upload. model=None: pick among `candidates` per image (or ask).
    `actions` adds buttons under each result (e.g. Send result to PACS)."""
    card = model.card if model is not None else None
    digest = digest or uploads.content_hash(data)  # the page may have hashed the upload already
    try:
        inputs = _load(data, digest, name, card)
    except InputError as exc:
        show_input_error(exc, name)
        return
    for i, first in enumerate(inputs):
        ikey = f"{key}_{i}"
        with st.container(border=True):
            st.markdown(f"**{first.name}** · {first.source.upper()}"
                        + (f" · {first.modality}" if first.modality else "")
                        + f" · {first.image.shape[1]} x {first.image.shape[0]} px")
            frame = 0
            if first.n_frames > 1:
                # counted from 1, as DICOM numbers frames and as Cases and the reports name the frame analysed
                frame = st.slider("Frame", 1, first.n_frames, 1, key=f"frame_{ikey}") - 1
            member = first.raw or data  # this image's own file (a ZIP member keeps its bytes in .raw)
            member_digest = digest if member is data else uploads.content_hash(member)
            x = first
            if frame:
                x = _load(member, member_digest, first.name, card, frame=frame)[0]
            centre, width = (None, None)
            if x.source == "dicom":
                centre, width = _window_controls(x, ikey)
            try:
                shown = _load(member, member_digest, first.name, card, frame=frame, centre=centre,
                              width=width)[0] if centre is not None else x
            except InputError as exc:
                show_input_error(exc, first.name)
                continue
            # a model chosen at the top of the page is the clinician saying what the examination is: that model's own
            # checks decide, as in the CLI and the API
            chosen, unlike = (model, None) if model is not None else _pick_model(x, candidates or [], ikey)
            if chosen is None:
                # the image itself while a model is asked for (a CT fitting no model showed nothing at all)
                _, right = st.columns([1, 3])
                with right:
                    _as_received(shown, "no model output until a model is chosen.")
                continue
            try:
                result = analyse(chosen, x)
            except InputError as exc:
                show_input_error(exc, first.name)
                continue
            if unlike is not None and result.prediction.fits:
                result = _not_a_finding(result, unlike)
            _result_view(chosen, x, shown, member, result, ikey, actions)


def _map_figure(shown: ImageInput, expl, opacity: float):
    """The map in the result's right column, its title on lines that fit there: about 390 px wide at 1024x768 with
    the sidebar open, where one line was cut at "...what moved the m" (a layout review)."""
    return wrap_titles(heatmap(shown.image, expl, opacity), MAP_TITLE_WIDTH, MAP_TITLE_WIDTH)


def _as_received(shown: ImageInput, what_follows: str) -> None:
    st.image(shown.image, clamp=True, width="stretch", caption=f"The image as received; {what_follows}")


def _result_view(model: ImagingModel, x: ImageInput, shown: ImageInput, member: bytes, result: Analysis, ikey: str,
                 actions: Callable[[ImageInput, Analysis, bytes], None] | None = None) -> None:
    pred, expl = result.prediction, result.explanation
    fits = pred.fits
    fit = pred.fit
    log_analysis(model.card, pred, model.input_key(x))
    # keyed so ui/common.READABLE_STYLE puts the image under the finding where both cannot be wide enough: at 1024 px
    # the finding's column was 125 px ("pneumoni / a", a warning one word a line: a review)
    left, right = st.container(key=f"analysis_columns_page_{ikey}").columns([1, 3])
    with left:
        if fits:
            st.caption(f"Finding · {model.card.name}")
            st.subheader(model.card.display(pred.label), anchor=False)
            # cautions under the headline, not under the bars and threshold: "Treat the result with caution" sat
            # below the first screen beside a large "pneumonia" (a clinical-safety review)
            for w in pred.warnings:
                st.warning(w, icon=":material/warning:")
            for label, p in sorted(pred.as_dict().items(), key=lambda kv: -kv[1]):
                st.progress(p, text=f"{model.card.display(label)}: {precise_percent(p)}")
            if model.card.positive_label is not None and pred.threshold is not None:
                others = "" if len(model.card.labels) == 2 else "; otherwise the more probable of the other labels"
                st.caption(f"Called {model.card.display(model.card.positive_label)} at a probability of "
                           f"{pred.threshold:.0%} or more (threshold chosen on validation){others}.")
            if (untested := untested_ages_note(pred)) is not None:
                st.caption(untested)
        else:
            st.error(f"No finding: this image does not fit {model.card.name}. "
                     + " ".join(fit.reasons), icon=":material/block:")
            for w in pred.warnings:
                if not any(w.startswith(r) for r in fit.reasons):
                    st.warning(w, icon=":material/warning:")
        # the score once: a caution above already gives it when the image is unlike the training images
        if fit is not None and fit.score is not None and not any("out-of-distribution score" in w
                                                                 for w in pred.warnings):
            st.caption(f"Out-of-distribution score {fit.score_text()}.")
        # no slider for a map that is not shown (no finding: the map is in a collapsed panel; a re-check)
        opacity = st.slider("Heatmap opacity", 0.0, 1.0, 0.6, 0.05, key=f"op_{ikey}") if fits else 0.6
        if x.source == "dicom":
            try:
                clean, file_name = uploads.decoded(member, "imaging.deid", partial(_deid_download, member))
            except InputError as exc:
                show_input_error(exc)
            else:
                st.download_button("Download de-identified DICOM", clean, file_name, "application/dicom",
                                   key=f"deid_{ikey}", on_click=log_download,
                                   args=(model.card, "de-identified DICOM", 1, "export.dicom"),
                                   kwargs={"sha256": uploads.content_hash(clean)})
        # a PACS instance is named by its description ("Chest PA #1"): stored as a .dcm like an uploaded one
        name = x.name if x.source != "dicom" or x.name.lower().endswith((".dcm", ".dicom")) else f"{x.name}.dcm"
        save_to_case(card=model.card, prediction=pred, explanation=expl, input_bytes=member, input_name=name,
                     key=ikey)
        if actions is not None and fits:
            actions(x, result, member)
    with right:
        caption = (f"{expl.method} on the model's {model.size}x{model.size} input, spread back over the image's own "
                   "pixels. Red regions pushed toward the label, blue away. They show what moved this model, not "
                   "where disease is." + pointing_caption(model))
        shown_as = {"explanation": expl, "prediction": pred}  # the map in words, as in the reports and on Cases
        caption += f" {contributions_heading(shown_as)}: {contributions_text(shown_as)}."
        if fits:
            st.plotly_chart(_map_figure(shown, expl, opacity), width="stretch", key=f"heat_{ikey}")
            st.caption(caption)
        else:
            # the image itself stays in view: the collapsed output below was all the column held (a review)
            _as_received(shown, "the model's output for it is below, not a finding.")
            with st.expander("Model output for this image (not a finding)"):
                st.markdown(", ".join(f"{model.card.display(lab)} {precise_percent(p)}" for lab, p in pred.as_dict().items()))
                st.plotly_chart(_map_figure(shown, expl, opacity), width="stretch", key=f"heat_{ikey}")
                st.caption(caption)
    if x.meta:
        with st.expander("Image information (metadata)"):
            st.table({"field": list(x.meta), "value": list(x.meta.values())})
