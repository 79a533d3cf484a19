"""AppTest: the imaging page takes DICOM and pictures, shows the finding, heatmap and metadata."""
from __future__ import annotations

import json
import re
from pathlib import Path

from pydicom.data import get_testdata_file
from streamlit.testing.v1 import AppTest

from medapp.ui.imaging import MAP_TITLE_WIDTH

REPO = Path(__file__).resolve().parents[2]


def imaging_page() -> AppTest:
    at = AppTest.from_file(str(REPO / "pages/imaging.py"), default_timeout=120)
    at.session_state["medapp_user"] = {"username": "tester", "role": "clinician"}
    return at.run()


def test_dicom_upload_shows_finding_heatmap_metadata_and_deid_download():
    from medapp.registry import data_root

    at = imaging_page()
    assert at.selectbox(key="imaging_model").value.startswith("Automatic")
    # each model's task on its own line (they ran together in one paragraph)
    [tasks] = [c.value for c in at.caption if c.value.startswith("Each image goes to the model it fits:")]
    assert tasks.count("\n- **") == 2 and " · " not in tasks
    bus = (data_root() / "imaging/busi/malignant/malignant (5).png").read_bytes()
    at.file_uploader(key="imaging_upload").set_value([("us.png", bus, "image/png")]).run()
    assert not at.exception
    assert any("Model chosen for this image: Breast ultrasound" in i.value for i in at.info)
    assert at.subheader[0].value in ("malignant", "benign", "normal")
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Toward (red)" in s and "SHAP per pixel" in s for s in charts)
    # the map's title on lines that fit its column at 1024 px: on one line it was cut at "...what moved the m"
    [layout] = [json.loads(s)["layout"] for s in charts if "SHAP per pixel" in s]
    lines = layout["title"]["text"].split("<br>")
    assert len(lines) >= 2 and all(len(line) <= MAP_TITLE_WIDTH for line in lines), lines
    assert "what moved the model toward" in " ".join(lines)
    assert any("strongest point fell on the lesion" in c.value for c in at.caption)
    # the map in words too (an accessibility review: colour alone told it, and red faded for colour blindness)
    # each a region's sum, said (beside the colour bar's per-pixel values it read as a misprint: a review)
    assert any(re.search(r"Largest contributions \(\+ toward '[a-z ]+', - away from it; each the sum over a ninth "
                         r"of the image, in log-probability\): (upper|middle|lower) "
                         r"(left|centre|right) of the image: [+-]", c.value) for c in at.caption)
    # beside the finding: what ages the model knows, as this image gives none (a review)
    assert any(c.value.startswith("Trained on women's breast ultrasound images of patients aged 25 to 75 years only. "
                                  "This image gives no age") for c in at.caption)
    assert at.slider(key="op_img0_auto_0").value == 0.6
    # a CT slice fits neither model: the page asks, and headlines nothing
    data = Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes()
    at.file_uploader(key="imaging_upload").set_value([("scan.dcm", data, "application/dicom")]).run()
    assert not at.exception and not at.subheader
    assert any("does not fit any imaging model" in w.value for w in at.warning)
    # the slice itself is shown while the page asks (it showed nothing at all)
    [image] = at.get("image")
    assert image.captions == ["The image as received; no model output until a model is chosen."]
    assert at.selectbox(key="win_img0_auto_0").options[:2] == ["as stored in the file", "lung"]
    at.selectbox(key="pick_img0_auto_0").set_value("Breast ultrasound: normal, benign or malignant (BUSI, 128 px)").run()
    assert not at.exception and not at.subheader  # still no headline: the input does not fit
    assert any("No finding: this image does not fit" in e.value for e in at.error)
    assert any("modality is CT" in e.value for e in [*at.warning, *at.error])
    # the slice stays in view beside the refusal (the column held only a collapsed panel)
    assert [i.captions for i in at.get("image")] == [["The image as received; the model's output for it is "
                                                      "below, not a finding."]]
    assert at.table  # metadata panel
    assert [b.label for b in at.get("download_button")] == ["Download de-identified DICOM"]


def test_chest_radiograph_is_never_headlined_by_the_breast_model():
    from medapp.registry import data_root

    at = imaging_page()
    cxr = (data_root() / "imaging/kermany_cxr224/train/NORMAL/IM-0115-0001.jpeg").read_bytes()
    at.file_uploader(key="imaging_upload").set_value([("cxr.jpeg", cxr, "image/jpeg")]).run()
    assert any("Model chosen for this image: Pneumonia" in i.value for i in at.info)
    assert at.subheader[0].value in ("normal", "pneumonia")
    at.selectbox(key="imaging_model").set_value("Breast ultrasound: normal, benign or malignant (BUSI, 128 px)").run()
    assert not at.exception and not at.subheader
    assert any("No finding: this image does not fit Breast ultrasound" in e.value for e in at.error)


def test_bad_files_get_messages_and_good_ones_still_show():
    at = imaging_page()
    at.selectbox(key="imaging_model").set_value("Breast ultrasound: normal, benign or malignant (BUSI, 128 px)").run()
    ok = Path(get_testdata_file("MR_small.dcm", download=False)).read_bytes()
    at.file_uploader(key="imaging_upload").set_value([
        ("notes.dcm", b"this is a text file, not a scan\n" * 4, "application/dicom"),
        ("empty.png", b"", "image/png"),
        ("mr.dcm", ok, "application/dicom"),
    ]).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("notes.dcm" in e and "looks like a text file, not an image" in e for e in errors)
    assert any("empty.png" in e and "is empty" in e for e in errors)
    assert len(at.error) == 3  # two unreadable files, and the MR image gets no finding from an ultrasound model
    assert any("No finding" in e and "modality is MR" in e for e in errors)


