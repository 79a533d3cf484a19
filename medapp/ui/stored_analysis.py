"""A stored analysis redrawn as it was shown, on the Cases page and in Meeting mode: its headline, picture,
explanation figure (through medapp.render's registry), warnings and the patient's other details."""
from __future__ import annotations

import logging
from html import escape

import pandas as pd
import streamlit as st

from .. import render
from ..build import build_words
from ..render.stored import analysed_frame, card_of, display_label, part_analysed, stored_image, stored_recording
from ..render.survival import curve_figure, horizon_rows, over_time_figure
from ..render.text import top_words
from ..render.titles import wrap_titles
from ..reports.content import (
    UNEXPLAINED_NOTE_HEADING,
    Headline,
    analysis_heading,
    card_change_note,
    close_call_markdown,
    contributions_heading,
    contributions_text,
    decision_text,
    input_label,
    listed_percent,
    not_assessed,
    other_patient_text,
    page_percent,
    risk_headline,
    stored_close_call,
    submitted_values,
    unexplained_note,
    untested_ages_note,
    values_heading,
)
from ..reports.figures import explanation_png
from ..security.uploads import DecodeCache
from ..types import Explanation
from .auth import get_store
from .common import band_colour, literal
from .recording import cycles_table

log = logging.getLogger(__name__)


# At most 64 pictures and 512 MB: by count alone, 64 large radiographs held as float64 could take 4-8 GB of the
# server (a soak review); the decode cache's own byte limit applies.
_PICTURES = DecodeCache(maxsize=64)


def _stored_picture(digest: str, input_name: str, frame: int):
    """The stored (de-identified) picture of an image analysis, decoded once per server and input."""
    return _PICTURES.get(b"", ("stored picture", input_name, frame), digest=digest, decode=lambda: stored_image(
        get_store().input_bytes(digest), input_name, frame))


def explanation_figure(a: dict, key: str, *, large: bool = False) -> None:
    """Redraw a stored analysis's explanation as it was shown: an image over its own picture, audio tiles
    over the spectrogram, a note's highlighted words, a records waterfall."""
    expl: Explanation = a["explanation"]
    picture_missing = []

    def picture():  # asked for by the image renderer only
        image = _stored_picture(a["input_sha256"], a["input_name"], analysed_frame(expl))
        if image is None:
            picture_missing.append(True)
        return image

    try:
        # a waterfall's ends as on the analysis page: never rounded across a risk band boundary ("this patient: 20%"
        # was drawn beside a headline of 19.7%, band low), "<0.1%" where "0%" was written
        figure = render.figure(expl, render.Context(picture=picture, percent=page_percent(a, expl)))
        if picture_missing:
            st.caption("The stored input could not be read: the map is shown on its own.")
    except render.NoRenderer:  # a kind with no interactive renderer: the stored picture of it
        st.image(explanation_png(expl), caption=expl.method)
        return
    except Exception:  # a renderer bug must not hide the analysis from the meeting, nor hide itself
        log.exception("renderer for %s explanations failed on analysis %s", expl.kind, a.get("id"))
        st.image(explanation_png(expl), caption=f"{expl.method} (static picture: the interactive figure failed "
                                                 "and was logged)")
        return
    if isinstance(figure, str):  # renderers return escaped HTML for text: a note, as its page shows it
        # Meeting mode's projector type, as the rest of the analysis (the note stayed at 14 px: a review)
        st.html(f'<div style="font-size:{"1.5rem" if large else "1rem"}">{figure}</div>')
        if expl.kind == "text":  # and its chart of the words that moved the probability, as on the notes page
            st.plotly_chart(_legible(top_words(expl), large), width="stretch", key=f"words_{key}")
    else:
        if large and expl.kind == "image":
            figure.update_layout(height=max(figure.layout.height or 0, 640))
        st.plotly_chart(_legible(figure, large), width="stretch", key=f"fig_{key}")
        if expl.kind in ("image", "audio"):  # a map or tiles in words too, as the reports give them: for a screen
            # reader, a colour-blind reader, and the tiles' direction, which Cases and Meeting mode did not list
            st.caption(literal(f"{contributions_heading(a)}: {contributions_text(a)}."))


