"""Imaging, heart sounds and notes through the service: files as base64 BYTES in JSON and as the raw
body, the page's explanations, its InputError messages, and de-identified saving to a case."""
from __future__ import annotations

import base64
import io
import json
import zipfile

import numpy as np
import pydicom
import pytest
from dicom_samples import chest_of

from medapp.analysis import analyse
from medapp.modalities.imaging.io import decode as decode_image
from medapp.registry import data_root, load_model
from medapp.service.app import case_id_of
from medapp.types import InputError

pytestmark = pytest.mark.slow  # loads the torch, Keras and MiniLM models in the server

CT = data_root() / "dicom" / "CT_small.dcm"
CXR = next((data_root() / "imaging" / "kermany_cxr224" / "train" / "NORMAL").glob("*.jpeg"))
HEART = sorted((data_root() / "audio" / "heart_sounds" / "MVP").glob("*.wav"))[0]
NOTE = ("Patient reports a red, itchy rash with dry scaly patches on both elbows and knees for three weeks; "
        "seen by Dr. Jones on 12/03/2024.")


def outputs(response) -> dict:
    assert response.status_code == 200, response.text
    return {o["name"]: o for o in response.json()["outputs"]}


def bytes_request(name: str, files: list[bytes], **parameters) -> dict:
    return {"inputs": [{"name": name, "shape": [len(files)], "datatype": "BYTES",
                        "parameters": {"content_type": "base64"},
                        "data": [base64.b64encode(f).decode() for f in files]}],
            **({"parameters": parameters} if parameters else {})}


def test_image_as_base64_and_as_raw_body_gives_the_pages_result(service):
    model = load_model("chest-xray-pneumonia")
    data = CXR.read_bytes()
    page = analyse(model, decode_image(data, "x.jpeg")[0])
    with service.client() as c:
        as_json = outputs(c.post("/v2/models/chest-xray-pneumonia/explain", json=bytes_request("image", [data])))
        raw = outputs(c.post("/v2/models/chest-xray-pneumonia/infer", content=data,
                             headers={"Content-Type": "image/jpeg"}))
        octet = outputs(c.post("/v2/models/chest-xray-pneumonia/infer", content=data,
                               headers={"Content-Type": "application/octet-stream"}))
    for out in (as_json, raw, octet):
        assert np.allclose(out["probabilities"]["data"], page.prediction.probabilities, atol=1e-6)
        assert out["label"]["data"] == [page.prediction.label]
    values = np.array(as_json["values"]["data"]).reshape(as_json["values"]["shape"][1:])
    assert np.allclose(values, page.explanation.values, atol=1e-5)
    assert as_json["method"]["data"] == [page.explanation.method]
    assert as_json["output_space"]["data"] == ["log-probability"]


def test_a_dicom_saved_to_a_case_is_de_identified(service):
    data = CT.read_bytes()
    assert b"CompressedSamples" in data  # the shared CT names its (fictitious) patient
    with service.client() as c:
        out = c.post("/v2/models/chest-xray-pneumonia/infer?case=API-CT-1", content=data,
                     headers={"Content-Type": "application/dicom"})
    assert out.status_code == 200, out.text
    warnings = json.loads(outputs(out)["warnings"]["data"][0])
    assert any("CT" in w for w in warnings)  # the page's modality warning: a CT given to a chest X-ray model
    store = service.store()
    case_id = out.json()["parameters"]["case"]["id"]
    analysis = store.case_detail(case_id, {"username": "ada", "role": "admin"}, log_view=False)["analyses"][0]
    assert analysis["input_name"].endswith(".dcm")
    stored = pydicom.dcmread(io.BytesIO(store.blobs.get(analysis["input_sha256"])))
    assert str(stored.get("PatientName", "")) in ("", "None") and stored.PatientIdentityRemoved == "YES"


