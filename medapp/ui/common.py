"""Widgets every page shares: page set-up, the cached model, the demonstration notice, errors."""
from __future__ import annotations

import math
from html import escape

import pandas as pd
import streamlit as st

from ..build import build_id
from ..registry import load_model
from ..render.metrics import metric_name
from ..security.audit import spreadsheet_csv
from ..security.uploads import MB, upload_limit
from ..types import InputError, Model, ModelCard
from .runtime import keep_shared_keras_models

_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()#+-.!:|<>~$&=")


def literal(text: object) -> str:
    """User text (a comment, a title, a file name) shown as typed inside st.markdown or st.caption: every character
    markdown, Streamlit's directives (":material/...:", ":red[...]") or LaTeX would read is written as a character
    reference. A verdict comment forged a verdict line, a link and an image every viewer's browser fetched (a
    security review); a bare address still becomes a link, showing itself."""
    return "".join(f"&#{ord(c)};" if c in _MARKDOWN_SPECIAL else c for c in str(text))


@st.cache_resource(show_spinner="Loading model (once per server)...")
def cached_model(model_id: str) -> Model:
    """One instance per server process, shared by every session (registry also caches)."""
    model = load_model(model_id)
    keep_shared_keras_models()  # before this run ends: a just-loaded Keras model is not cleared after it
    return model


def upload_mb(modality: str, card: ModelCard | None = None) -> int:
    """An upload box's own limit (`max_upload_size`), in whole MB: the upload gate's (security/uploads.py), so the
    box says what is accepted instead of the server's 200 MB, and the browser refuses a larger file before sending
    it. The gate still checks every upload, and the API and CLI use it alone."""
    return math.ceil(upload_limit(modality, card) / MB)


def results_csv(card: ModelCard, table: pd.DataFrame) -> str:
    """A cohort's results table as the CSV a page offers for download, each row naming the model, its version and
    the code that made it (`model`, `model_version`, `medapp`, last): the file outlives the page that named them (a
    labelling audit)."""
    return spreadsheet_csv(table.assign(model=card.id, model_version=card.version, medapp=build_id()))


def demo_notice(card: ModelCard | None = None) -> None:
    """The demonstration notice, drawn the same way on every page (Home had a warning box, Models an info box
    and the analysis pages a caption): quiet, so the page's own warnings about an input stand out."""
    text = ModelCard.DEMO_NOTICE
    if card is not None and card.input.get("resolution_note"):
        text += " " + card.input["resolution_note"]
    st.caption(f":warning: {text}")


def model_card_summary(card: ModelCard) -> None:
    """A compact card beside a prediction: version, data, headline metrics, intended use."""
    summary = card.metrics.get("summary", {})
    metric_text = ", ".join(f"{metric_name(k)} {v:.3f}" if isinstance(v, float) else f"{metric_name(k)} {v}"
                            for k, v in summary.items())
    with st.expander(f"Model card: {card.name} v{card.version}", expanded=False):
        st.markdown(f"**Task.** {card.task}")
        st.markdown(f"**Data.** {card.data.get('citation', '')} Licence: {card.data.get('licence', 'not stated')}.")
        if metric_text:
            st.markdown(f"**Validation.** {metric_text} ({card.metrics.get('protocol', '')})")
        st.markdown(f"**Intended use.** {card.intended_use}")
        for item in card.limitations:
            st.markdown(f"- {item}")


def input_error_text(exc: InputError, context: str = "") -> str:
    """The message, led by its context (usually the file name) unless it already names it: "empty.wav: empty.wav
    is empty (0 bytes)" read the name twice."""
    if not context or exc.message.startswith(context):
        return exc.message
    return f"{context}: {exc.message}"


def show_input_error(exc: InputError, context: str = "") -> None:
    st.error(input_error_text(exc, context), icon=":material/error:")


def messages_in_full(items: list[tuple[str, str]]) -> None:
    """(where, message) pairs as a list, each message whole: a table cell cuts a long message at its column's
    width (at 1366 px a cohort's warnings and problems showed a few words each)."""
    if items:
        st.html("<ul style='margin:0'>" + "".join(f"<li><b>{escape(where)}</b>: {escape(text)}</li>"
                                                   for where, text in items) + "</ul>")


def warnings_in_full(per_row: list[tuple[str, tuple[str, ...] | list[str]]], total: int) -> None:
    """Under a cohort's table: every warning of every row in full, open when there are few. A warning several rows
    share is said once with its rows ("Rows 2, 5, 9: ..."): a card's caution about a group of patients (a GBSG2
    cohort's younger women) repeated the same long sentence for each of them."""
    warned = [(where, ws) for where, ws in per_row if ws]
    if warned:
        rows = "row" if total == 1 else "rows"
        with st.expander(f"Warnings in full ({len(warned)} of {total} {rows})", expanded=len(warned) <= 5,
                         icon=":material/warning:"):
            messages_in_full(shared_once([(where, w) for where, ws in warned for w in ws]))


