"""Imaging pipeline benchmark: a 512x512 CT decoded, windowed and turned into the display figure."""
from __future__ import annotations

import io
import time

import numpy as np
import plotly.graph_objects as go
import pydicom
from pydicom.data import get_testdata_file

from .dicom import CT_PRESETS
from .io import decode


def synthetic_ct_512() -> bytes:
    """pydicom's CT_small header with 512x512 pixels (a real CT slice size), as a DICOM file."""
    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    small = ds.pixel_array.astype(np.int16)
    big = np.kron(small, np.ones((4, 4), dtype=np.int16))
    ds.Rows, ds.Columns = big.shape
    ds.PixelData = big.tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def bench_ct_display(repeats: int = 20) -> dict[str, float]:
    data = synthetic_ct_512()
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        centre, width = list(CT_PRESETS.values())[i % len(CT_PRESETS)]
        x = decode(data, "ct512.dcm", centre=centre, width=width)[0]
        fig = go.Figure(go.Heatmap(z=x.image, colorscale="gray", zmin=0, zmax=1, showscale=False))
        fig.to_json()  # what Streamlit sends to the browser
        times.append((time.perf_counter() - start) * 1000)
    return {"imaging.ct512_decode_window_display_ms_p50": round(float(np.median(times)), 1),
            "imaging.ct512_decode_window_display_ms_p95": round(float(np.percentile(times, 95)), 1)}


def bench_full_size_explain(repeats: int = 10) -> dict[str, float]:
    """One full-size image (a 1,500x1,800 radiograph-sized picture) predicted and explained, map spread over it.

    This is what a clinician waits for after an upload: decode, preprocess, predict, expected-gradients
    map, and the map spread over the image's own pixels. Also the completeness error of the maps
    (|base + sum - log p|) over the timed images.
    """
    from PIL import Image

    from ...registry import load_model

    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:1800, 0:1500]
    chest = 0.55 + 0.3 * np.sin(rows / 300.0) * np.cos(cols / 250.0) + rng.normal(0, 0.05, rows.shape)
    buf = io.BytesIO()
    Image.fromarray(np.clip(chest * 255, 0, 255).astype(np.uint8)).save(buf, format="PNG")
    data = buf.getvalue()
    out: dict[str, float] = {}
    for model_id in ("chest-xray-pneumonia", "breast-ultrasound"):
        model = load_model(model_id)
        times, errors = [], []
        for i in range(repeats + 1):
            start = time.perf_counter()
            x = decode(data, "cxr.png")[0]
            pred = model.predict(x)
            expl = model.explain(x, pred)
            model.image_map(x, expl)
            if i:  # the first call warms the libraries
                times.append((time.perf_counter() - start) * 1000)
                errors.append(abs(expl.output_value - float(np.log(pred.probability))))
        out[f"imaging.{model_id}.full_size_predict_explain_ms_p50"] = round(float(np.median(times)), 1)
        out[f"imaging.{model_id}.full_size_predict_explain_ms_p95"] = round(float(np.percentile(times, 95)), 1)
        out[f"imaging.{model_id}.completeness_error_max"] = round(float(max(errors)), 4)
    return out
