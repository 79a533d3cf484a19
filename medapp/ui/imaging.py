"""Streamlit widgets for images: upload, DICOM display controls, prediction with SHAP heatmap."""
from __future__ import annotations

import hashlib
from collections.abc import Callable

import streamlit as st

from ..analysis import Analysis, analyse
from ..modalities.imaging.deid import deidentify_dicom
from ..modalities.imaging.dicom import CT_PRESETS
from ..modalities.imaging.io import ImageInput, load
from ..modalities.imaging.model import ImagingModel
from ..render.image import heatmap
from ..types import InputError
from .cases import log_analysis, save_to_case
from .common import show_input_error

FILE_DEFAULT = "as stored in the file"


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


def image_panel(model: ImagingModel, data: bytes, name: str, key: str,
                actions: Callable[[ImageInput, Analysis, bytes], None] | None = None) -> None:
    """Each image in an upload with its analysis; `actions` adds buttons under it (e.g. Send result to PACS)."""
    try:
        inputs = load(data, name)
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
                frame = st.slider("Frame", 0, first.n_frames - 1, 0, key=f"frame_{ikey}")
            member = first.raw or data  # this image's own file (a ZIP member keeps its bytes in .raw)
            x = first
            if frame:
                x = load(member, first.name, frame=frame)[0]
            centre, width = (None, None)
            if x.source == "dicom":
                centre, width = _window_controls(x, ikey)
            try:
                shown = load(member, first.name, frame=frame, centre=centre, width=width)[0] if centre is not None else x
                result = analyse(model, x)
            except InputError as exc:
                show_input_error(exc, first.name)
                continue
            pred, expl = result.prediction, result.explanation
            log_analysis(model.card, pred, model.input_key(x))
            left, right = st.columns([1, 3])
            with left:
                st.caption("Finding")
                st.subheader(pred.label.replace("_", " "), anchor=False)
                for label, p in sorted(pred.as_dict().items(), key=lambda kv: -kv[1]):
                    st.progress(p, text=f"{label}: {p:.1%}")
                for w in pred.warnings:
                    st.warning(w, icon=":material/warning:")
                st.caption(f"Out-of-distribution score {pred.details['ood_score']} "
                           f"(flagged above {pred.details['ood_threshold']:.1f}).")
                opacity = st.slider("Heatmap opacity", 0.0, 1.0, 0.6, 0.05, key=f"op_{ikey}")
                if x.source == "dicom":
                    try:
                        clean = deidentify_dicom(member)
                    except InputError as exc:
                        show_input_error(exc)
                    else:
                        st.download_button("Download de-identified DICOM", clean,
                                           f"deid-{hashlib.sha256(clean).hexdigest()[:10]}.dcm", "application/dicom",
                                           key=f"deid_{ikey}")
                save_to_case(card=model.card, prediction=pred, explanation=expl,
                             input_bytes=member, input_name=x.name, key=ikey)
                if actions is not None:
                    actions(x, result, member)
            with right:
                st.plotly_chart(heatmap(shown.image, expl, opacity), width="stretch", key=f"heat_{ikey}")
                st.caption(f"{expl.method} on the model's {model.size}x{model.size} input, stretched over the "
                           "full image. Red regions pushed toward the finding, blue away. They show what moved "
                           "this model, not where disease is.")
            if x.meta:
                with st.expander("Image information (metadata)"):
                    st.table({"field": list(x.meta), "value": list(x.meta.values())})
