"""Figures at 1024 px with the sidebar open (a layout review, 2026-12-05): titles that ran past a figure's edge, a colour
bar's tilted and clipped ticks, a label drawn over the waveform, a heatmap squeezed by its row names."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from medapp.render.audio import recording_figure
from medapp.render.genomics import heatmap as gene_heatmap
from medapp.render.image import colour_ticks, heatmap
from medapp.render.titles import wrap_titles
from medapp.types import Explanation

# the imaging page's map column at 1024 px (a quarter of the page went to the finding) and a tick label's half-width
MAP_COLUMN_PX = 390
HALF_TICK_LABEL_PX = 22  # "−0.0002" at 12 px


def _image_explanation(lim: float, target: str = "malignant") -> Explanation:
    values = np.random.default_rng(0).uniform(-lim, lim, (128, 128))
    return Explanation(kind="image", method="GradientSHAP (expected gradients)", target=target, base_value=0.0,
                       values=values, output_space="log-probability")


def test_wrap_titles_breaks_title_and_axis_title_at_words_and_leaves_short_ones():
    title = "GradientSHAP (expected gradients): what moved the model toward 'pneumonia'"  # cut at "...moved the m"
    fig = wrap_titles(go.Figure(layout={"title": title, "xaxis_title": "x", "margin": {"t": 110}}), 44, 56)
    lines = fig.layout.title.text.split("<br>")
    assert len(lines) == 2 and all(len(line) <= 44 for line in lines) and " ".join(lines) == title
    assert fig.layout.margin.t == 110  # the figure's own room for its title rows is kept
    assert wrap_titles(go.Figure(layout={"title": "Short"}), 44, 56).layout.title.text == "Short"


@pytest.mark.parametrize("lim", [0.00016, 0.00021, 0.00045, 0.0016, 0.021, 3.7])
def test_the_image_colour_bar_has_three_level_ticks_inside_the_bar_and_room_for_the_last_label(lim):
    fig = heatmap(np.full((128, 128), 0.5), _image_explanation(lim))
    bar = fig.data[2].colorbar
    shown = float(fig.data[2].zmax)
    ticks = list(bar.tickvals)
    # three ticks, level: plotly's own five were tilted to fit, and the last ran past the figure's edge
    assert len(ticks) == 3 and ticks[1] == 0 and ticks[0] == -ticks[2] and 0 < ticks[2] <= shown
    assert bar.tickangle == 0 and list(bar.ticktext)[1:] == ["0", bar.ticktext[2]]
    assert bar.ticktext[0] == "\u2212" + bar.ticktext[2] and "e" not in bar.ticktext[2]
    # the right end of the bar, and the half of the last tick's label beyond it, inside the figure
    plot_px = MAP_COLUMN_PX - fig.layout.margin.l - fig.layout.margin.r
    bar_end_px = fig.layout.margin.l + (bar.x + bar.len / 2) * plot_px
    assert bar_end_px + HALF_TICK_LABEL_PX <= MAP_COLUMN_PX


def test_colour_ticks_are_round_numbers_written_like_the_limit():
    assert colour_ticks(0.00045) == ([-0.0002, 0.0, 0.0002], ["\u22120.0002", "0", "0.0002"])
    assert colour_ticks(0.0002)[0][2] == pytest.approx(0.0002)
    assert colour_ticks(3.7)[1] == ["\u22122", "0", "2"]


def test_the_map_s_panel_titles_fit_half_the_page_column():
    fig = heatmap(np.full((128, 128), 0.5), _image_explanation(0.001, "pneumonia"))
    # "Toward (red) / away from (blue)" on one line, 215 px at 14 px, ran past the edge of a 190 px panel
    for annotation in fig.layout.annotations[:2]:
        assert annotation.text.count("<br>") == 1  # two lines each, so the two images start level
        assert all(len(line) <= 26 for line in annotation.text.split("<br>")), annotation.text
    assert fig.layout.annotations[1].text.replace("<br>", " ") == "Toward (red) / away from (blue) 'pneumonia'"


def _view(seconds: float = 4.0) -> dict:
    t = np.linspace(0, seconds, 400)
    return {"envelope_t": t, "envelope_min": -np.abs(np.sin(t * 6)), "envelope_max": np.abs(np.sin(t * 6)),
            "spectrogram_db": np.zeros((100, 16)), "t0": 0.0, "column_s": seconds / 100,
            "mel_hz": list(np.geomspace(50, 2000, 16))}


@pytest.mark.parametrize("highlight", [(0.2, 0.4), (1.8, 2.0), (3.4, 3.6)])
def test_the_most_influential_segment_is_named_above_the_waveform_not_drawn_over_it(highlight):
    fig = recording_figure(_view(), highlight=highlight)
    # nothing written inside the waveform's panel (white behind it, "most influential" hid the beats beside the box)
    inside = [a.text for a in fig.layout.annotations if a.yref == "y domain" or a.yref == "y"]
    assert not inside
    waveform_title = fig.layout.annotations[0]
    assert waveform_title.text.startswith("Waveform") and "red box: most influential" in waveform_title.text
    assert waveform_title.yref == "paper" and waveform_title.yanchor == "bottom"  # above the panel
    boxes = [s for s in fig.layout.shapes if s.x0 == highlight[0] and s.x1 == highlight[1]]
    assert len(boxes) == 2  # still boxed on the waveform and the spectrogram
    assert recording_figure(_view()).layout.annotations[0].text == "Waveform"  # no box, no name


def test_long_gene_heatmap_row_names_take_two_lines_and_rows_grow_for_them():
    samples = ["class average BL", "simulated: genes shuffled"]
    groups = ["BL", "not classified: unlike every training class"]
    fig = gene_heatmap(np.zeros((2, 3)), samples, ["V1", "V2", "V3"], groups)
    names = list(fig.layout.yaxis.ticktext)
    assert list(fig.layout.yaxis.tickvals) == list(fig.data[0].y)  # the rows keep their whole names
    assert names[0] == "class average BL · BL"
    assert names[1].count("<br>") == 1 and all(len(line) <= 40 for line in names[1].split("<br>"))
    assert fig.layout.height >= 160 + 30 * 2