def test_a_file_that_is_not_an_image_is_the_pages_message(service):
    text = b"this is not an image at all, just some words\n"
    with pytest.raises(InputError) as page_error:
        decode_image(text, "The uploaded file")
    with service.client() as c:
        r = c.post("/v2/models/breast-ultrasound/infer", content=text, headers={"Content-Type": "image/png"})
        # the page's message, led by what the declared type got wrong (the content decides what is read)
        assert r.status_code == 400 and r.json()["error"] == (
            "The body was sent as image/png, but its content is a text file. " + page_error.value.message)
        r = c.post("/v2/models/breast-ultrasound/infer", content=text, headers={"Content-Type": "application/octet-stream"})
        assert r.status_code == 400 and r.json()["error"] == page_error.value.message  # nothing specific declared
        # a records model read "The uploaded file has a header but no patient rows." for the same body
        r = c.post("/v2/models/heart-disease/infer", content=text, headers={"Content-Type": "image/png"})
        assert r.status_code == 400
        assert r.json()["error"].startswith("The body was sent as image/png, but its content is a text file. ")
        r = c.post("/v2/models/breast-ultrasound/infer", json={"inputs": [{"name": "image", "shape": [1],
                                                                             "datatype": "BYTES", "data": ["%%%"]}]})
        assert r.status_code == 400 and "not valid base64" in r.json()["error"]


def test_heart_sound_wav_explained_over_time_and_frequency_tiles(service):
    model = load_model("heart-sound")
    data = HEART.read_bytes()
    page = analyse(model, model.load_bytes(data, "x.wav"))
    with service.client() as c:
        out = outputs(c.post("/v2/models/heart-sound/explain", content=data, headers={"Content-Type": "audio/wav"}))
        empty = c.post("/v2/models/heart-sound/infer", content=b"", headers={"Content-Type": "audio/wav"})
    assert np.allclose(out["probabilities"]["data"], page.prediction.probabilities, atol=1e-5)
    assert out["label"]["data"] == [page.prediction.label]
    assert out["names"]["data"] == list(page.explanation.feature_names)
    values = np.array(out["values"]["data"])
    assert out["base_value"]["data"][0] + values.sum() == pytest.approx(page.explanation.output_value, abs=1e-4)
    assert "highlight_s" in json.loads(out["explanation_data"]["data"][0])
    assert empty.status_code == 400 and "is empty (0 bytes)" in empty.json()["error"]


def test_notes_as_text_de_identified_and_explained_by_word_pieces(service):
    model = load_model("symptom-disease")
    with service.client() as c:
        out = outputs(c.post("/v2/models/symptom-disease/explain",
                             json={"inputs": [{"name": "note", "shape": [1], "datatype": "BYTES", "data": [NOTE]}],
                                   "parameters": {"case": "API-NOTE-1"}}))
        raw = outputs(c.post("/v2/models/symptom-disease/infer", content=NOTE.encode(),
                             headers={"Content-Type": "text/plain; charset=utf-8"}))
        blank = c.post("/v2/models/symptom-disease/infer", content=b"   \n ", headers={"Content-Type": "text/plain"})
    from medapp.modalities.notes.model import NoteInput

    page = analyse(model, NoteInput.from_text(NOTE))
    assert out["label"]["data"] == raw["label"]["data"] == [page.prediction.label]
    assert np.allclose(out["probabilities"]["data"], page.prediction.probabilities, atol=1e-5)
    tokens = out["names"]["data"]
    assert tokens == list(page.explanation.feature_names) and "Jones" not in "".join(tokens)
    assert out["base_value"]["data"][0] + sum(out["values"]["data"]) == pytest.approx(
        page.prediction.probability, abs=1e-4)
    assert blank.status_code == 400 and "is empty" in blank.json()["error"]
    store = service.store()
    case_id = case_id_of(store, "API-NOTE-1")
    saved = store.case_detail(case_id, {"username": "ada", "role": "admin"}, log_view=False)["analyses"][0]
    stored_text = store.blobs.get(saved["input_sha256"]).decode()
    assert "Jones" not in stored_text and "12/03/2024" not in stored_text and "[NAME]" in stored_text


def test_two_notes_of_different_lengths_get_one_explanation_each(service):
    notes = [NOTE, "Cough and fever for two days."]
    with service.client() as c:
        out = outputs(c.post("/v2/models/symptom-disease/explain",
                             json={"inputs": [{"name": "note", "shape": [2], "datatype": "BYTES", "data": notes}]}))
    assert out["values"]["datatype"] == "BYTES" and out["values"]["shape"] == [2]
    per_note = [json.loads(v) for v in out["values"]["data"]]
    names = [json.loads(v) for v in out["names"]["data"]]
    assert [len(v) for v in per_note] == [len(n) for n in names] and len(per_note[0]) > len(per_note[1])


