"""Static figures of stored explanations for reports (PNG via matplotlib: no browser needed).

One generic drawing per shape of explanation: a heatmap for 2-D values (image or time-frequency
maps), otherwise the top contributions as a diverging bar chart (records, words, segments).
"""
from __future__ import annotations

import functools
import io
import logging
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..render.numbers import scale_text
from ..types import Explanation

log = logging.getLogger(__name__)

TOWARD, AWAY = "#c0392b", "#2471a3"


def bars_title(expl: Explanation) -> str:
    """The title of an explanation's figure: its method, or for a time-to-event explanation, whose method names the
    values over time too (drawn apart by over_time_png), what its bars are: the risk score's."""
    return f"{expl.method.split(';')[0]} of the risk score" if (expl.data or {}).get("over_time") else expl.method


def explanation_png(expl: Explanation, width_in: float = 7.0) -> bytes:
    values = np.asarray(expl.values, dtype=float)
    if values.ndim == 2 and min(values.shape) > 1:
        fig, ax = plt.subplots(figsize=(width_in * 0.6, width_in * 0.5), dpi=110)
        lim = float(np.abs(values).max()) or 1.0
        im = ax.imshow(values, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        fig.colorbar(im, ax=ax, label=f"toward '{expl.target_display}' (red) / away (blue)")
        ax.set_xticks([]), ax.set_yticks([])
    else:
        pairs = expl.top_contributions(10)[::-1]
        fig, ax = plt.subplots(figsize=(width_in, 0.45 * max(3, len(pairs)) + 0.8), dpi=110)
        if pairs:
            names, vals = zip(*pairs)
            ax.barh(range(len(vals)), vals, color=[TOWARD if v > 0 else AWAY for v in vals])
            ax.set_yticks(range(len(vals)), [_label(n) for n in names], fontsize=8)
            ax.axvline(0, color="#888", lw=0.8)
            ax.xaxis.set_major_locator(MaxNLocator(6))  # default ticks ran together ("-0.175-0.150...")
            ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel(f"contribution toward '{expl.target_display}' ({expl.output_space})", fontsize=8)
    # wrapped: a long method name ran off the figure ("... (MiniLM, chun")
    ax.set_title(textwrap.fill(bars_title(expl), 60), fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def over_time_png(expl: Explanation, width_in: float = 7.0, max_features: int = 8) -> bytes | None:
    """A time-to-event explanation's contributions to the probability of the event by each horizon, as the page's
    chart draws them (render.survival.over_time_figure); None when the explanation has none."""
    from ..render.survival import SERIES_COLOURS, horizon_text, over_time_series

    series = over_time_series(expl, max_features)
    if series is None:
        return None
    horizons, lines = series
    fig, ax = plt.subplots(figsize=(width_in, 3.6), dpi=110)
    styles = ("-", "--", ":", "-.")
    for n, (name, values) in enumerate(lines):
        ax.plot(horizons, values, marker="o", lw=1.6, color=SERIES_COLOURS[n % 8],  # at their days, as the page
                ls=styles[(n // 2) % 4], label=textwrap.fill(name, 40))  # whole: cut, "= not m..." lost its point
    ax.axhline(0, color="#888", lw=0.8)
    ax.set_xticks(horizons, [horizon_text(h) for h in horizons])
    ax.set_xlim(0, max(horizons) * 1.05)
    ax.set_ylabel("contribution (percentage points)", fontsize=8)
    ax.set_xlabel("horizon (time since baseline)", fontsize=8)
    ax.tick_params(labelsize=8)
    ax.set_title("How each value moves the probability of the event,\nby horizon (exact Shapley values)", fontsize=9)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return _png(fig)


@functools.lru_cache(maxsize=1)
def _page_diverging():
    """render.image.DIVERGING as a matplotlib colour map, alpha included."""
    import re

    from matplotlib.colors import LinearSegmentedColormap

    from ..render.image import DIVERGING

    def rgba(text: str) -> tuple[float, ...]:
        r, g, b, a = (float(v) for v in re.findall(r"[\d.]+", text))
        return r / 255, g / 255, b / 255, a

    return LinearSegmentedColormap.from_list("page_diverging", [(pos, rgba(c)) for pos, c in DIVERGING])


def _tile_colours():
    """The audio page's tile colours (render.audio._add_tiles): clear at zero, red or blue at 75% at the ends. A
    colour map opaque at zero with one alpha for all washed the whole spectrogram pink or blue and drew the
    strongest tile near black (a cardiology review)."""
    from matplotlib.colors import LinearSegmentedColormap

    from ..render.audio import AWAY, TOWARD

    def rgba(rgb: str, alpha: float) -> tuple[float, ...]:
        return (*(int(v) / 255 for v in rgb.split(",")), alpha)

    return LinearSegmentedColormap.from_list("page_tiles", [(0.0, rgba(AWAY, 0.75)), (0.5, rgba(AWAY, 0.0)),
                                                            (0.5, rgba(TOWARD, 0.0)), (1.0, rgba(TOWARD, 0.75))])


def _label(name: str) -> str:
    """A value's name beside its bar, whole, on two lines when long (cut at 60 characters, "Left ventricular
    ejection fraction = not measured (median ..." lost the value)."""
    return textwrap.fill(name, 48, max_lines=2, placeholder="...")


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def image_png(expl: Explanation, image: np.ndarray | None) -> bytes:
    return _png(image_figure(expl, image))


def image_figure(expl: Explanation, image: np.ndarray | None):
    """Original beside the SHAP heatmap over it, with a labelled colour bar: the figure the Imaging page shows."""
    from ..render.image import block_reduce, display_step, displayed_map

    if image is None:  # the input is gone: the map alone, said so
        image = np.full((256, 256), 0.5)
        title = "original image not available"
    else:
        title = "Original"
    grey = image if image.ndim == 2 else image.mean(axis=2)
    # the page's blocks and colour limit: the report had its own (every 512 px), so a large radiograph's map read
    # "full colour beyond ±0.00051" where the page said ±0.00029 (a re-check)
    step = display_step(grey.shape)
    shown = block_reduce(grey, step, "mean")
    heat, lim = displayed_map(expl, grey.shape)
    per = "pixel" if step == 1 else f"{step}x{step} pixel block"
    aspect = shown.shape[0] / max(shown.shape[1], 1)
    height = 3.3 * min(1.6, max(0.6, aspect)) + 0.5
    fig, axes = plt.subplots(1, 2, figsize=(7.2, height), dpi=130, layout="constrained")
    for ax in axes:
        ax.imshow(shown, cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
    axes[0].set_title(title, fontsize=9)
    # the page's colours: clear at zero, so the image shows through where nothing moved the model (RdBu_r is
    # white there, and at the page's opacity it washed a radiograph out to near-white: a review)
    im = axes[1].imshow(heat, cmap=_page_diverging(), vmin=-lim, vmax=lim, alpha=0.6)
    axes[1].set_title(textwrap.fill(f"toward (red) / away from (blue) '{expl.target_display}'", 45),
                      fontsize=9)
    bar = fig.colorbar(im, ax=axes[1], shrink=0.85, extend="both")  # the arrows: full colour beyond the limit
    # the limit written out as the page writes it: the bar read "1e-5" over ticks of ±4 (a review)
    # on lines as long as the bar: a wide ultrasound's short bar cut its one-line label at both ends (a review)
    fits_on_bar = max(18, int(height * 0.85 * 0.8 * 72 / 4.3))  # characters of 7 pt along the bar
    bar.set_label(textwrap.fill(f"SHAP per {per} ({expl.output_space}); full colour beyond ±{scale_text(lim)}",
                                fits_on_bar, break_on_hyphens=False), fontsize=7)
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: scale_text(abs(v)) if v >= 0
                                                   else "-" + scale_text(-v)))
    bar.ax.tick_params(labelsize=7)
    fig.suptitle(expl.method, fontsize=9)
    return fig


def audio_png(expl: Explanation) -> bytes:
    return _png(audio_figure(expl))


# The app's cycle shading (render/audio.CYCLE_COLOURS) in matplotlib's colours
CYCLE_SHADES = {"normal cycle": ("#7f8c8d", 0.12), "crackles": ("#e67e22", 0.3), "wheezes": ("#8e44ad", 0.3),
                "crackles + wheezes": ("#c0392b", 0.3)}


def _recording_axes(view: dict, title: str):
    """Waveform (top) above the log-mel spectrogram (bottom) with time and frequency axes, as the app draws it."""
    S = np.asarray(view["spectrogram_db"], dtype=float)
    times = view["t0"] + np.arange(len(S) + 1) * view["column_s"]
    mel = np.asarray(view["mel_hz"], dtype=float)
    mel_edges = np.concatenate([[mel[0]], (mel[:-1] + mel[1:]) / 2, [mel[-1]]])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.2, 4.6), dpi=130, sharex=True, layout="constrained",
                                      gridspec_kw={"height_ratios": [1, 2]})
    t = np.asarray(view["envelope_t"])
    top.fill_between(t, view["envelope_min"], view["envelope_max"], color="#34495e", lw=0.5)
    top.set_ylabel("amplitude", fontsize=8)
    top.tick_params(labelsize=7)
    # each panel named as the app names it, the figure's title over both (the PDF had neither panel's name)
    fig.suptitle(textwrap.fill(title, 80), fontsize=8.5)
    top.set_title("Waveform", fontsize=8, loc="left")
    bottom.set_title("Log-mel spectrogram", fontsize=8, loc="left")
    bottom.pcolormesh(times, mel_edges, S.T, cmap="Greys", shading="flat")
    bottom.set_xlim(times[0], times[-1])
    bottom.set_yscale("log")
    ticks = [f for f in (25, 50, 100, 200, 400, 800, 1600, 3200) if mel[0] <= f <= mel[-1]]
    bottom.set_yticks(ticks, [str(f) for f in ticks])
    bottom.set_ylim(mel[0], mel[-1])
    bottom.set_ylabel("frequency (Hz)", fontsize=8)
    bottom.set_xlabel("time (s)", fontsize=8)
    bottom.tick_params(labelsize=7)
    return fig, top, bottom


def recording_png(recording: dict) -> bytes:
    """A recording saved without an explanation (render.stored.shown_recording): its waveform and spectrogram,
    annotated respiratory cycles shaded and named, analysis windows marked."""
    fig, top, bottom = _recording_axes(recording["view"], recording.get("title") or "Recording (not assessed)")
    named = 0
    for c in recording.get("cycles") or ():
        colour, alpha = CYCLE_SHADES.get(c["label"], CYCLE_SHADES["normal cycle"])
        for ax in (top, bottom):
            ax.axvspan(c["start_s"], c["end_s"], color=colour, alpha=alpha, lw=0)
            ax.axvline(c["start_s"], color="white" if ax is bottom else "#00000066", lw=0.6)  # cycles touch
        if c["label"] != "normal cycle":  # every other name a line lower, inside the axes: neighbours overlapped
            mid, (left, right) = (c["start_s"] + c["end_s"]) / 2, top.get_xlim()
            edge = 0.05 * (right - left)  # near an end of the axis the name starts (or ends) there, whole
            x, ha = (left, "left") if mid < left + edge else (right, "right") if mid > right - edge else (mid, "center")
            top.text(x, 0.97 if named % 2 == 0 else 0.78, c["label"], transform=top.get_xaxis_transform(), ha=ha,
                     va="top", fontsize=6.5, color="#6c3483", clip_on=True,
                     bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1})
            named += 1
    windows = recording.get("windows") or ()
    if len(windows) > 1:
        for a, _ in windows:
            top.axvline(a, color="#7f8c8d", ls=":", lw=0.8)
    return _png(fig)


def audio_figure(expl: Explanation):
    """Waveform above the log-mel spectrogram with the explanation tiles, time and frequency axes and a colour bar."""
    data = expl.data or {}
    view = data["view"]
    mel = np.asarray(view["mel_hz"], dtype=float)
    fig, top, bottom = _recording_axes(view, f"{expl.method}: time and frequency regions that moved "
                                             f"'{expl.target_display}'")
    values = np.asarray(expl.values, dtype=float).reshape(len(data["bands"]), -1)
    offset = float(data.get("window_start_s", 0.0))
    x_edges = [offset + s[0] for s in data["segments_s"]] + [offset + data["segments_s"][-1][1]]
    y_edges = np.clip(np.asarray(data["band_edges_hz"], dtype=float), mel[0], mel[-1])
    lim = float(np.abs(values).max()) or 1.0
    recording = bottom.get_xlim()  # the spectrogram's time range
    tiles = bottom.pcolormesh(x_edges, y_edges, values, cmap=_tile_colours(), vmin=-lim, vmax=lim,
                              shading="flat", edgecolors="white", linewidth=0.3)
    if data.get("highlight_s"):
        a, b = data["highlight_s"]
        for ax in (top, bottom):
            ax.axvspan(a, b, fill=False, edgecolor=TOWARD, lw=1.5)
    # the tiles' edges must not widen either axis: a window reaching past the recording drew a strip of tiles
    # beside the spectrogram, over nothing (a review)
    bottom.set_ylim(mel[0], mel[-1])
    bottom.set_xlim(*recording)
    bar = fig.colorbar(tiles, ax=bottom, shrink=0.9)
    bar.set_label(f"SHAP ({expl.output_space})\nred: toward, blue: away", fontsize=7)
    bar.ax.tick_params(labelsize=7)
    return fig


def waterfall_png(expl: Explanation, spec, width_in: float = 7.0) -> bytes:
    """The page's waterfall (render.tabular.waterfall_spec: the same bars, words and end values), in matplotlib:
    the reports drew a plain bar chart without the training mean, the patient's value or the sum between."""
    from ..render.tabular import AWAY, TOWARD

    # as plotly draws the page's: the training mean at the bottom, the summed rest next, the largest contribution
    # just under the patient's value at the top
    labels, deltas = spec.labels[::-1], spec.deltas[::-1]
    rows = [spec.ends[0], *labels, spec.ends[1]]
    fig, ax = plt.subplots(figsize=(width_in, 0.38 * len(rows) + 1.1), dpi=110)
    start = expl.base_value
    ax.barh(0, expl.base_value, color="#7f8c8d")
    ends = [(expl.base_value, 0, expl.base_value)]  # where each bar ends, its row, its value
    for n, delta in enumerate(deltas, start=1):
        ax.barh(n, delta, left=start, color=TOWARD if delta > 0 else AWAY)
        ax.plot([start, start], [n - 0.6, n - 1.4], color="#bbbbbb", lw=0.8)  # the connector from the bar below
        start += delta
        ends.append((start, n, delta))
    last = len(rows) - 1
    ax.barh(last, expl.output_value, color="#7f8c8d")
    ends.append((expl.output_value, last, expl.output_value))
    for x, y, value in ends:  # the value beyond the bar's end, in its direction, as plotly's "outside"
        ax.annotate(f"{value:+.2f}", (x, y), xytext=(3 if value >= 0 else -3, 0), textcoords="offset points",
                    va="center", ha="left" if value >= 0 else "right", fontsize=7)
    ax.set_yticks(range(len(rows)), [_label(r) for r in rows], fontsize=8)
    ax.axvline(0, color="#888", lw=0.8)
    path = [0.0, expl.base_value, expl.output_value, *(x for x, _, _ in ends)]
    lo, hi = min(path), max(path)
    pad = 0.2 * max(hi - lo, 0.5)  # room for the value labels at both edges
    ax.set_xlim(lo - pad, hi + pad)
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(spec.axis_title, fontsize=8)
    # over the whole figure: over the axes, beside long value names, its end ran off the page ("... or away (blu")
    fig.suptitle(textwrap.fill(spec.title, 90), fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _waterfall_of(analysis: dict) -> bytes:
    """A records or time-to-event analysis's waterfall, its end written as its page writes it."""
    from ..render.tabular import waterfall_spec
    from .content import page_percent

    expl = analysis["explanation"]
    return waterfall_png(expl, waterfall_spec(expl, percent=page_percent(analysis, expl)))


def analysis_png(analysis: dict, input_bytes: bytes | None = None) -> bytes | None:
    """The report figure of a stored analysis, drawn as the app draws it: a recording saved without an explanation
    is drawn as its page showed it; None for any other analysis without an explanation."""
    from ..render.stored import stored_recording

    expl = analysis["explanation"]
    if expl is None:
        recording = stored_recording(analysis["prediction"])
        return recording_png(recording) if recording is not None else None
    png = _explanation_figure(analysis, expl, input_bytes)
    # an input the model does not assess: its output's figure says so on itself, since a figure copied or cropped
    # from the report read as a finding ("toward 'EWS (Ewing sarcoma)'" under a profile unlike every class: a review)
    prediction = analysis.get("prediction")
    return png if prediction is None or prediction.fits else _marked_not_a_finding(png)


NOT_A_FINDING = "Not a finding: the model did not assess this input. Its output, for reference only."


def _marked_not_a_finding(png: bytes) -> bytes:
    """The figure under a dark red band that says it is not a finding."""
    import matplotlib.image as mpimg

    picture = mpimg.imread(io.BytesIO(png), format="png")
    height, width = picture.shape[:2]
    band, dpi = 34, 100
    fig = plt.figure(figsize=(width / dpi, (height + band) / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, height / (height + band)))
    ax.imshow(picture)
    ax.set_axis_off()
    fig.text(0.5, 1 - band / 2 / (height + band), NOT_A_FINDING, ha="center", va="center", fontsize=9,
             fontweight="bold", color="white", backgroundcolor="#8b1a1a")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def _explanation_figure(analysis: dict, expl: Explanation, input_bytes: bytes | None) -> bytes:
    from ..render.stored import analysed_frame, stored_image

    try:
        if expl.kind == "image":
            return image_png(expl, stored_image(input_bytes, analysis.get("input_name", ""), analysed_frame(expl)))
        if expl.kind == "audio" and (expl.data or {}).get("view"):
            return audio_png(expl)
        if expl.kind == "tabular" and "model_id" in analysis:
            return _waterfall_of(analysis)
    except (KeyError, ValueError, IndexError):  # an older explanation lacking what the drawing needs: said in the log
        log.warning("analysis %s: its %s figure could not be drawn as on its page; the plain picture is used",
                    analysis.get("id"), expl.kind, exc_info=True)
    return explanation_png(expl)
