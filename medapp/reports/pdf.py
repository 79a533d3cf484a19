"""A case as PDF (fpdf2), with the DejaVu font so names and units outside Latin-1 print correctly.

Each analysis (heading, output, verdicts, figure) starts on a new page when it would not fit on the
current one, so a verdict is never printed a page away from the analysis it judges.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import NamedTuple

import numpy as np
from fpdf import FPDF

from ..build import build_words
from ..render.stored import part_analysed
from ..render.text import AWAY, TOWARD
from .content import (
    DISCLAIMER,
    UNEXPLAINED_NOTE_HEADING,
    analysis_heading,
    card_change_note,
    contributions_heading,
    contributions_text,
    cycle_lines,
    decision_text,
    header_line,
    input_label,
    intended_use_line,
    listed_method,
    output_text,
    report_warnings,
    stored_close_call,
    submitted_values_text,
    survival_text,
    unexplained_note,
    untested_ages_note,
    verdict_when,
)
from .figures import analysis_png, over_time_png

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class _Report(FPDF):
    def __init__(self, reference: str):
        super().__init__(format="A4")
        self.reference = reference
        if (FONT_DIR / "DejaVuSans.ttf").exists():
            self.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
            self.family_name = "body"
        else:  # core font: fpdf2 replaces characters it cannot encode
            self.family_name = "helvetica"
        self.set_auto_page_break(True, margin=15)
        self.continuing: str | None = None  # the analysis being drawn, named atop a page it runs onto

    def header(self) -> None:
        # a page of charts said nothing of whose they were: only the footer
        if self.continuing and self.page_no() > 1:
            self.set_font(self.family_name, "B", 9)
            self.cell(0, 5, f"{self.continuing} (continued)", new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 7)
        self.cell(0, 5, f"medapp case {self.reference} · demonstration models, not a medical device · page {self.page_no()}",
                  align="C")


def _para(pdf: FPDF, text: str, size: float = 10, style: str = "", gap: float = 1.5) -> None:
    pdf.set_font(pdf.family_name, style, size)
    pdf.multi_cell(pdf.w - pdf.l_margin - pdf.r_margin, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(gap)


def _highlighted_note(pdf: FPDF, expl, size: float = 9) -> None:
    """The de-identified note word by word, each on a background of its contribution's colour (as on screen)."""
    tokens = (expl.data or {}).get("tokens") or list(expl.feature_names or [])
    values = np.asarray(expl.values, dtype=float)
    lim = float(np.abs(values).max()) or 1.0
    pdf.set_font(pdf.family_name, "", size)
    height, right = size * 0.55, pdf.w - pdf.r_margin
    pdf.set_x(pdf.l_margin)
    for token, value in zip(tokens, values):
        strength = min(1.0, abs(float(value)) / lim) * 0.85
        rgb = TOWARD if value > 0 else AWAY
        pdf.set_fill_color(*(int(round(255 - strength * (255 - c))) for c in rgb))
        for piece in re.split(r"(\n|\s+)", str(token)):
            if piece == "":
                continue
            if "\n" in piece:
                pdf.ln(height)
                continue
            width = pdf.get_string_width(piece)
            if pdf.get_x() + width > right:
                pdf.ln(height)
                if piece.isspace():
                    continue
            pdf.cell(width, height, piece, fill=strength > 0.04 and not piece.isspace())
    pdf.ln(height + 2)


class _Figures(NamedTuple):
    """An analysis's pictures, drawn once: the layout trials below lay an analysis out up to three times."""

    curve: bytes | None  # time to event: the survival curve
    explanation: bytes | None  # the explanation figure, or a recording saved as not assessed
    over_time: bytes | None = None  # time to event: contributions to the probability of the event by horizon
    note: str | None = None  # a note saved as not assessed: its de-identified text


def _figures(a: dict, input_bytes: bytes | None) -> _Figures:
    from ..render.survival import curve_png

    survival, expl = a["prediction"].survival, a["explanation"]
    return _Figures(curve_png(survival) if survival is not None else None, analysis_png(a, input_bytes),
                    over_time_png(expl) if survival is not None and expl is not None else None,
                    unexplained_note(a, input_bytes))


def _analysis(pdf: FPDF, a: dict, figures: _Figures) -> None:
    pdf.continuing = a["heading"].split(" · ")[0] + f": {a['model_id']}"  # "Analysis 2 of 3: heart-failure"
    _analysis_head(pdf, a, figures)
    _analysis_body(pdf, a, figures)


