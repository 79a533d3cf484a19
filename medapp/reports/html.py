"""A case as one self-contained HTML file: every figure embedded as a data URI, all text escaped."""
from __future__ import annotations

import base64
from html import escape

from ..build import build_words
from ..render.stored import part_analysed
from ..render.text import highlighted_html
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
    submitted_values,
    survival_text,
    unexplained_note,
    untested_ages_note,
    values_heading,
    verdict_when,
)
from .figures import analysis_png, over_time_png

STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222;line-height:1.45}
h1{font-size:1.6rem} h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.meta{color:#555} .disclaimer{background:#fff4e5;border-left:4px solid #e67e22;padding:.6rem 1rem}
table{border-collapse:collapse} td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}
img{max-width:100%} .warn{color:#a04000}
.note{border:1px solid #ddd;padding:.5rem .8rem;margin:.4rem 0}
"""


def case_html(detail: dict, *, by: str, inputs: dict[int, bytes | None] | None = None) -> str:
    """`inputs`: each analysis's stored input by analysis id, so an image is drawn under its heatmap."""
    e = escape
    inputs = inputs or {}
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Case {e(detail['reference'])}</title>",
             f"<style>{STYLE}</style></head><body>",
             f"<h1>Case {e(detail['reference'])}</h1>",
             f"<p class='meta'>{e(header_line(detail, by))}</p>",
             f"<p class='disclaimer'>{e(DISCLAIMER)}</p>"]
    count = len(detail["analyses"])
    for n, a in enumerate(detail["analyses"], 1):  # counted in the case, as the pages count it
        parts.append(f"<h2>{e(analysis_heading(a, (n, count)))} ({e(a['modality'])})</h2>")
        part = part_analysed(a)
        parts.append(f"<p>Record #{a['id']}. Input: {e(input_label(a['input_name']))}{f', {e(part)}' if part else ''} (sha256 {a['input_sha256'][:12]}...) · by {e(a['author'])} on "
                     f"{a['created_at']:%Y-%m-%d %H:%M} UTC · {e(build_words(a.get('app_version')))}</p>")
        if changed := card_change_note(a):
            parts.append(f"<p class='meta'>{e(changed)}</p>")
        parts.append(f"<p><b>Model output:</b> {e(output_text(a))}</p>")
        if close := stored_close_call(a):
            parts.append(f"<p class='warn'>{e(close)}</p>")
        if untested := untested_ages_note(a["prediction"]):
            parts.append(f"<p class='meta'>{e(untested)}</p>")
        if decision := decision_text(a):
            parts.append(f"<p class='meta'>{e(decision)}</p>")
        for w in report_warnings(a):
            parts.append(f"<p class='warn'>Warning: {e(w)}</p>")
        if a["prediction"].survival is not None:
            from ..render.survival import curve_png

            parts.append(f"<p>{e(survival_text(a))}</p>")
            curve = base64.b64encode(curve_png(a["prediction"].survival)).decode()
            parts.append(f"<img alt='survival curve' src='data:image/png;base64,{curve}'>")
        heading, use = intended_use_line(a)
        parts.append(f"<p><b>{e(heading)}:</b> {e(use)}</p>")
        if a["explanation"] is not None:
            expl = a["explanation"]
            parts.append(f"<p><b>{e(contributions_heading(a))}</b> ({e(listed_method(expl))}, "
                         f"{e(expl.output_space)}): {e(contributions_text(a))}</p>")
            if pairs := submitted_values(a):  # every value, not only the waterfall's ten largest
                parts.append(f"<p><b>{e(values_heading(a))}</b></p><table>"
                             + "".join(f"<tr><td>{e(n)}</td><td>{e(v)}</td></tr>" for n, v in pairs) + "</table>")
            if expl.kind == "text":  # the de-identified note itself, each word on its contribution's colour
                parts.append("<p><b>De-identified note, coloured by each word's effect</b></p>")
                parts.append(f"<div class='note'>{highlighted_html(expl)}</div>")
            png = base64.b64encode(analysis_png(a, inputs.get(a["id"]))).decode()
            parts.append(f"<img alt='explanation of analysis {a['id']}' src='data:image/png;base64,{png}'>")
            if a["prediction"].survival is not None and (over := over_time_png(expl)) is not None:
                parts.append(f"<img alt='contributions over time of analysis {a['id']}' "
                             f"src='data:image/png;base64,{base64.b64encode(over).decode()}'>")
        elif (note := unexplained_note(a, inputs.get(a["id"]))) is not None:  # a note saved as not assessed
            parts.append(f"<p><b>{e(UNEXPLAINED_NOTE_HEADING)}</b></p><div class='note'>{e(note)}</div>")
        elif (png := analysis_png(a, inputs.get(a["id"]))) is not None:  # a recording saved as not assessed
            parts.append(f"<img alt='recording of analysis {a['id']} (not assessed)' "
                         f"src='data:image/png;base64,{base64.b64encode(png).decode()}'>")
            if cycles := cycle_lines(a):  # as the audio page listed them
                summary, lines = cycles
                parts.append(f"<p><b>{e(summary)}</b></p><ul class='cycles'>"
                             + "".join(f"<li>{e(line)}</li>" for line in lines) + "</ul>")
        if a["modality"] == "audio" and (sound := inputs.get(a["id"])):  # to listen to, as on Cases (a review)
            kind = "flac" if sound[:4] == b"fLaC" else "wav"  # stored re-encoded as FLAC
            parts.append(f"<p><audio controls preload='none' aria-label='recording of analysis {a['id']}' "
                         f"src='data:audio/{kind};base64,{base64.b64encode(sound).decode()}'></audio></p>")
        if a["verdicts"]:
            parts.append("<table><tr><th>reviewer</th><th>verdict</th><th>final diagnosis</th><th>comment</th>"
                         "<th>recorded</th></tr>")
            for v in a["verdicts"]:
                parts.append(f"<tr><td>{e(v['reviewer'])}</td><td>{e(v['verdict'])}</td>"
                             f"<td>{e(v['final_diagnosis'])}</td><td>{e(v['comment'])}</td>"
                             f"<td>{e(verdict_when(v))}</td></tr>")
            parts.append("</table>")
        else:
            parts.append("<p class='meta'>No reviewer verdict yet.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)