def test_an_image_the_model_does_not_fit_is_not_assessed_at_the_top_level(service):
    """An MR slice sent to the chest X-ray model: the page shows no finding, so the API gives no label either."""
    mr = (data_root() / "dicom" / "MR_small.dcm").read_bytes()
    model = load_model("chest-xray-pneumonia")
    page = analyse(model, decode_image(mr, "x.dcm")[0], explain=False).prediction
    assert not page.fits  # what the page sees: unlike the training images
    with service.client() as c:
        out = outputs(c.post("/v2/models/chest-xray-pneumonia/infer?case=API-MR-1", content=mr,
                             headers={"Content-Type": "application/dicom"}))
        fits = outputs(c.post("/v2/models/chest-xray-pneumonia/infer", content=CXR.read_bytes(),
                              headers={"Content-Type": "image/jpeg"}))
    assert out["label"]["data"] == ["not assessed"] and out["assessed"]["data"] == [False]
    assert out["assessed"]["datatype"] == "BOOL"
    assert np.allclose(out["probabilities"]["data"], page.probabilities, atol=1e-6)  # kept, not a finding
    assert json.loads(out["details"]["data"][0])["fits_model"] is False
    assert json.loads(out["warnings"]["data"][0]) == list(page.warnings)
    assert fits["assessed"]["data"] == [True] and fits["label"]["data"][0] in ("normal", "pneumonia")
    # a JPEG gives no age: the caution the page says beside its finding (it was only in details: `warnings: []`)
    assert json.loads(fits["warnings"]["data"][0]) == [
        "Trained on children's radiographs of patients aged 1 to 5 years only. This image gives no age: for a "
        "patient of another age the output is untested."]
    assert json.loads(fits["details"]["data"][0])["untested_ages"] == json.loads(fits["warnings"]["data"][0])[0]
    store = service.store()  # still saved to the case, as the page saves it, with its unfit result
    saved = store.case_detail(case_id_of(store, "API-MR-1"), {"username": "ada", "role": "admin"},
                              log_view=False)["analyses"]
    assert len(saved) == 1


def test_an_image_of_another_patient_is_a_409_until_same_patient_is_sent(service):
    dicom = {"Content-Type": "application/dicom"}
    url = "/v2/models/chest-xray-pneumonia/infer"
    with service.client() as c:
        assert c.post(f"{url}?case=API-PAT-1", content=chest_of("MRN-1", "1"), headers=dicom).status_code == 200
        other = c.post(f"{url}?case=API-PAT-1", content=chest_of("MRN-2", "2"), headers=dicom)
        two = c.post(url, json=bytes_request("image", [chest_of("MRN-3", "3"), chest_of("MRN-4", "4")],
                                             case="API-PAT-2"))
        bad_flag = c.post(url, json=bytes_request("image", [chest_of("MRN-2", "2")], case="API-PAT-1",
                                                  same_patient="yes"))
        confirmed = c.post(f"{url}?case=API-PAT-1&same_patient=true", content=chest_of("MRN-2", "2"), headers=dicom)
    assert other.status_code == 409
    assert other.json()["error"].startswith("Not saved to API-PAT-1: its images are of another patient (DICOM "
                                            "Patient ID).")
    assert "same_patient" in other.json()["error"]
    assert two.status_code == 409 and "name 2 different patients" in two.json()["error"]
    assert bad_flag.status_code == 400 and bad_flag.json()["error"] == "parameters.same_patient is true or false."
    assert confirmed.status_code == 200, confirmed.text
    store = service.store()
    assert case_id_of(store, "API-PAT-2") is None  # nothing of the refused batch was stored, not even its case
    detail = store.case_detail(case_id_of(store, "API-PAT-1"), {"username": "ada", "role": "admin"}, log_view=False)
    assert len(detail["analyses"]) == 2


def test_an_image_declaring_burned_in_text_is_a_409_until_pixels_checked_is_sent(service):
    dicom = {"Content-Type": "application/dicom"}
    url = "/v2/models/chest-xray-pneumonia/infer"
    image = chest_of("MRN-9", "9", burned_in="YES")
    with service.client() as c:
        analysed = c.post(url, content=image, headers=dicom)  # analysed without a case: nothing is kept
        refused = c.post(f"{url}?case=API-PIX-1", content=image, headers=dicom)
        batch = c.post(url, json=bytes_request("image", [chest_of("MRN-9", "8"), image], case="API-PIX-2"))
        alone = c.post(url, json=bytes_request("image", [image], pixels_checked=True))
        confirmed = c.post(url, json=bytes_request("image", [image], case="API-PIX-1", pixels_checked=True))
    assert analysed.status_code == 200
    assert refused.status_code == 409 and refused.json()["error"].startswith(
        "This DICOM file declares burned-in annotation (Burned In Annotation = YES)")
    assert "pixels_checked = true" in refused.json()["error"]
    assert batch.status_code == 409  # one image of the batch declares it: none of it is stored
    assert alone.status_code == 400 and "apply to a save" in alone.json()["error"]
    assert confirmed.status_code == 200, confirmed.text
    store = service.store()
    assert case_id_of(store, "API-PIX-2") is None
    detail = store.case_detail(case_id_of(store, "API-PIX-1"), {"username": "ada", "role": "admin"}, log_view=False)
    assert len(detail["analyses"]) == 1