def shared_once(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(where, message) pairs with each message once, where it first appears, naming every place that gave it:
    "Row 2", "Row 5" -> "Rows 2, 5"; other places are joined as they are ("EWS-1, EWS-2")."""
    places: dict[str, list[str]] = {}
    for where, message in items:
        places.setdefault(message, []).append(where)
    out = []
    for message, wheres in places.items():
        if len(wheres) > 1 and all(w.startswith("Row ") for w in wheres):
            out.append(("Rows " + ", ".join(w[4:] for w in wheres), message))
        else:
            out.append((", ".join(wheres), message))
    return out


# Contrast and focus for every page (an accessibility review, 2026-12-05): Streamlit draws captions at 60% opacity
# (3.9:1 on white) and chart text in #808495 (3.7:1), below WCAG's 4.5:1 for text a reader needs
# (the headline's label, the decision line, a model's caution, a waterfall's value names); its keyboard focus on
# sidebar links and radio options is a background 1.1:1 from the page, and an unselected radio's ring 1.4:1.
READABLE_STYLE = (
    "<style>"
    # (the caption's box carries opacity 0.6 besides its colour: both are set, or they multiply: 2.8:1, a re-check)
    "[data-testid='stCaptionContainer']{opacity:1;color:rgba(49,51,63,0.78)}"
    # every chart text in the theme's grey (ticks and titles of every panel, colour bars, legends' titles, panel
    # names, bar values), not the texts a figure colours itself
    ".js-plotly-plot text[style*='fill: rgb(128, 132, 149)']{fill:#4b4e5a !important}"
    # (Streamlit 1.67's radio: a label holding a hidden input, then the ring's box, then the text)
    "[data-testid='stSidebarNavLink']:focus-visible,label[data-testid='stRadioOption']:has(input:focus-visible),"
    "label[data-testid='stRadioOption'][data-focus-visible],label[data-baseweb='checkbox']:has(input:focus-visible)"
    "{outline:3px solid #1c5fb8;outline-offset:1px}"
    # a button's words wrap, never cut: at 1024x768 "Record verdict" and "Prepare report (PDF and HTML)" read
    # "Record v…", "Prepare report (PDF an…" (a re-check; Meeting mode had this already)
    ".stMainBlockContainer button p{white-space:normal;overflow:visible;text-overflow:clip}"
    # a word too long for its column is hyphenated, not broken anywhere ("pneumoni / a" on Imaging at 1024x768)
    ".stMainBlockContainer :is(h1,h2,h3,h4){hyphens:auto}"
    "label[data-testid='stRadioOption']:not(:has(input:checked))>div:first-of-type>div:first-child"
    "{border-color:#7a7c85 !important}"
    # an explanation goes under its output where the two cannot both be wide enough (1024x768, Meeting mode at
    # 1280x720), on Cases and on the Case records, Imaging and Clinical notes pages: beside it, a waterfall's names
    # took the column and its values ran into them (the two columns are the only ones in that container)
    "[class*='st-key-analysis_columns_'] [data-testid='stHorizontalBlock']{flex-wrap:wrap}"
    "[class*='st-key-analysis_columns_'] [data-testid='stColumn']:last-child{min-width:min(100%,620px)}"
    # Home's model cards two to a row where four would be about 130 px each (1024 px: a word or two a line)
    ".st-key-model_cards [data-testid='stHorizontalBlock']{flex-wrap:wrap}"
    ".st-key-model_cards [data-testid='stColumn']{min-width:min(100%,190px)}"
    # a verdict is recorded only by its button: Streamlit's "Press Ctrl+Enter to apply" under the comment (and "Press
    # Enter to apply" under the diagnosis) read as if the key recorded it (a presenter's review); the keys still
    # commit the text, and the line beside the button says "Not recorded yet: press Record verdict."
    "[class*='st-key-verdict_'] [data-testid='InputInstructions']{display:none}"
    "</style>")


def readable_page_style() -> None:
    """The style above, on every page (app.py calls it each run; a style-only block takes no room)."""
    st.html(READABLE_STYLE)


def band_colour(bands, band: str | None) -> str:
    """A risk band's badge colour, the same on the analysis page and in review: green for the card's lowest band
    (`bands`: its [upper, name] pairs), red for its highest, orange between, gray for none of them."""
    names = [name for _, name in bands]
    if band not in names:
        return "gray"
    i = names.index(band)
    return "green" if i == 0 else "red" if i == len(names) - 1 else "orange"
