"""A stored analysis redraws as it was shown: image under its heatmap, audio with axes, note with highlights.

Before: a saved image analysis was redrawn over a flat grey square on Cases, in Meeting mode and in
both reports (only the heatmap), the audio figure in the PDF had no axes and a cut-off colour-bar label.
"""
from __future__ import annotations

import io
import re

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from medapp.analysis import analyse
from medapp.cases.blobs import BlobStore
from medapp.cases.store import CaseStore
from medapp.modalities.imaging.io import decode
from medapp.registry import data_root, load_model
from medapp.render.image import heatmap
from medapp.render.stored import display_label, stored_image
from medapp.reports import case_html, case_pdf
from medapp.reports.figures import audio_figure, image_figure, image_png

CLIN = {"username": "carla", "role": "clinician"}
REV = {"username": "rui", "role": "reviewer"}


@pytest.fixture(scope="module")
def chest():
    raw = (data_root() / "dicom" / "CR-MONO1-10-chest.dcm").read_bytes()
    model = load_model("chest-xray-pneumonia")
    result = analyse(model, decode(raw, "chest.dcm")[0])
    return model.card, result, raw


@pytest.fixture
def store(tmp_path):
    return CaseStore(f"sqlite:///{tmp_path / 'm.db'}", BlobStore(tmp_path / "blobs"))


def test_saved_image_redraws_over_its_own_picture(store, chest):
    card, result, raw = chest
    case_id = store.create_case("IMG-1", CLIN)
    store.add_analysis(case_id, CLIN, card=card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=raw, input_name="SMITH_JOHN.dcm")
    [a] = store.case_detail(case_id, CLIN, log_view=False)["analyses"]
    image = stored_image(store.input_bytes(a["input_sha256"]), a["input_name"])  # the de-identified DICOM's pixels
    assert image is not None and image.std() > 0.05  # a radiograph, not a flat square
    fig = heatmap(image, a["explanation"])
    assert np.asarray(fig.data[0].z).std() > 0.05 and np.asarray(fig.data[2].z).std() > 0  # original, then map

    # colour range at the 99th percentile of the map, not its few extreme pixels (which washed it out to white)
    shown_map = np.abs(np.asarray(fig.data[2].z))
    assert fig.data[2].zmax == pytest.approx(np.percentile(shown_map, 99))
    assert fig.data[2].zmax < shown_map.max() / 2
    bar = fig.data[2].colorbar
    # the limit written out like the ticks beside it, at the title's size (it read "±3.7e-03" in 8 px type)
    assert re.search(r"<br>full colour beyond ±0\.\d+$", bar.title.text) and "<sup>" not in bar.title.text
    assert bar.exponentformat == "none"
    # under the images, across, and the two panel titles of two lines each: beside them the bar took a fifth of the
    # width (images about 220 px in a page column) and "Original" sat lower than its neighbour (a review)
    assert bar.orientation == "h" and bar.yanchor == "top"
    assert all(a.text.count("<br>") == 1 for a in fig.layout.annotations[:2])

    # the report's bar writes its limit out as the page does (it read "1e-5" over ticks of ±4, a review)
    report = image_figure(a["explanation"], image)
    report_bar = report.axes[-1]
    report.canvas.draw()
    assert re.search(r"full colour beyond ±0\.\d+$", " ".join(report_bar.get_ylabel().split()))  # on lines
    assert report_bar.yaxis.get_offset_text().get_text() == ""
    assert not any("e" in t.get_text() for t in report_bar.get_yticklabels())
    plt.close(report)
    png = Image.open(io.BytesIO(image_png(a["explanation"], image))).convert("L")
    left = np.asarray(png)[:, : png.width // 2].astype(float)
    assert left.std() > 20  # the report's "Original" panel shows the radiograph

    store.set_verdict(a["id"], REV, "disagree", "atelectasis", "see left base")
    detail = store.case_detail(case_id, CLIN, log_view=False)
    inputs = {a["id"]: store.input_bytes(a["input_sha256"])}
    pdf = PdfReader(io.BytesIO(case_pdf(detail, by="rui", inputs=inputs)))
    page_of = {n: i for i, p in enumerate(pdf.pages) for n in ("Analysis 1 of 1", "Reviewer rui")
               if n in re.sub(r"\s+", " ", p.extract_text())}
    assert page_of["Analysis 1 of 1"] == page_of["Reviewer rui"]  # the verdict stays with its analysis
    assert sum(len(p.images) for p in pdf.pages) == 1
    html = case_html(detail, by="rui", inputs=inputs)
    assert html.count("data:image/png;base64,") == 1 and "atelectasis" in html
    # counted in the case as the pages count it; the record's number (read as a count when it headed it) after
    assert "<h2>Analysis 1 of 1 · " in html and f"<p>Record #{a['id']}. Input: " in html


def test_audio_report_figure_has_axes_and_a_whole_colour_bar_label():
    model = load_model("heart-sound")
    x = model.example_input()
    expl = analyse(model, x).explanation
    fig = audio_figure(expl)
    spectrogram = fig.axes[1]
    assert spectrogram.get_xlabel() == "time (s)" and spectrogram.get_ylabel() == "frequency (Hz)"
    assert [t.get_text() for t in spectrogram.get_yticklabels()][:2] == ["25", "50"] or spectrogram.get_yticks().size
    fig.canvas.draw()
    frame = fig.bbox
    bar = fig.axes[-1]
    label = bar.yaxis.label.get_window_extent()
    assert bar.yaxis.label.get_text().startswith("SHAP")
    assert frame.x0 <= label.x0 and label.x1 <= frame.x1  # not cut off at the page edge


def test_note_report_has_the_deidentified_text_with_highlights(store):
    model = load_model("symptom-disease")
    from medapp.modalities.notes.model import NoteInput

    x = NoteInput.from_text("Patient John Smith has a red itchy rash on both arms and mild fever for 3 days.", "n")
    result = analyse(model, x)
    case_id = store.create_case("NOTE-1", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=x.text.encode(), input_name="note.txt")
    detail = store.case_detail(case_id, CLIN, log_view=False)
    html = case_html(detail, by="carla")
    note = html[html.index("<div class='note'>"):]
    assert "red itchy rash" in re.sub(r"<[^>]+>", "", note) and "rgba(192,57,43," in note  # words on their colours
    assert "John" not in html and "[NAME]" in re.sub(r"<[^>]+>", "", note)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(case_pdf(detail, by="carla"))).pages)
    assert "De-identified note" in text and "rash" in text and "John" not in text


