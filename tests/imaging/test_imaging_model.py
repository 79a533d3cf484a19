"""Imaging models at 128 px: cards, one preprocessing, SHAP completeness, maps over the image, model choice."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from cli_inprocess import run_medapp
from PIL import Image
from pydicom.data import get_testdata_file

from medapp.modalities.imaging.io import decode
from medapp.modalities.imaging.preprocess import area_matrix, to_image_grid, to_model_input
from medapp.modalities.imaging.select import choose
from medapp.registry import data_root, list_cards, load_model

IMAGING = ["chest-xray-pneumonia", "breast-ultrasound"]
CXR = "imaging/kermany_cxr224/train/PNEUMONIA/person1000_bacteria_2931.jpeg"
CXR_NORMAL = "imaging/kermany_cxr224/train/NORMAL/IM-0115-0001.jpeg"
BUS = "imaging/busi/malignant/malignant (5).png"
CR_CHEST = "dicom/CR-MONO1-10-chest.dcm"


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def read(rel: str):
    path = data_root() / rel
    return decode(path.read_bytes(), path.name)[0]


def dicom_from(grey8: np.ndarray, modality: str, body_part: str | None = None, window: bool = True) -> bytes:
    """A minimal DICOM carrying 8-bit grey pixels (as a PACS would send a converted image)."""
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset("x.dcm", {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    if body_part:
        ds.BodyPartExamined = body_part
    ds.Rows, ds.Columns = grey8.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    if window:  # the 8-bit range as the window: display = value / 255, as for a PNG
        ds.WindowCenter, ds.WindowWidth = 127.5, 256
    ds.PixelData = np.ascontiguousarray(grey8, dtype=np.uint8).tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def test_cards_state_resolution_threshold_calibration_anchors_and_previous_figures():
    cards = {c.id: c for c in list_cards() if c.modality == "imaging"}
    assert set(cards) == set(IMAGING)
    for card in cards.values():
        assert card.version.startswith("3." if card.id == "breast-ultrasound" else "2.") and card.input["size"] >= 128
        assert card.input["aspect_rule"] == "squash" and "128x128" in card.input["resolution_note"]
        m = card.metrics
        assert {"auroc", "accuracy", "sensitivity", "specificity", "brier"} <= set(m["summary"])
        assert 0 < m["threshold"] < 1 and "Youden" in m["threshold_rule"]
        assert 0 <= m["calibration_validation"]["ece"] < 0.2 and m["temperature"] > 0
        first = m["previous_version"]
        while "previous" in first:  # each version records the one it replaced, back to the 28x28 original
            first = first["previous"]
        assert first["version"] == "1.0.0" and "28x28" in first["input"]
        assert "confident_misses_validation" in m
    chest = cards["chest-xray-pneumonia"]
    assert {a["auroc"] for a in chest.metrics["anchors"]} == {0.979, 0.980, 0.968}
    assert "patients" in chest.metrics["protocol"]
    breast = cards["breast-ultrasound"]
    assert breast.labels == ("normal", "benign", "malignant") and breast.positive_label == "malignant"
    # version 3.1.0 (three networks averaged) records the single network it replaced, and that one the two-class
    # model, all measured on the same validation images
    single = breast.metrics["previous_version"]
    assert single["version"] == "3.0.0" and single["pointing_game"] == 0.606 and single["auroc"] == 0.8893
    two = single["previous"]
    assert two["version"] == "2.0.0" and "two classes" in two["input"] and two["pointing_game"] == 0.541
    assert len(breast.metrics["members"]) == 3 and breast.training["member_seeds"] == [0, 1, 2]
    assert len(breast.data["excluded_cross_label_images"]) >= 12  # the 6 cross-label groups, left out on purpose
    pg = breast.metrics["pointing_game_validation"]
    assert pg["n_images_with_lesion"] >= 50 and 0 <= pg["pointing_game"] <= 1
    assert 0 < pg["lesion_area_share_mean"] < pg["positive_share_in_lesion_mean"] + 1


def test_area_squash_and_its_transpose_keep_totals():
    m = area_matrix(300, 128)
    np.testing.assert_allclose(m.sum(1), 1.0)
    values = np.random.default_rng(0).normal(size=(128, 128))
    spread = to_image_grid(values, (300, 217))
    assert spread.shape == (300, 217)
    assert spread.sum() == pytest.approx(values.sum(), rel=1e-5)


def test_png_jpeg_dicom_and_the_training_loader_give_the_same_model_input():
    from medapp.modalities.imaging.datasets import _preprocessed

    path = data_root() / BUS
    x = decode(path.read_bytes(), path.name)[0]
    grey8 = np.round(x.grey * 255).astype(np.uint8)
    t_png = to_model_input(x, 128)
    np.testing.assert_array_equal(t_png[0, 0].numpy(), _preprocessed(path, 128))  # training == inference
    t_dcm = to_model_input(decode(dicom_from(grey8, "US", "BREAST"), "us.dcm")[0], 128)
    assert float((t_png - t_dcm).abs().max()) < 0.003  # window 127.5/256 maps v to (v + 0.5) / 255
    buf = io.BytesIO()
    Image.fromarray(grey8).convert("RGB").save(buf, format="JPEG", quality=95)
    t_jpg = to_model_input(decode(buf.getvalue(), "us.jpg")[0], 128)
    assert float((t_png - t_jpg).abs().mean()) < 0.01  # JPEG loss only; 3 equal channels read as grey
    model = load_model("breast-ultrasound")
    p_png = model.predict(x).probabilities
    p_dcm = model.predict(decode(dicom_from(grey8, "US", "BREAST"), "us.dcm")[0]).probabilities
    np.testing.assert_allclose(p_png, p_dcm, atol=0.02)


@pytest.mark.parametrize("model_id, rel", [("chest-xray-pneumonia", CXR), ("breast-ultrasound", BUS)])
def test_expected_gradients_are_complete_and_spread_over_the_image(model_id, rel):
    model = load_model(model_id)
    x = read(rel)
    pred = model.predict(x)
    expl = model.explain(x, pred)
    assert pred.probabilities.sum() == pytest.approx(1.0)
    assert expl.values.shape == (128, 128) and expl.target == pred.label
    # completeness: base value + all contributions = the explained log-probability (path-integral approximation)
    assert expl.output_value == pytest.approx(np.log(pred.probability), abs=0.25)  # measured max 0.22 (card)
    full = model.image_map(x, expl)
    assert full.shape == x.grey.shape and full.dtype == np.float32
    assert float(full.sum()) == pytest.approx(float(np.sum(expl.values)), rel=1e-4, abs=1e-6)


def test_labels_follow_the_threshold_chosen_on_validation():
    model = load_model("chest-xray-pneumonia")
    t = model.threshold
    assert model.label_for(np.array([1 - t, t])) == "pneumonia"
    assert model.label_for(np.array([1 - t + 0.01, t - 0.01])) == "normal"


def test_each_image_goes_to_the_model_that_fits_or_the_user_is_asked():
    models = [load_model(i) for i in IMAGING]
    assert choose(read(CXR), models).model_id == "chest-xray-pneumonia"
    assert choose(read(CXR_NORMAL), models).model_id == "chest-xray-pneumonia"
    assert choose(read(BUS), models).model_id == "breast-ultrasound"
    bus8 = np.round(read(BUS).grey * 255).astype(np.uint8)
    assert choose(decode(dicom_from(bus8, "US", "BREAST"), "b.dcm")[0], models).model_id == "breast-ultrasound"
    # metadata wins: an ultrasound DICOM labelled as a chest radiograph fits neither model
    wrong = choose(decode(dicom_from(bus8, "CT", "CHEST"), "c.dcm")[0], models)
    assert wrong.model_id is None and "modality is CT" in wrong.reason
    assert ".;" not in wrong.reason and ".)" not in wrong.reason  # one sentence, not full stops inside brackets
    ct = decode(Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes(), "ct.dcm")[0]
    assert choose(ct, models).model_id is None
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    photo[..., 1] //= 3
    assert choose(decode(png(photo), "holiday.png")[0], models).model_id is None


def test_the_reason_for_a_choice_agrees_with_the_out_of_distribution_score():
    models = [load_model(i) for i in IMAGING]
    close = choose(read(CXR), models)
    assert close.checks[close.model_id]["ood_score"] <= close.checks[close.model_id]["ood_threshold"]
    assert "resembles its training images" in close.reason
    # the shared CR chest file scores above the threshold but within what the chest model accepts: a caution
    cr = choose(decode((data_root() / CR_CHEST).read_bytes(), "cr.dcm")[0], models)
    fit = cr.checks["chest-xray-pneumonia"]
    assert cr.model_id == "chest-xray-pneumonia" and fit["ood_score"] > fit["ood_threshold"]
    assert "resembles" not in cr.reason and "less like its training images than 99% of them" in cr.reason


def test_a_model_the_image_does_not_fit_gives_no_headline_but_warns():
    breast = load_model("breast-ultrasound")
    # An ultrasound given to the chest model is refused on content alone (no metadata in a PNG).
    pred = load_model("chest-xray-pneumonia").predict(read(BUS))
    assert pred.fits is False and "unlike this model's training images" in pred.fit.reasons[0]
    # A radiograph given to the breast model is flagged; breast 3.0.0 refuses only about half of them outright
    # (2.0.0: 93%, this one included; stated in its card's limitations), so the flag is what is asserted here.
    pred = breast.predict(read(CXR))
    assert pred.fit.score > pred.fit.threshold and any("out-of-distribution score" in w for w in pred.warnings)
    ct = decode(Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes(), "ct.dcm")[0]
    pred = breast.predict(ct)
    assert not pred.fits
    assert any("modality is CT" in w and "US images only" in w for w in pred.warnings)
    assert breast.predict(read(BUS)).fits is True
    # refused, and a little unlike the training images: said as a reason, without "Treat the result with caution"
    # beside "No finding" (a review)
    cr = decode((data_root() / CR_CHEST).read_bytes(), "cr.dcm")[0]
    as_ct = decode(dicom_from(np.round(cr.grey * 255).astype(np.uint8), "CT", "CHEST"), "ct.dcm")[0]
    pred = load_model("chest-xray-pneumonia").predict(as_ct)
    assert not pred.fits and pred.fit.threshold < pred.fit.score < 2 * pred.fit.threshold
    assert not any("caution" in w for w in pred.warnings)
    # a CT header vouches for nothing the chest model knows: its content is refused at the card's own limit
    assert pred.warnings[-1].startswith("The image content is unlike this model's training images (out-of-distribution "
                                        "score 14.9; 99% of training images score below 14.1 and 99% of its validation "
                                        "images below 14.4; nothing in the file says it is a CR/DX image of the "
                                        "CHEST)")


def test_a_picture_that_says_nothing_of_what_it_is_is_refused_at_the_validation_images_limit():
    """A clinical-safety review: an ankle CT slice saved as PNG was "pneumonia 89%" with only a caution (1.47 times
    the chest model's bar), a 48 px crop of a normal film "pneumonia 99.5%", a pneumonia film upside down "normal";
    a child's radiograph was "malignant 72%" on the breast model (1.40). Refused now above each card's
    `ood_refuse_ratio` (its validation images' 99th percentile) unless the DICOM header names the model's own
    modality and body part."""
    chest, breast = load_model("chest-xray-pneumonia"), load_model("breast-ultrasound")
    assert (chest.card.input["ood_refuse_ratio"], breast.card.input["ood_refuse_ratio"]) == (1.02, 1.37)
    ankle = decode((data_root() / "dicom/CT-MONO2-16-ankle.dcm").read_bytes(), "ankle.dcm")[0]
    as_png = decode(png(np.round(ankle.grey * 255).astype(np.uint8)), "ankle.png")[0]
    pred = chest.predict(as_png)
    assert 1.02 < pred.fit.score / pred.fit.threshold < 1.5 and not pred.fits
    assert "nothing in the file says it is a CR/DX image of the CHEST" in pred.fit.reasons[-1]
    film = read(CXR)
    upside_down = decode(png(np.round(film.grey[::-1, ::-1] * 255).astype(np.uint8)), "flipped.png")[0]
    assert chest.predict(film).fits and not chest.predict(upside_down).fits
    assert not breast.predict(film).fits
    # the adult CR chest says CR and CHEST in its header: a caution, not a refusal, at 1.05 times the bar
    cr = chest.predict(decode((data_root() / CR_CHEST).read_bytes(), "cr.dcm")[0])
    assert cr.fits and 1.02 < cr.fit.score / cr.fit.threshold < 1.5
    # a breast ultrasound a little unlike the training images keeps its finding with the caution
    benign = breast.predict(read("imaging/busi/benign/benign (115).png"))
    assert benign.fits and 1 < benign.fit.score / benign.fit.threshold < 1.37
    assert any("Treat the result with caution" in w for w in benign.warnings)


def test_colour_photograph_blank_image_and_ct_slice_warn():
    model = load_model("chest-xray-pneumonia")
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    photo[..., 1] //= 3
    pred = model.predict(decode(png(photo), "holiday.png")[0])
    assert any("colour picture" in w for w in pred.warnings)
    assert any("out-of-distribution score" in w for w in pred.warnings)
    blank = model.predict(decode(png(np.full((200, 200), 128, np.uint8)), "blank.png")[0])
    assert any("blank or has almost no contrast" in w for w in blank.warnings)
    x = decode((data_root() / "dicom/CT-MONO2-16-ankle.dcm").read_bytes(), "ankle.dcm")[0]
    pred = model.predict(x)
    assert any("modality is CT" in w and "CR/DX" in w for w in pred.warnings)
    assert pred.fit.score > 0 and pred.fit.threshold == float(model.card.input["ood_threshold"])


@pytest.mark.slow
def test_shared_model_gives_sequential_results_under_20_concurrent_sessions():
    from concurrent.futures import ThreadPoolExecutor

    model = load_model("chest-xray-pneumonia")
    images = [read(CXR), read(CXR_NORMAL), read(BUS), model.example_input()]

    def run(x):
        pred = model.predict(x)
        return pred.probabilities, model.explain(x, pred).values

    sequential = [run(x) for x in images]
    with ThreadPoolExecutor(max_workers=20) as pool:
        parallel = list(pool.map(run, [images[i % 4] for i in range(20)]))
    for i, (probs, values) in enumerate(parallel):
        np.testing.assert_allclose(probs, sequential[i % 4][0], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(values, sequential[i % 4][1], rtol=1e-4, atol=1e-8)


@pytest.mark.slow
@pytest.mark.parametrize("model_id", IMAGING)
def test_training_on_a_small_sample(tmp_path, monkeypatch, model_id):
    from medapp.training import train

    card = train(model_id, out_dir=tmp_path / model_id, quick=True)
    assert card.training["epochs"] == 1 and card.input["size"] == 64
    assert card.metrics["n_train"] + card.metrics["n_val"] == 96
    assert (tmp_path / model_id / "model.safetensors").is_file()
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path))
    model = load_model(model_id)
    x = model.example_input()
    assert model.predict(x).label in card.labels
    if model_id == "breast-ultrasound":  # an ensemble (two members in a quick run): the average of its networks
        import torch

        from medapp.modalities.imaging.net import Ensemble
        from medapp.modalities.imaging.preprocess import to_model_input

        assert isinstance(model.net, Ensemble) and len(model.net.members) == 2
        assert card.training["member_seeds"] == [0, 1] and len(card.metrics["members"]) == 2
        t = to_model_input(x, model.size)
        first, second = (m(t) for m in model.net.members)
        assert not torch.allclose(first, second)  # two random draws, not one network twice
        torch.testing.assert_close(model.net(t), (first + second) / 2)


def test_cli_writes_maps_over_each_input_and_reports_unreadable_ones(tmp_path):
    import json

    bad = tmp_path / "note.dcm"
    bad.write_text("not an image at all\n")
    wide = tmp_path / "wide.png"
    wide.write_bytes(png(np.round(read(CXR).grey[:150] * 255).astype(np.uint8)))
    out = run_medapp("predict", "--model", "chest-xray-pneumonia", "--json", "--maps", str(tmp_path / "maps"),
                     str(data_root() / CXR), str(wide), str(bad))
    assert out.returncode == 1, out.stderr
    first, second, third = [json.loads(line) for line in out.stdout.splitlines()]
    assert first["input"] == Path(CXR).name and first["label"] in ("normal", "pneumonia")
    assert first["explanation"]["target"] == first["label"]
    cxr_map = np.load(tmp_path / "maps" / (Path(CXR).stem + ".npy"))
    wide_map = np.load(tmp_path / "maps" / "wide.npy")
    assert cxr_map.shape == (224, 224) and wide_map.shape == (150, 224) and cxr_map.dtype == np.float32
    assert second["map"].endswith("wide.npy")
    # positive = toward the predicted label: base + total = log-probability of that label
    total = first["explanation"]["base_value"] + float(cxr_map.sum())
    assert total == pytest.approx(np.log(first["probabilities"][first["label"]]), abs=0.25)
    assert third == {"input": "note.dcm", "error": "note.dcm looks like a text file, not an image. Upload a PNG, "
                                                    "JPEG, TIFF, BMP or DICOM image, or a ZIP of them."}

    # one file name in two folders: named by the path given, two maps (both read "wide.png", and the second map
    # overwrote the first: an IT review)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "wide.png").write_bytes(png(np.round(read(CXR).grey[:120] * 255).astype(np.uint8)))
    out = run_medapp("predict", "--model", "chest-xray-pneumonia", "--json", "--maps", str(tmp_path / "maps2"),
                     str(wide), str(tmp_path / "b" / "wide.png"))
    one, two = [json.loads(line) for line in out.stdout.splitlines()]
    assert (one["input"], two["input"]) == (str(wide), str(tmp_path / "b" / "wide.png"))
    assert (one["map"], two["map"]) == (str(tmp_path / "maps2" / "wide.npy"), str(tmp_path / "maps2" / "wide-2.npy"))
    assert np.load(one["map"]).shape == (150, 224) and np.load(two["map"]).shape == (120, 224)


def test_a_finished_member_is_reused_only_for_the_same_recipe_and_data(tmp_path, monkeypatch):
    """Full imaging runs keep each finished network, so an interrupted run resumes and members can be trained in
    parallel processes; a cached network trained on other data or another recipe is never taken."""
    import time

    import torch

    from medapp.modalities.imaging import train as imaging_train

    spec = imaging_train.SPECS["chest-xray-pneumonia"]
    prep = imaging_train._prepare("chest-xray-pneumonia", data_root(), quick=True, seed=0, spec=spec,
                                  split_seed=None, started=time.time())
    first = imaging_train._member(spec, prep, 3, time.time(), "", tmp_path)
    assert (tmp_path / "seed3.safetensors").is_file()

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(imaging_train, "_fit_member", no_training)
    again = imaging_train._member(spec, prep, 3, time.time(), "", tmp_path)
    assert again.best_epoch == first.best_epoch and again.history == first.history
    for a, b in zip(first.net.state_dict().values(), again.net.state_dict().values()):
        assert torch.equal(a, b)
    other = imaging_train._prepare("chest-xray-pneumonia", data_root(), quick=True, seed=1, spec=spec,
                                   split_seed=None, started=time.time())  # another sample of images
    assert other.fingerprint != prep.fingerprint
    with pytest.raises(AssertionError, match="trained again"):
        imaging_train._member(spec, other, 3, time.time(), "", tmp_path)


def test_a_card_says_when_its_explainer_was_measured_on_another_model():
    # the chest card gave the breast model's measurements as if they were its own ("Chosen by measurement on 10
    # BUSI validation images"), which read as a copy-paste error on the Models page. (Parametrised over both models,
    # the breast case could not fail: its own measurements name no other model; a test review.)
    chest = load_model("chest-xray-pneumonia").card.explanation
    assert chest["measurements"]["model"] == "breast-ultrasound"
    assert "on the breast-ultrasound network" in chest["why"]
    breast = load_model("breast-ultrasound").card.explanation
    assert breast.get("measurements", {}).get("model", "breast-ultrasound") == "breast-ultrasound"
    assert "network" not in breast["why"].split(".")[0]  # its own measurements, said as its own


def test_cli_maps_naming_a_file_is_refused_in_one_line(tmp_path):
    taken = tmp_path / "patients.csv"
    taken.write_text("a,b\n")
    out = run_medapp("predict", "--model", "chest-xray-pneumonia", "--maps", str(taken), str(data_root() / CXR))
    assert out.returncode == 2 and "Traceback" not in out.stderr  # a FileExistsError traceback until 2026-12-05
    assert out.stderr.strip() == f"error: --maps {taken} is a file; it names the folder the maps are written to"


def _grey_photo(name: str):
    """scikit-learn's sample photographs (shipped in its wheel), in grey: no colour to give them away."""
    from PIL import Image
    from sklearn.datasets import load_sample_image

    buf = io.BytesIO()
    Image.fromarray(load_sample_image(name)).convert("L").save(buf, "PNG")
    return decode(buf.getvalue(), "photo.png")[0]


def test_a_grey_photograph_unlike_every_model_is_never_given_a_model_automatically():
    """A review: a grey photograph of a building fitted both models "equally well" and, picked, was "pneumonia
    60.2%" (ratios 1.26 chest, 1.15 breast); a grey flower went to the breast model (1.33, chest refused)."""
    models = [load_model(i) for i in IMAGING]
    for name in ("china.jpg", "flower.jpg"):
        choice = choose(_grey_photo(name), models)
        assert choice.model_id is None and choice.unlike_all is not None, name
        assert choice.reason.startswith("The image is less like the training images of every imaging model than 99%")
        assert "choose its model at the top of the page" in choice.reason
    # a DICOM says what it is: metadata decides, as before (the CR chest scores above the bar: a caution)
    cr = choose(decode((data_root() / CR_CHEST).read_bytes(), "cr.dcm")[0], models)
    assert cr.model_id == "chest-xray-pneumonia" and cr.unlike_all is None


def test_a_patient_older_or_younger_than_the_training_patients_gets_a_caution():
    """A review: an adult radiograph (PatientAge 045Y) went to the paediatric chest model without a word."""
    import pydicom

    from medapp.modalities.imaging.dicom import age_text, patient_age_years

    model = load_model("chest-xray-pneumonia")
    cxr8 = np.round(read(CXR).grey * 255).astype(np.uint8)

    def with_age(**tags) -> bytes:
        ds = pydicom.dcmread(io.BytesIO(dicom_from(cxr8, "CR", "CHEST")))
        for k, v in tags.items():
            setattr(ds, k, v)
        buf = io.BytesIO()
        ds.save_as(buf)
        return buf.getvalue()

    adult = decode(with_age(PatientAge="045Y"), "a.dcm")[0]
    child = decode(with_age(PatientAge="004Y"), "c.dcm")[0]
    dated = decode(with_age(PatientBirthDate="19500101", StudyDate="20240601"), "d.dcm")[0]
    assert (adult.age_years, child.age_years) == (45, 4) and round(dated.age_years) == 74
    assert adult.meta["Patient age"] == "45 years" and dated.meta["Patient age"] == "74 years"
    said = [w for w in model.predict(adult).warnings if w.startswith("The patient's age")]
    assert said == ["The patient's age in the DICOM header is 45 years; this model was trained on children's "
                    "radiographs aged 1 to 5 years: its output for this patient is untested."]
    assert not [w for w in model.predict(child).warnings if w.startswith("The patient's age")]
    # at the edges (a re-check: 6 months and 6 years passed, "90 or over old", "0 months" for 3 weeks)
    for age, cautioned in (("006M", True), ("006Y", True), ("001Y", False), ("005Y", False), ("095Y", True)):
        x = decode(with_age(PatientAge=age), "e.dcm")[0]
        assert bool([w for w in model.predict(x).warnings if w.startswith("The patient's age")]) == cautioned, age
    assert age_text(95) == "90 years or over" and age_text(0.5) == "6 months"
    # an image without an age says what the model was trained on beside its finding (an adult film without one got
    # "normal, 66.8%" with no word of it: a review); an image with an age in range says nothing of it
    assert model.untested_ages(child) is None and model.untested_ages(adult) is None
    no_age = decode(with_age(), "n.dcm")[0]
    assert no_age.age_years is None and model.untested_ages(no_age) == (
        "Trained on children's radiographs of patients aged 1 to 5 years only. This image gives no age: for a "
        "patient of another age the output is untested.")
    # kept with the prediction, so Cases, Meeting mode and the reports say it too (a re-check found it only on
    # the page)
    from medapp.reports.content import untested_ages_note

    pred = model.predict(no_age)
    assert pred.fits and untested_ages_note(pred) == model.untested_ages(no_age)
    assert untested_ages_note(model.predict(child)) is None
    # "000Y" is what many devices write for an unknown age: not "0 days" (a re-check)
    assert decode(with_age(PatientAge="000Y"), "z.dcm")[0].age_years is None
    assert age_text(3 / 52.18) == "3 weeks" and age_text(5 / 365.25) == "5 days" and age_text(1 / 52.18) == "1 week"
    assert patient_age_years(pydicom.Dataset()) is None


def test_the_same_pixels_with_another_header_are_not_given_the_first_files_cached_warnings():
    """The analysis cache was keyed by pixels alone: a file declaring no burned-in text got the warning of the same
    pixels from a file that declared it (and likewise another modality, body part or age)."""
    from dicom_samples import chest_of

    from medapp.analysis import analyse
    from medapp.registry import load_model

    model = load_model("chest-xray-pneumonia")
    [(_, marked)] = model.inputs_from_bytes(chest_of("MRN-1", "1", burned_in="YES"), "a.dcm")
    [(_, clean)] = model.inputs_from_bytes(chest_of("MRN-1", "1", burned_in="NO"), "b.dcm")
    assert np.array_equal(marked.image, clean.image) and marked.key != clean.key
    said = [analyse(model, x, explain=False).prediction.warnings for x in (marked, clean, marked)]
    assert [any("burned-in" in w for w in warnings) for warnings in said] == [True, False, True]
