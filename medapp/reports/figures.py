"""Static figures of stored explanations for reports (PNG via matplotlib: no browser needed).

One generic drawing per shape of explanation: a heatmap for 2-D values (image or time-frequency
maps), otherwise the top contributions as a diverging bar chart (records, words, segments).
"""
from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..types import Explanation  # noqa: E402

TOWARD, AWAY = "#c0392b", "#2471a3"


def explanation_png(expl: Explanation, width_in: float = 7.0) -> bytes:
    values = np.asarray(expl.values, dtype=float)
    if values.ndim == 2 and min(values.shape) > 1:
        fig, ax = plt.subplots(figsize=(width_in * 0.6, width_in * 0.5), dpi=110)
        lim = float(np.abs(values).max()) or 1.0
        im = ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        fig.colorbar(im, ax=ax, label=f"toward '{expl.target}' (red) / away (blue)")
        ax.set_xticks([]), ax.set_yticks([])
    else:
        pairs = expl.top_contributions(10)[::-1]
        fig, ax = plt.subplots(figsize=(width_in, 0.45 * max(3, len(pairs)) + 0.8), dpi=110)
        if pairs:
            names, vals = zip(*pairs)
            ax.barh(range(len(vals)), vals, color=[TOWARD if v > 0 else AWAY for v in vals])
            ax.set_yticks(range(len(vals)), [n if len(n) < 60 else n[:57] + "..." for n in names], fontsize=8)
            ax.axvline(0, color="#888", lw=0.8)
        ax.set_xlabel(f"contribution toward '{expl.target}' ({expl.output_space})", fontsize=8)
    ax.set_title(f"{expl.method}", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()