def test_a_note_unlike_every_training_text_is_not_assessed_through_the_api(service):
    with service.client() as c:
        out = outputs(c.post("/v2/models/symptom-disease/infer", content=b"The quick brown fox jumps over the lazy dog.",
                             headers={"Content-Type": "text/plain"}))
    assert out["assessed"]["data"] == [False] and out["label"]["data"] == ["not assessed"]
    [warnings] = [json.loads(w) for w in out["warnings"]["data"]]
    assert warnings[0].startswith("This note is unlike every text the model learnt from")
    # why, where the metadata says it is (fit_reasons was [] for notes, heart sounds and profiles: an API review)
    assert json.loads(out["details"]["data"][0])["fit_reasons"] == [warnings[0]]


def test_a_json_request_sent_as_text_to_a_note_model_is_refused_not_read_as_the_note(service):
    """An integration review: the request's JSON, sent as text/plain, was read as the note ("drug reaction" for a
    psoriasis note) and saved to the case named in the address."""
    body = json.dumps({"inputs": [{"name": "note", "datatype": "BYTES", "shape": [1], "data": [NOTE]}]}).encode()
    with service.client() as c:
        r = c.post("/v2/models/symptom-disease/infer?case=API-JSON-TEXT-1", content=body,
                   headers={"Content-Type": "text/plain"})
        star = c.get("/v2/models/%2A/ready")
        star_infer = c.post("/v2/models/%2A/infer", content=body)
    assert r.status_code == 400 and r.json()["error"] == (
        "The body is a JSON inference request but was sent as text/plain: send it with Content-Type: "
        "application/json (or with no Content-Type).")
    assert "API-JSON-TEXT-1" not in {c["reference"] for c in service.store().list_cases()}
    # "*" is a model name like any other (it was the model list's marker inside the server, and a 500)
    assert star.status_code == 404 and star_infer.status_code == 404
    assert "no model '*'" in star_infer.json()["error"]


def test_an_image_explanation_says_how_far_its_sum_is_from_the_explained_output(service):
    """An integration review: base + sum(values) was 0.66 from log p on a chest DICOM, with nothing saying so."""
    with service.client() as c:
        out = outputs(c.post("/v2/models/chest-xray-pneumonia/explain", content=chest_of("GAP-1", "1"),
                             headers={"Content-Type": "application/dicom"}))
        meta = c.get("/v2/models/chest-xray-pneumonia").json()
    info = json.loads(out["explanation_data"]["data"][0])
    total = out["base_value"]["data"][0] + float(np.sum(out["values"]["data"]))
    labels = out["probabilities"]["parameters"]["labels"]
    p = out["probabilities"]["data"][labels.index(out["target"]["data"][0])]
    assert info["explained_output"] == pytest.approx(np.log(p), abs=1e-6)
    assert info["completeness_error"] == pytest.approx(total - info["explained_output"], abs=1e-3)
    [base] = [o for o in meta["parameters"]["explain_outputs"] if o["name"] == "base_value"]
    assert "approximately for images" in base["description"]
    # what the metadata lists is what comes back: a map has no names (listed, then refused), and three dimensions
    listed = {o["name"]: o for o in meta["parameters"]["explain_outputs"]}
    assert set(listed) <= {o["name"] for o in meta["outputs"]} | set(out) and "names" not in listed
    assert len(listed["values"]["shape"]) == len(out["values"]["shape"]) == 3


