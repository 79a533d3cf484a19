"""Imaging pipeline benchmark: a 512x512 CT decoded, windowed and turned into the display figure."""
from __future__ import annotations

import io
import time

import numpy as np
import plotly.graph_objects as go
import pydicom
from pydicom.data import get_testdata_file

from .dicom import CT_PRESETS
from .io import load


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
        x = load(data, "ct512.dcm", centre=centre, width=width)[0]
        fig = go.Figure(go.Heatmap(z=x.image, colorscale="gray", zmin=0, zmax=1, showscale=False))
        fig.to_json()  # what Streamlit sends to the browser
        times.append((time.perf_counter() - start) * 1000)
    return {"imaging.ct512_decode_window_display_ms_p50": round(float(np.median(times)), 1),
            "imaging.ct512_decode_window_display_ms_p95": round(float(np.percentile(times, 95)), 1)}
