"""Figures at 1024 px with the sidebar open (a layout review, 2026-12-05): titles that ran past a figure's edge."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from medapp.render.image import heatmap
from medapp.render.titles import wrap_titles
from medapp.types import Explanation


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


def test_the_map_s_panel_titles_fit_half_the_page_column():
    fig = heatmap(np.full((128, 128), 0.5), _image_explanation(0.001, "pneumonia"))
    # "Toward (red) / away from (blue)" on one line, 215 px at 14 px, ran past the edge of a 190 px panel
    for annotation in fig.layout.annotations[:2]:
        assert annotation.text.count("<br>") == 1  # two lines each, so the two images start level
        assert all(len(line) <= 26 for line in annotation.text.split("<br>")), annotation.text
    assert fig.layout.annotations[1].text.replace("<br>", " ") == "Toward (red) / away from (blue) 'pneumonia'"
