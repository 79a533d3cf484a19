"""A case as PDF (fpdf2), with the DejaVu font so names and units outside Latin-1 print correctly."""
from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF

from .content import DISCLAIMER, contributions_text, header_line, intended_use, probability_text, survival_text
from .figures import explanation_png

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

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 7)
        self.cell(0, 5, f"medapp case {self.reference} · demonstration models, not a medical device · page {self.page_no()}",
                  align="C")


def case_pdf(detail: dict, *, by: str) -> bytes:
    pdf = _Report(detail["reference"])
    pdf.add_page()
    font = pdf.family_name
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: float = 10, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font(font, style, size)
        pdf.multi_cell(width, size * 0.5, text)
        pdf.ln(gap)

    para(f"Case {detail['reference']}", 18, "B")
    para(header_line(detail, by), 9)
    para(DISCLAIMER, 8.5)
    for a in detail["analyses"]:
        para(f"Analysis #{a['id']}: {a['model_id']} v{a['model_version']} ({a['modality']})", 13, "B", 1)
        para(f"Input {a['input_name']} (sha256 {a['input_sha256'][:12]}...), by {a['author']} on "
             f"{a['created_at']:%Y-%m-%d %H:%M}.", 9)
        para(f"Model output: {a['label']} ({probability_text(a)})", 10, "B")
        for w in a["prediction"].warnings:
            para(f"Warning: {w}", 9)
        if a["prediction"].survival is not None:
            from ..render.survival import curve_png

            para(survival_text(a), 9.5)
            pdf.image(io.BytesIO(curve_png(a["prediction"].survival)), w=min(width, 160))
            pdf.ln(2)
        para(f"Intended use of this model: {intended_use(a['model_id'])}", 9)
        if a["explanation"] is not None:
            expl = a["explanation"]
            para(f"Largest contributions toward '{expl.target}' ({expl.method}, {expl.output_space}): "
                 f"{contributions_text(a)}", 9)
            pdf.image(io.BytesIO(explanation_png(a["explanation"])), w=min(width, 160))
            pdf.ln(2)
        if a["verdicts"]:
            for v in a["verdicts"]:
                para(f"Reviewer {v['reviewer']}: {v['verdict']}. Final diagnosis: {v['final_diagnosis'] or '-'}. "
                     f"{v['comment']}", 9.5)
        else:
            para("No reviewer verdict yet.", 9)
    return bytes(pdf.output())
