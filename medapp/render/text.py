"""Text explanations: highlighted words as escaped HTML (no shap JavaScript), a top-words bar chart."""
from __future__ import annotations

import textwrap
from html import escape
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from ..types import Explanation
from .numbers import precise_percent
from .tabular import wrapped_label

if TYPE_CHECKING:
    from .context import Context

TOWARD, AWAY = (192, 57, 43), (36, 113, 163)


def highlighted_html(expl: Explanation) -> str:
    """Each word piece on a background whose colour and strength follow its contribution.

    Every piece of text is escaped, so HTML or script in a note is shown as text and never runs.
    """
    tokens = (expl.data or {}).get("tokens") or list(expl.feature_names or [])
    values = np.asarray(expl.values, dtype=float)
    lim = float(np.abs(values).max()) or 1.0
    spans = []
    for tok, v in zip(tokens, values):
        rgb = TOWARD if v > 0 else AWAY
        alpha = min(1.0, abs(v) / lim) * 0.85
        title = escape(f"{v:+.4f} toward '{expl.target_display}'" if v >= 0 else f"{v:+.4f} away from '{expl.target_display}'", quote=True)
        spans.append(f'<span title="{title}" style="background: rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha:.2f}); '
                     f'border-radius: 3px">{escape(tok)}</span>')
    # the chips' words in white on the full colour (#555 on the faded colour was 2.8:1: an accessibility review)
    legend = (f'<div style="font-size: 0.85em; color: #555; margin-bottom: .4em">'
              f'<span style="background: rgb(192,57,43); color: #fff; padding: 0 .3em">red</span> pushed toward '
              f'<b>{escape(expl.target_display)}</b>, <span style="background: rgb(36,113,163); color: #fff; '
              f'padding: 0 .3em">blue</span> away; stronger colour, stronger effect. Hover a word for its value.</div>')
    return (f'{legend}<div dir="auto" style="line-height: 1.9; white-space: pre-wrap; font-size: 1.02em; '
            f'unicode-bidi: plaintext">{"".join(spans)}</div>')


def top_words(expl: Explanation, k: int = 12) -> go.Figure:
    pairs = expl.top_contributions(k)[::-1]
    names = [n if len(n) <= 40 else n[:37] + "..." for n, _ in pairs]
    vals = [v for _, v in pairs]
    fig = go.Figure(go.Bar(x=vals, y=names, orientation="h",
                           marker_color=["rgb(192,57,43)" if v > 0 else "rgb(36,113,163)" for v in vals],
                           hovertemplate="%{y}: %{x:+.4f}<extra></extra>"))
    # a long class name puts the title on two lines: one line was cut in a narrow column (1024x768, a review)
    title = textwrap.wrap(f"Words that moved the probability of '{expl.target_display}'", 48)
    fig.update_layout(title="<br>".join(title), height=120 + 26 * len(vals) + 24 * (len(title) - 1),
                      xaxis_title="contribution to the probability",
                      margin={"l": 10, "r": 10, "t": 50 + 24 * (len(title) - 1), "b": 40})
    fig.add_vline(x=0, line_color="#888", line_width=1)
    return fig


def top_classes(labels: tuple[str, ...], probabilities: np.ndarray, k: int = 5) -> go.Figure:
    order = np.argsort(-probabilities)[:k][::-1]
    names = [labels[i] for i in order]
    fig = go.Figure(go.Bar(x=probabilities[order], y=names, orientation="h",
                           text=[precise_percent(probabilities[i]) for i in order], textposition="auto",
                           marker_color="#7f8c8d"))
    # long class names on two lines: their starts were cut at 1024x768 ("iovascular diseases", a review)
    fig.update_layout(title=f"Top {min(k, len(labels))} of {len(labels)} classes", xaxis={"range": [0, 1],
                      "tickformat": ".0%"}, height=100 + 36 * len(order), margin={"l": 10, "r": 10, "t": 50, "b": 30},
                      yaxis={"tickvals": names, "ticktext": [wrapped_label(n, 22) for n in names]})
    return fig


def figure(expl: Explanation, context: Context | None = None) -> str:
    """A stored text explanation redrawn (cases, meeting mode) as escaped HTML."""
    return highlighted_html(expl)