def test_display_labels_come_from_the_card():
    assert display_label("heart-sound", "mitral_valve_prolapse") == "mitral valve prolapse"
    assert display_label("kidney-disease", "ckd") == "chronic kidney disease"
    assert display_label("no-such-model", "a_b") == "a b"


def test_the_reports_colour_scale_is_the_pages_for_a_large_radiograph():
    """A re-check: above 512 px the report had its own blocks, so an 1800x1500 radiograph's map read "full colour
    beyond ±0.00051" where the page said ±0.00029."""
    model = load_model("chest-xray-pneumonia")
    small = decode((data_root() / "imaging/kermany_cxr224/train/NORMAL/IM-0115-0001.jpeg").read_bytes(), "c.jpeg")[0]
    big = np.asarray(Image.fromarray((small.grey * 255).astype(np.uint8)).resize((1800, 1500))) / 255.0
    expl = analyse(model, decode(_png_bytes(big), "big.png")[0]).explanation
    page_bar = heatmap(big, expl).data[2].colorbar.title.text
    report = image_figure(expl, big)
    label = " ".join(report.axes[-1].get_ylabel().split())  # wrapped to the bar's length
    plt.close(report)
    page_limit = re.search(r"full colour beyond ±([\d.]+)", page_bar).group(1)
    assert label.endswith(f"full colour beyond ±{page_limit}") and "per 3x3 pixel block" in label


def _png_bytes(grey: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray((grey * 255).astype(np.uint8)).save(buf, "PNG")
    return buf.getvalue()