def _legible(figure, large: bool):
    """Meeting mode: type legible from the back of the room. Ticks, legends, bar and curve labels stayed at 11-12
    px while the text around them was enlarged (a review at 1920x1080)."""
    if large:
        # titles by name too: Streamlit's chart theme sets their sizes, which a figure-wide font does not override
        figure.update_layout(font_size=18, legend_font_size=16, title_font_size=22)
        figure.update_xaxes(tickfont_size=16, title_font_size=18)
        figure.update_yaxes(tickfont_size=16, title_font_size=18)
        figure.update_annotations(font_size=20)  # subplot titles ("Original") are annotations too
        figure.update_traces(textfont_size=16, selector={"type": "bar"})
        legend = figure.layout.legend
        if legend.orientation == "h" and legend.y is not None and legend.y < 0:
            # a legend under the plot hangs from the figure's foot, below the larger ticks and axis title it
            # was drawn over ("days since baseline" over the survival curve's legend: an accessibility re-check)
            entries = sum(1 for t in figure.data if t.showlegend is not False and t.name)
            rows = -(-entries // 2)  # two to a row, as a projector's width holds them
            figure.update_layout(legend={"yref": "container", "y": 0, "yanchor": "bottom"},
                                 margin_b=max(figure.layout.margin.b or 0, 100 + 26 * rows),
                                 height=(figure.layout.height or 450) + 26 * rows + 40)
        if any(t.type == "waterfall" for t in figure.data):  # room for the larger values beside the bars' ends,
            figure.update_traces(textfont_size=16, selector={"type": "waterfall"})  # and for names on two lines
            lo, hi = figure.layout.xaxis.range or (None, None)
            if lo is not None:
                extra = 0.12 * (hi - lo)
                figure.update_xaxes(range=[lo - extra, hi + extra])
            figure.update_layout(height=int((figure.layout.height or 400) * 1.15))
    # every page's titles wrap, Meeting mode's larger ones sooner: at 1024x768 Cases cut "...toward 'pneum"
    wrap_titles(figure, 48 if large else 64, 36 if large else 56)
    return figure


def analysis_view(a: dict, *, key: str, hide_identifiers: bool = False, large: bool = False,
                  number: tuple[int, int] | None = None) -> None:
    """`number`: (its place in the case, how many the case holds), for the heading "Analysis 2 of 3". The record's
    own number (#5) was the heading and was read as a count (a clinician's review); it is in the caption, where the
    erasure notes and the audit trail name it."""
    pred = a["prediction"]
    # the model as the analysis pages name it, then its id and version ("heart-sound v1.1.0" alone: a review)
    st.subheader(analysis_heading(a, number))
    meta = f"record #{a['id']} · by {literal(a['author'])} on {a['created_at']:%Y-%m-%d %H:%M} UTC"
    if (part := part_analysed(a)) is not None:  # the frame, the sample or the cohort row analysed
        meta = f"{literal(part)} · " + meta
    if not hide_identifiers:
        meta = f"input: {literal(input_label(a['input_name']))} · " + meta
    if not large:  # the code that made it, for whoever traces a result; not for the back of a meeting room
        meta += f" · {build_words(a.get('app_version'))}"
    st.caption(meta)
    if (changed := card_change_note(a)) is not None:
        st.caption(changed)
    if a.get("other_patient_id"):
        st.warning(other_patient_text(a), icon=":material/warning:")
    # Meeting mode: an image and its map take the whole width under the output (in the right two thirds each
    # picture was about 230 px wide, too small for a projector), and so do a record's and a profile's bars (their
    # labels took half of the two thirds, and the bars were thin lines from the back of the room: a review)
    expl = a["explanation"]
    wide = large and expl is not None and expl.kind in ("image", "tabular", "genomics")
    # keyed: READABLE_STYLE (ui/common.py) lets the explanation's column move under the output on a narrow screen
    left, right = (st.container(), st.container()) if wide else \
        st.container(key=f"analysis_columns_{key}").columns([1, 2])
    with left:
        # Written out, not st.metric: a metric cuts a long class name ("mitral valve prol...").
        # Meeting mode's headline shrinks with the screen (a third of 690 px at 1024x768 broke "regurgitatio / n")
        size = "clamp(2rem, 3.2vw, 2.4rem)" if large else "1.7rem"
        # An input the model does not fit (a lung sound for the heart model) was saved for the input, not for
        # the model's output: no headline, no probabilities; the warnings below say why.
        assessed = pred.fits
        risk = _risk_headline(a, pred) if assessed else None
        if risk is not None:  # records and time to event: the page's headline, "Probability of diabetes 16%"
            headline_of, colour = risk
            st.caption(headline_of.what)
            headline = headline_of.value
        else:
            st.caption("Model output")
            headline = display_label(a, a["label"]) if assessed else not_assessed(a)
        st.html(f'<div lang="en" style="font-size:{size};line-height:1.2;hyphens:auto;overflow-wrap:break-word;'
                f'white-space:normal">{escape(headline)}</div>')
        if (untested := untested_ages_note(a["prediction"])) is not None:  # as the imaging page said it beside the finding
            st.caption(untested)
        if (close := stored_close_call(a)) is not None:  # as the notes page said it beside the headline
            st.caption(close_call_markdown(close))
        if risk is not None:
            # a risk group's words in plain bold: a badge does not wrap, and "lowest third of the training patients"
            # was cut in a narrow column (a review); an absolute band's one word keeps its colour
            band = ("" if not headline_of.band else f"Risk group: **{headline_of.band}**  \n"
                    if headline_of.band_kind == "Risk group" else
                    f"{headline_of.band_kind}: :{colour}-badge[{headline_of.band}]  \n")
            st.markdown(f"{band}Model label: **{display_label(a, a['label'])}**")
        # not for a time-to-event analysis: its two outcomes at one decimal ("41.5%") beside the headline's "42%" said
        # one number twice in two precisions; its horizon table below gives each horizon as the headline does
        if assessed and pred.survival is None:
            top = sorted(pred.as_dict().items(), key=lambda kv: -kv[1])[:5]
            st.markdown("\n".join(f"- {display_label(a, label)}: **{listed_percent(pred, p)}**"
                                   for label, p in top))
        decision = decision_text(a)
        if decision:
            st.caption(decision)
        if assessed and pred.survival is not None:  # as the survival panel gives it: risk score and every horizon
            curve = pred.survival
            st.markdown(f"Risk score: **{curve.risk_score:+.2f}** (log relative hazard; higher means an earlier "
                        f"{curve.event})")
            # a static table: it takes the meeting's large type (a data grid kept 13 px) and its cells wrap in a
            # narrow column (a grid cut the band to its lower bound at 1024 px: a review)
            st.table(pd.DataFrame(horizon_rows(curve)).set_index("by"))
        for w in pred.warnings:
            st.warning(w, icon=":material/warning:")
        for v in a["verdicts"]:
            icon = {"agree": ":material/check_circle:", "disagree": ":material/cancel:"}.get(v["verdict"], ":material/help:")
            st.markdown(f"{icon} **{literal(v['reviewer'])}**: {v['verdict']}"
                        + (f" · final diagnosis: {literal(v['final_diagnosis'])}" if v["final_diagnosis"] else "")
                        + (f"  \n_{literal(v['comment'])}_" if v["comment"] else ""))
    with right:
        if a["modality"] == "audio":  # the meeting listens to what the model heard (the stored, de-identified file)
            recording = get_store().input_bytes(a["input_sha256"])
            if recording:
                st.audio(recording)
        if pred.survival is not None:  # time-to-event analyses keep their survival curve
            st.plotly_chart(_legible(curve_figure(pred.survival), large), width="stretch", key=f"curve_{key}")
        recording = stored_recording(pred)
        if a["explanation"] is not None and not pred.fits:
            # not a finding: collapsed, as on the analysis page (a re-check found the map of a photograph "toward
            # 'pneumonia'" open at full size on the projector); an image stays in view as received
            expl = a["explanation"]
            if expl.kind == "image":
                image = _stored_picture(a["input_sha256"], a["input_name"], analysed_frame(expl))
                if image is not None:
                    st.image(image, clamp=True, width="stretch",
                             caption="The image as received; the model's output for it is below, not a finding.")
            with st.expander("Model output for this input (not a finding)"):
                explanation_figure(a, key, large=large)
        elif a["explanation"] is not None:
            explanation_figure(a, key, large=large)
            over = over_time_figure(a["explanation"]) if pred.survival is not None else None
            if over is not None:  # the survival panel's second chart, under the risk score's bars
                st.plotly_chart(_legible(over, large), width="stretch", key=f"sot_{key}")
            if given := submitted_values(a):  # the bars name the ten largest; a reviewer asked for the rest
                with st.expander(values_heading(a), key=f"given_{key}"):
                    st.table(pd.DataFrame(given, columns=["input", "value"]).set_index("input"))
        elif recording is not None:  # a recording saved as not assessed: the waveform and cycles the page drew
            from ..render.audio import recording_figure

            st.plotly_chart(_legible(recording_figure(**recording), large), width="stretch", key=f"rec_{key}")
            cycles_table(recording, key=f"cycles_{key}", large=large)  # as the audio page listed them
            st.caption("Saved without an explanation: the model did not assess this recording.")
        elif a["modality"] == "notes":  # a note saved as not assessed: the text reviewers judge, plain
            note = unexplained_note(a, get_store().input_bytes(a["input_sha256"]))
            st.markdown(f"**{UNEXPLAINED_NOTE_HEADING}**")
            size = "1.5rem" if large else "1rem"  # Meeting mode's projector type, as the rest of the analysis
            st.html(f'<div style="white-space:pre-wrap;font-size:{size}">'
                    f'{escape(note or "(the stored note could not be read)")}</div>')
        else:
            st.caption("Saved without an explanation.")


def _risk_headline(a: dict, pred) -> tuple[Headline, str] | None:
    """The headline of a stored records or time-to-event analysis, worded as on its analysis page and in the
    reports (reports.content.risk_headline), and its badge colour; None for other models."""
    risk = risk_headline(a, pred)
    if risk is None:
        return None
    if risk.band_kind != "Risk band":  # a group relative to the training patients is not an absolute risk
        return risk, "gray"
    return risk, band_colour(card_of(a).risk_bands, risk.band)