def _analysis_head(pdf: FPDF, a: dict, figures: _Figures) -> None:
    """What the analysis said and what the reviewers said of it: never split from each other."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    _para(pdf, f"{a['heading']} ({a['modality']})", 13, "B", 1)
    part = part_analysed(a)
    _para(pdf, f"Record #{a['id']}. Input: {input_label(a['input_name'])}{f', {part}' if part else ''} "
               f"(sha256 {a['input_sha256'][:12]}...), by "
               f"{a['author']} on {a['created_at']:%Y-%m-%d %H:%M} UTC; {build_words(a.get('app_version'))}.", 9)
    if changed := card_change_note(a):
        _para(pdf, changed, 9)
    _para(pdf, f"Model output: {output_text(a)}", 10, "B")
    if close := stored_close_call(a):
        _para(pdf, close, 9.5, "B")
    if untested := untested_ages_note(a["prediction"]):
        _para(pdf, untested, 9)
    if decision := decision_text(a):
        _para(pdf, decision, 9)
    for w in report_warnings(a):
        _para(pdf, f"Warning: {w}", 9)
    if figures.curve is not None:
        _para(pdf, survival_text(a), 9.5)
        pdf.image(io.BytesIO(figures.curve), w=min(width, 160))
        pdf.ln(2)
    if a["verdicts"]:
        for v in a["verdicts"]:
            # no "Final diagnosis: -." when the reviewer gave none
            diagnosis = f" Final diagnosis: {v['final_diagnosis']}." if v["final_diagnosis"] else ""
            when = f" ({verdict_when(v)})" if verdict_when(v) else ""
            _para(pdf, f"Reviewer {v['reviewer']}{when}: {v['verdict']}.{diagnosis} {v['comment']}".rstrip(), 9.5,
                  "B" if v["verdict"] == "disagree" else "")
    else:
        _para(pdf, "No reviewer verdict yet.", 9)


def _analysis_body(pdf: FPDF, a: dict, figures: _Figures) -> None:
    width = pdf.w - pdf.l_margin - pdf.r_margin
    heading, use = intended_use_line(a)
    _para(pdf, f"{heading}: {use}", 9)
    expl = a["explanation"]
    if expl is not None:
        _para(pdf, f"{contributions_heading(a)} ({listed_method(expl)}, {expl.output_space}): "
                   f"{contributions_text(a)}", 9)
        if given := submitted_values_text(a):
            _para(pdf, given, 9)
        if expl.kind == "text":
            _para(pdf, "De-identified note, coloured by each word's effect (red toward, blue away):", 9, "B", 0.5)
            _highlighted_note(pdf, expl)
    elif figures.note is not None:
        _para(pdf, UNEXPLAINED_NOTE_HEADING + ":", 9, "B", 0.5)
        _para(pdf, figures.note, 9)
    if figures.explanation is not None:
        pdf.image(io.BytesIO(figures.explanation), w=min(width, 170))
    if cycles := cycle_lines(a):  # under the recording, as the page listed them
        summary, lines = cycles
        _para(pdf, summary + ".", 9, "B", 0.5)
        _para(pdf, "; ".join(lines) + ".", 8.5)
    if figures.over_time is not None:  # as on the analysis page, under the risk score's bars
        pdf.image(io.BytesIO(figures.over_time), w=min(width, 170))
    pdf.ln(4)


def case_pdf(detail: dict, *, by: str, inputs: dict[int, bytes | None] | None = None) -> bytes:
    """`inputs`: each analysis's stored input by analysis id, so an image is drawn under its heatmap."""
    inputs = inputs or {}
    pdf = _Report(detail["reference"])
    pdf.add_page()
    _para(pdf, f"Case {detail['reference']}", 18, "B")
    _para(pdf, header_line(detail, by), 9)
    _para(pdf, DISCLAIMER, 8.5)
    count = len(detail["analyses"])
    for n, a in enumerate(detail["analyses"], 1):
        a = {**a, "heading": analysis_heading(a, (n, count))}  # counted in the case, as the pages count it
        figures = _figures(a, inputs.get(a["id"]))
        pdf.continuing = None  # a page this analysis starts on is not a continued one
        if pdf.get_y() > pdf.t_margin + 1 and _starts_on_a_new_page(pdf, a, figures, detail["reference"]):
            pdf.add_page()
        _analysis(pdf, a, figures)
    return bytes(pdf.output())


def _starts_on_a_new_page(pdf: FPDF, a: dict, figures: _Figures, reference: str) -> bool:
    """An analysis that would run onto the next page starts on a new one when it then reads in one piece, so its
    figure stays under its heading (a heatmap was pushed to the top of the next page, above the next analysis's
    heading, when more than half a page was left); one longer than a page starts here as long as its head
    (output, warnings, verdicts) fits: moving it would leave a blank page (a note's analysis left page 1 empty)."""
    with pdf.offset_rendering() as trial:
        _analysis(trial, a, figures)
    if not trial.page_break_triggered:
        return False
    alone = _Report(reference)
    alone.add_page()
    _analysis(alone, a, figures)
    if alone.page_no() == 1:
        return True
    with pdf.offset_rendering() as head:
        _analysis_head(head, a, figures)
    return head.page_break_triggered
