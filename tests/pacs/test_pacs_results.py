"""Results written back with STOW-RS and read back from Orthanc: Secondary Capture, SR, study linkage, audit."""
from __future__ import annotations

import io
import re

import highdicom as hd
import numpy as np
import pydicom
import pytest
from PIL import Image

from medapp.cases.store import CaseStore
from medapp.pacs.client import InstanceCache, InstanceRef, PacsClient, PacsError
from medapp.pacs.config import Endpoint
from medapp.pacs.pipeline import analyse_instance
from medapp.pacs.results import DISCLAIMER, send_result
from medapp.registry import load_model
from medapp.render.image import heatmap
from medapp.render.numbers import precise_percent, scale_text

pytestmark = pytest.mark.system


@pytest.fixture(scope="module")
def sent(orthanc, tmp_path_factory):
    endpoint = Endpoint("test-orthanc", orthanc.dicomweb_url, "basic", orthanc.user, orthanc.password)
    client = PacsClient(endpoint)
    model = load_model("chest-xray-pneumonia")
    ref = client.instances(orthanc.archive.chest.study_uid, orthanc.archive.cr_series_uid)[1]
    result = analyse_instance(model, client, ref, InstanceCache())
    store = CaseStore(f"sqlite:///{tmp_path_factory.mktemp('pacs-audit') / 'medapp.db'}")
    receipt = send_result(client, result.data, result.image, result.analysis, model.card, username="dr-who",
                          store=store)
    return client, model, ref, result, receipt, store


def _fetch(client: PacsClient, study: str, series: str, sop: str) -> pydicom.Dataset:
    return pydicom.dcmread(io.BytesIO(client.retrieve(InstanceRef(study, series, sop))))


def _items(ds) -> list:
    return list(ds.ContentSequence)


def test_both_objects_are_new_series_in_the_same_study(sent, orthanc):
    client, model, ref, result, receipt, _ = sent
    assert receipt.study_uid == ref.study_uid
    studies = client.search_studies(patient_id=orthanc.archive.chest.patient_id)
    assert len(studies) == 1  # no new study was created
    series = {s["series_uid"]: s for s in client.series(ref.study_uid)}
    assert {receipt.sc_series_uid, receipt.sr_series_uid} <= set(series)
    for uid in (receipt.sc_series_uid, receipt.sr_series_uid):
        text = series[uid]["description"]
        assert model.card.id in text and f"v{model.card.version}" in text and "not for diagnostic use" in text
    assert series[receipt.sr_series_uid]["modality"] == "SR"