def test_an_empty_file_element_is_said_in_the_apis_words(service):
    """An integration review: an empty note in a JSON request read "nothing was uploaded or recorded. Upload the
    file again." (the page's words). Matched by the error's field, not its wording."""
    with service.client() as c:
        for model, request in (("symptom-disease", bytes_request("note", [NOTE.encode(), b""])),
                               ("chest-xray-pneumonia", bytes_request("image", [b""]))):
            r = c.post(f"/v2/models/{model}/infer", json=request)
            assert r.status_code == 400, r.text
            assert r.json()["error"].endswith("is empty (0 bytes): nothing was sent. Send the file (for a note, its "
                                              "text) in it."), r.json()["error"]


def test_a_zip_of_images_names_each_rows_member_in_member_name_order(service):
    # the rows came back sorted by member name with nothing naming them: an integrator could not tell which
    # result was which image (an IT review)
    normal = sorted((data_root() / "imaging" / "kermany_cxr224" / "train" / "NORMAL").glob("*.jpeg"))[:2]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("z_first.jpeg", normal[0].read_bytes())
        archive.writestr("scans/a_second.jpeg", normal[1].read_bytes())
        archive.writestr("__MACOSX/._z_first.jpeg", b"\0\5\26\7")
    model = load_model("chest-xray-pneumonia")
    alone = [analyse(model, decode_image(p.read_bytes(), p.name)[0]).prediction for p in (normal[1], normal[0])]
    with service.client() as c:
        r = c.post("/v2/models/chest-xray-pneumonia/infer", content=buffer.getvalue(),
                   headers={"Content-Type": "application/zip"})
    assert r.status_code == 200, r.text
    assert r.json()["parameters"]["inputs"] == ["scans/a_second.jpeg", "z_first.jpeg"]
    probabilities = outputs(r)["probabilities"]["data"]
    for row, pred in enumerate(alone):  # each row is its named image's result
        assert probabilities[2 * row: 2 * row + 2] == pytest.approx(list(pred.probabilities), abs=1e-6)


def test_frame_number_chooses_the_frame_of_a_multi_frame_image_in_json_and_in_the_address(service):
    """An integration review: a multi-frame DICOM was analysed at its first frame only, where the page offers every
    frame. frame_number counts from 1, as DICOM and the Imaging page do; a frame the image lacks is a 400."""
    from dicom_samples import three_frames

    model = load_model("chest-xray-pneumonia")
    data = three_frames(PatientID="MRN-FRAMES")
    second = analyse(model, decode_image(data, "film.dcm", frame=1)[0]).prediction
    first = analyse(model, decode_image(data, "film.dcm")[0]).prediction
    assert not np.allclose(first.probabilities, second.probabilities, atol=1e-3)  # frame 2 is the mirrored film
    url = "/v2/models/chest-xray-pneumonia/infer"
    with service.client() as c:
        as_json = c.post(url, json=bytes_request("image", [data], frame_number=2))
        raw = c.post(url + "?frame_number=2", content=data, headers={"Content-Type": "application/dicom"})
        default = c.post(url, content=data, headers={"Content-Type": "application/dicom"})
        too_far = c.post(url + "?frame_number=4", content=data, headers={"Content-Type": "application/dicom"})
        zero = c.post(url, json=bytes_request("image", [data], frame_number=0))
        misspelt = c.post(url, json=bytes_request("image", [data], frame=2))
        records = c.post("/v2/models/heart-disease/infer?frame_number=1", content=b"age\n54\n",
                         headers={"Content-Type": "text/csv"})
        explained = c.post(url.replace("/infer", "/explain"), json=bytes_request("image", [data], frame_number=2))
    for answer in (as_json, raw):
        assert np.allclose(outputs(answer)["probabilities"]["data"], second.probabilities, atol=1e-6)
        assert answer.json()["parameters"]["frame_number"] == 2
    data_out = json.loads(outputs(explained)["explanation_data"]["data"][0])
    assert (data_out["frame"], data_out["n_frames"]) == (1, 3)  # counted from 0 there, as documented
    assert np.allclose(outputs(default)["probabilities"]["data"], first.probabilities, atol=1e-6)
    assert "frame_number" not in default.json()["parameters"]
    assert too_far.status_code == 400 and too_far.json()["error"] == (
        "The uploaded file has 3 frames; frame number 4 asks for one it does not have (frames are counted from 1).")
    assert zero.status_code == 400 and "frame_number is a whole number from 1" in zero.json()["error"]
    assert misspelt.status_code == 400 and "did you mean 'frame_number'" in misspelt.json()["error"]
    assert records.status_code == 400 and "does not take images" in records.json()["error"]