def test_zip_series_members_each_get_controls_frames_and_deid_download():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("DICOMDIR", Path(get_testdata_file("DICOMDIR", download=False)).read_bytes())
        z.writestr("a/ct.dcm", Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes())
        z.writestr("b/two-frames.dcm", Path(get_testdata_file("SC_rgb_rle_2frame.dcm", download=False)).read_bytes())
    at = imaging_page()
    at.selectbox(key="imaging_model").set_value("Pneumonia on paediatric chest X-ray (Kermany, 128 px)").run()
    at.file_uploader(key="imaging_upload").set_value([("export.zip", buf.getvalue(), "application/zip")]).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2  # both members analysed (neither fits: output kept out of the headline)
    assert [b.label for b in at.get("download_button")] == ["Download de-identified DICOM"] * 2
    frames = [s for s in at.slider if s.key and s.key.startswith("frame_")]
    # counted from 1, as DICOM numbers frames and as Cases and the reports name the frame analysed
    assert len(frames) == 1 and (frames[0].min, frames[0].max, frames[0].value) == (1, 2, 1)
    frames[0].set_value(2).run()
    assert not at.exception and not any("damaged" in e.value for e in at.error)


def test_an_image_just_unlike_the_training_images_gives_its_score_once():
    # the CR chest file scores 14.9 against 14.1: the choice, the caution and a caption each repeated it
    from medapp.registry import data_root

    at = imaging_page()
    data = (data_root() / "dicom" / "CR-MONO1-10-chest.dcm").read_bytes()
    at.file_uploader(key="imaging_upload").set_value([("cr.dcm", data, "application/dicom")]).run()
    assert not at.exception
    shown = [e.value for e in (*at.info, *at.warning, *at.caption)]
    assert any("Model chosen for this image: Pneumonia" in s and "it is analysed, but see the caution" in s
               and "within what it accepts" not in s for s in shown)
    assert sum("out-of-distribution score" in s.lower() for s in shown) == 1


def test_a_file_picked_twice_is_shown_once():
    # the upload box adds to what it holds: the same radiograph was listed, analysed and offered for saving twice
    from medapp.registry import data_root

    at = imaging_page()
    data = (data_root() / "dicom" / "CR-MONO1-10-chest.dcm").read_bytes()
    at.file_uploader(key="imaging_upload").set_value([("a.dcm", data, "application/dicom"),
                                                       ("b.dcm", data, "application/dicom")]).run()
    assert not at.exception
    assert len([r for r in at.radio if r.key and r.key.startswith("case_mode_")]) == 1
    assert "b.dcm is the same file as a.dcm, shown above once." in [c.value for c in at.caption]


def test_a_photograph_picked_by_hand_after_the_warning_is_output_not_a_finding():
    """A review: a grey photograph picked for the chest model by hand showed a headline "pneumonia 60.2%"."""
    import io

    from PIL import Image
    from sklearn.datasets import load_sample_image

    buf = io.BytesIO()
    Image.fromarray(load_sample_image("china.jpg")).convert("L").save(buf, "PNG")
    at = imaging_page()
    at.file_uploader(key="imaging_upload").set_value([("photo.png", buf.getvalue(), "image/png")]).run()
    assert not at.exception and not at.subheader
    assert any(w.value.startswith("The image is less like the training images of every imaging model") for w in at.warning)
    pick = next(s for s in at.selectbox if s.label == "Model for this image")
    pick.set_value(next(o for o in pick.options if o.startswith("Pneumonia"))).run()
    assert not at.exception and not at.subheader  # no "Finding" headline
    assert any(e.value.startswith("No finding: this image does not fit Pneumonia") for e in at.error)
    output = next(e for e in at.expander if e.label == "Model output for this image (not a finding)")
    # each label as the card names it, with the page's one-decimal rule (never "100.0%" for a value that is not)
    said = output.markdown[0].value
    assert said.startswith("normal ") and ", pneumonia " in said and "100.0%" not in said and "0.0%" not in said
    assert not [s for s in at.slider if s.label == "Heatmap opacity"]  # no slider for a map not shown


def test_a_saved_finding_without_an_age_says_what_ages_the_model_knows(tmp_path, monkeypatch):
    """A re-check: an adult film without an age read "normal 66.8%" on Cases, in Meeting mode and in both reports,
    where the imaging page said beside it that the model knows only children of 1 to 5."""
    from apptest_helpers import CLIN, REV, open_page

    from medapp.analysis import analyse
    from medapp.cases.store import CaseStore
    from medapp.modalities.imaging.io import decode
    from medapp.registry import data_root, load_model
    from medapp.reports import case_html

    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    model = load_model("chest-xray-pneumonia")
    data = (data_root() / "dicom/CR-MONO1-10-chest.dcm").read_bytes()
    result = analyse(model, decode(data, "cr.dcm")[0])
    assert result.prediction.fits
    store = CaseStore()
    case_id = store.create_case("CR-ADULT", CLIN)
    store.add_analysis(case_id, CLIN, card=model.card, prediction=result.prediction, explanation=result.explanation,
                       input_bytes=data, input_name="cr.dcm")
    said = "Trained on children's radiographs of patients aged 1 to 5 years only. This image gives no age"
    for page in ("pages/cases.py", "pages/meeting.py"):
        at = open_page(page, REV)
        assert not at.exception and any(c.value.startswith(said) for c in at.caption), page
    from html import escape

    assert escape(said) in case_html(store.case_detail(case_id, CLIN, log_view=False), by="test")