def test_secondary_capture_reads_back_with_overlay_and_disclaimer(sent):
    client, model, ref, result, receipt, _ = sent
    sc = _fetch(client, receipt.study_uid, receipt.sc_series_uid, receipt.sc_sop_uid)
    assert sc.SOPClassUID == "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
    assert list(sc.ImageType)[:2] == ["DERIVED", "SECONDARY"]
    assert sc.StudyInstanceUID == ref.study_uid and sc.PatientID == "PAT-0001"
    assert sc.SourceImageSequence[0].ReferencedSOPInstanceUID == ref.sop_uid
    assert DISCLAIMER in sc.DerivationDescription and model.card.version in sc.DerivationDescription
    # the page's colour scale and probability (a review: scaled to its maximum, and "100%" beside 99.7% on screen)
    figure = heatmap(result.image.image, result.analysis.explanation)
    page = " ".join(str(t.colorbar.title.text) for t in figure.data if getattr(t, "showscale", None) is not False)
    scale = re.search(r"full colour beyond (±[\d.]+)", page).group(1)  # written out, no e-notation
    assert f"full colour beyond {scale} (as on screen)" in sc.DerivationDescription
    assert sc.ImageComments.startswith(f"Finding: {result.analysis.prediction.label} "
                                       f"({precise_percent(result.analysis.prediction.probability)})")
    pixels = sc.pixel_array
    assert pixels.ndim == 3 and pixels.shape[2] == 3 and sc.PhotometricInterpretation == "RGB"
    banner = pixels[: pixels.shape[0] // 12]
    yellow = (banner[..., 0] > 200) & (banner[..., 1] > 170) & (banner[..., 2] < 60)
    assert yellow.sum() > 200  # the burned-in "NOT FOR DIAGNOSTIC USE"
    body = pixels[pixels.shape[0] // 8:, : pixels.shape[0]]
    red = (body[..., 0].astype(int) - body[..., 2] > 40).sum()
    blue = (body[..., 2].astype(int) - body[..., 0] > 40).sum()
    assert red > 500 and blue > 500  # the heatmap over the image and the colour bar


def test_orthanc_renders_the_secondary_capture(sent, orthanc):
    client, _, _, _, receipt, _ = sent
    sc = _fetch(client, receipt.study_uid, receipt.sc_series_uid, receipt.sc_sop_uid)
    response = orthanc.session.get(f"{orthanc.url}/instances/{orthanc.lookup(receipt.sc_sop_uid)}/preview")
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/png"
    preview = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"), dtype=float)
    assert preview.shape == sc.pixel_array.shape
    assert np.abs(preview - sc.pixel_array).mean() < 2.0


def test_structured_report_holds_finding_probabilities_model_method_disclaimer(sent):
    client, model, ref, result, receipt, _ = sent
    sr = _fetch(client, receipt.study_uid, receipt.sr_series_uid, receipt.sr_sop_uid)
    assert sr.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.33"  # Comprehensive SR
    assert sr.StudyInstanceUID == ref.study_uid and sr.PatientName == "Test^Alice"
    assert sr.ConceptNameCodeSequence[0].CodeValue == "18748-4"
    by_name: dict[str, list] = {}
    for item in _items(sr):
        by_name.setdefault(item.ConceptNameCodeSequence[0].CodeMeaning, []).append(item)
    pred = result.analysis.prediction
    assert by_name["Finding"][0].TextValue == pred.label
    probs = {i.ConceptNameCodeSequence[0].CodeMeaning.removeprefix("Probability of "):
             float(i.MeasuredValueSequence[0].NumericValue) for i in _items(sr) if i.ValueType == "NUM"}
    assert probs.keys() == set(model.card.labels)
    assert abs(sum(probs.values()) - 1) < 1e-4 and abs(probs[pred.label] - pred.probability) < 1e-4
    assert model.card.name in by_name["Algorithm Name"][0].TextValue
    assert by_name["Algorithm Version"][0].TextValue == model.card.version
    assert result.analysis.explanation.method in by_name["Explanation method"][0].TextValue
    assert any(DISCLAIMER in c.TextValue for c in by_name["Comment"])
    refs = {i.ReferencedSOPSequence[0].ReferencedSOPInstanceUID for i in _items(sr) if i.ValueType == "IMAGE"}
    assert refs == {ref.sop_uid, receipt.sc_sop_uid}
    evidence = sr.CurrentRequestedProcedureEvidenceSequence[0]
    assert evidence.StudyInstanceUID == ref.study_uid
    parsed = hd.sr.ComprehensiveSR.from_dataset(sr)  # highdicom reads its content tree back
    assert parsed.SeriesDescription.endswith("AI report - not for diagnostic use")


def test_orthanc_parses_the_report(sent, orthanc):
    *_, receipt, _ = sent
    tags = orthanc.session.get(f"{orthanc.url}/instances/{orthanc.lookup(receipt.sr_sop_uid)}/simplified-tags").json()
    assert tags["Modality"] == "SR" and tags["StudyInstanceUID"] == receipt.study_uid
    texts = [item.get("TextValue", "") for item in tags["ContentSequence"]]
    assert any("NOT FOR DIAGNOSTIC USE" in t for t in texts)


def test_audit_says_who_sent_what_where_and_no_secret(sent, orthanc):
    *_, receipt, store = sent
    (event,) = store.audit_events(action="pacs.send")
    assert event["username"] == "dr-who" and event["target"] == "pacs:test-orthanc"
    detail = str(event["detail"])
    for uid in (receipt.study_uid, receipt.source_sop_uid, receipt.sc_sop_uid, receipt.sr_sop_uid):
        assert uid in detail
    assert orthanc.password not in detail


def test_a_refused_send_is_an_error_and_audited(sent, orthanc):
    client, model, ref, result, _, store = sent
    bad = PacsClient(Endpoint("test-orthanc", orthanc.dicomweb_url, "basic", orthanc.user, "wrong-pw-123"))
    with pytest.raises(PacsError, match="HTTP 401"):
        send_result(bad, result.data, result.image, result.analysis, model.card, username="dr-who", store=store)
    (event,) = store.audit_events(action="pacs.send_failed")
    assert "HTTP 401" in str(event["detail"]) and "wrong-pw-123" not in str(event["detail"])


def test_the_secondary_capture_states_an_orientation_only_when_the_source_does(sent):
    """A review: the Secondary Capture said PatientOrientation L\\F for a source (an ultrasound) that states none."""
    from medapp.pacs.results import secondary_capture

    _client, model, _ref, result, _receipt, _ = sent
    source = pydicom.dcmread(io.BytesIO(result.data), force=True)
    source.PatientOrientation = ["A", "F"]
    copied = secondary_capture(source, result.image, result.analysis, model.card)
    del source.PatientOrientation
    unstated = secondary_capture(source, result.image, result.analysis, model.card)
    assert list(copied.PatientOrientation) == ["A", "F"]
    assert "PatientOrientation" in unstated and unstated.PatientOrientation in ("", None)  # Type 2: present, empty



def test_the_burned_in_colour_bar_labels_are_written_whole(monkeypatch):
    """A re-check: a breast ultrasound's limit beside the Secondary Capture's bar was cut to "≥+0.000…"."""
    import glob

    from PIL import ImageDraw

    from medapp.analysis import analyse
    from medapp.modalities.imaging.io import decode
    from medapp.pacs.results import overlay_pixels
    from medapp.registry import data_root
    from medapp.render.image import displayed_map

    drawn = []
    real = ImageDraw.ImageDraw.text
    monkeypatch.setattr(ImageDraw.ImageDraw, "text", lambda self, xy, text, *a, **kw: (drawn.append(text),
                                                                                       real(self, xy, text, *a, **kw)))
    path = next(p for p in sorted(glob.glob(str(data_root() / "imaging/busi/benign/*.png"))) if "_mask" not in p)
    x = decode(open(path, "rb").read(), "b.png")[0]
    model = load_model("breast-ultrasound")
    analysis = analyse(model, x)
    lim = displayed_map(analysis.explanation, x.grey.shape)
    overlay_pixels(x, analysis, model.card, lim)
    labels = [t for t in drawn if t[:1] in "≥≤"]
    assert labels == [f"≥+{scale_text(lim[1])}", f"≤-{scale_text(lim[1])}"] and not any("…" in t for t in labels)


def test_a_result_sent_before_is_found_in_the_study_for_that_image_and_model_only(sent, orthanc):
    # a send that timed out had been stored, and a new session sent the same result again (a PACS review)
    from medapp.pacs.results import earlier_results

    client, model, ref, result, receipt, _ = sent
    [when] = earlier_results(client, ref.study_uid, ref.sop_uid, 0, model.card)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", when)
    assert earlier_results(client, ref.study_uid, ref.sop_uid + ".9", 0, model.card) == []  # another image
    assert earlier_results(client, ref.study_uid, ref.sop_uid, 1, model.card) == []  # another frame of it
    assert earlier_results(client, ref.study_uid, ref.sop_uid, 0, load_model("breast-ultrasound").card) == []
