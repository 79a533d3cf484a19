"""Long figure titles on several lines: a plotly title does not wrap, and it is cut at the figure's edge.

Shared by the analysis pages and by Cases and Meeting mode (medapp/ui/stored_analysis.py), so a figure's title wraps the same
way wherever it is drawn. Names of bars and rows wrap with `medapp.render.tabular.wrapped_label`.
"""
from __future__ import annotations

import textwrap


def wrap_titles(figure, width: int, axis_width: int):
    """The figure's title on lines of at most `width` characters, its x axes' titles of at most `axis_width`;
    the figure, changed in place, is returned.

    At 1024x768 "Words that moved the probability of 'neop" and "contribution (log-odds of pr" were cut on Cases and in
    Meeting mode (an accessibility review), and the imaging map's title in its page column ("...what moved the m")."""
    def wrap(text: str | None, width: int) -> str | None:
        if not text or "<" in text.replace("<br>", ""):  # other markup: left as drawn
            return text
        return "<br>".join(line for part in text.split("<br>") for line in textwrap.wrap(part, width) or [""])

    title = figure.layout.title.text
    wrapped = wrap(title, width)
    if wrapped != title:
        # hung from the top, with room below for its lines (a centred title grew over the first panel's name)
        lines, top = wrapped.count("<br>") + 1, figure.layout.margin.t
        figure.update_layout(title={"text": wrapped, "y": 1, "yref": "container", "yanchor": "top", "pad": {"t": 16}},
                             margin_t=max(top if top is not None else 80, 30 * lines + 44))
    figure.for_each_xaxis(lambda axis: axis.update(title_text=wrap(axis.title.text, axis_width)))
    return figure
